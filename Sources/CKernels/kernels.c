#include "ckernels.h"

#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#define MTKD_X86 1
#define AVX_FMA __attribute__((target("avx,fma")))
#else
#define MTKD_X86 0
#define AVX_FMA
#endif

#define INLINE static inline __attribute__((always_inline))

/* Eight floats; loads and stores go through memcpy, so no alignment is assumed. The
   baseline build lowers each operation to two SSE instructions, the AVX build to one. */
typedef float v8f __attribute__((vector_size(32)));

INLINE v8f load8(const float *p) { v8f v; memcpy(&v, p, sizeof v); return v; }
INLINE void store8(float *p, v8f v) { memcpy(p, &v, sizeof v); }
INLINE v8f splat8(float x) { return (v8f){x, x, x, x, x, x, x, x}; }

/* ---------------------------------------------------------------- dispatch */

static int detect_avx_fma(void) {
#if MTKD_X86
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    const unsigned fma = 1u << 12, osxsave = 1u << 27, avx = 1u << 28;
    if ((c & (fma | osxsave | avx)) != (fma | osxsave | avx)) return 0;
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (lo & 6) == 6;   /* the OS saves XMM and YMM state */
#else
    return 0;
#endif
}

/* -1 unknown, else the answer; racing first calls compute the same value. */
static volatile int avx_fma_state = -1;

static _Thread_local int force_baseline = 0;

int mtkd_kernels_use_avx_fma(void) {
    if (force_baseline) return 0;
    int s = avx_fma_state;
    if (s < 0) { s = detect_avx_fma(); avx_fma_state = s; }
    return s;
}

void mtkd_kernels_force_baseline(int baseline) { force_baseline = baseline != 0; }

/* Defines name##_avx (AVX+FMA) and name##_base from one always-inline body, and the public
   entry point that picks one. */
#define DISPATCH(ret, name, params, args)                                   \
    AVX_FMA static ret name##_avx params { return name##_body args; }        \
    static ret name##_base params { return name##_body args; }               \
    ret name params {                                                        \
        return mtkd_kernels_use_avx_fma() ? name##_avx args : name##_base args; \
    }

/* ---------------------------------------------------------------- non-zeros */

/* Bit l set when p[l] != 0 (NaN included). */
INLINE unsigned nonzero_mask8(const float *p) {
#if MTKD_X86
    const __m128 zero = _mm_setzero_ps();
    return (unsigned)_mm_movemask_ps(_mm_cmpneq_ps(_mm_loadu_ps(p), zero))
         | (unsigned)_mm_movemask_ps(_mm_cmpneq_ps(_mm_loadu_ps(p + 4), zero)) << 4;
#else
    unsigned mask = 0;
    for (int l = 0; l < 8; l++) mask |= (unsigned)(p[l] != 0.0f) << l;
    return mask;
#endif
}

INLINE long mtkd_collect_nonzeros_body(const float *x, long rows, long cols, long limit,
                                       int32_t *row_start, int32_t *columns, float *values) {
    long nnz = 0;
    row_start[0] = 0;
    for (long r = 0; r < rows; r++) {
        const float *row = x + r * cols;
        long j = 0;
        for (; j + 8 <= cols; j += 8) {
            /* One compare for eight: most groups of one-hot features are all zero. */
            unsigned mask = nonzero_mask8(row + j);
            while (mask) {
                int l = __builtin_ctz(mask);
                columns[nnz] = (int32_t)(j + l);
                values[nnz] = row[j + l];
                nnz++;
                mask &= mask - 1;
            }
        }
        for (; j < cols; j++) {
            float v = row[j];
            columns[nnz] = (int32_t)j;
            values[nnz] = v;
            nnz += (v != 0.0f);
        }
        row_start[r + 1] = (int32_t)nnz;
        if (nnz > limit) return -1;
    }
    return nnz;
}

DISPATCH(long, mtkd_collect_nonzeros,
         (const float *x, long rows, long cols, long limit, int32_t *row_start, int32_t *columns, float *values),
         (x, rows, cols, limit, row_start, columns, values))

/* ---------------------------------------------------------------- sparse products */

/* out[0..n) = start[0..n) (zero when NULL) + Σ_{k in [begin, end)} values[k] · base[index[k]·n + 0..n):
   a weighted sum of rows of `base`. 64 columns at a time, their sums kept in registers across
   the terms and stored once; `start` may be `out` (each block is loaded before it is stored). */
INLINE void sum_scaled_rows(float *out, const float *start, const float *base, long n, const int32_t *index,
                            const float *values, long begin, long end) {
    long j = 0;
    for (; j + 64 <= n; j += 64) {
        v8f a[8];
        for (int q = 0; q < 8; q++) a[q] = start ? load8(start + j + 8 * q) : splat8(0);
        for (long k = begin; k < end; k++) {
            const v8f s = splat8(values[k]);
            const float *p = base + (long)index[k] * n + j;
            for (int q = 0; q < 8; q++) a[q] += s * load8(p + 8 * q);
        }
        for (int q = 0; q < 8; q++) store8(out + j + 8 * q, a[q]);
    }
    for (; j + 8 <= n; j += 8) {
        v8f a = start ? load8(start + j) : splat8(0);
        for (long k = begin; k < end; k++) a += splat8(values[k]) * load8(base + (long)index[k] * n + j);
        store8(out + j, a);
    }
    for (; j < n; j++) {
        float a = start ? start[j] : 0.0f;
        for (long k = begin; k < end; k++) a += values[k] * base[(long)index[k] * n + j];
        out[j] = a;
    }
}

/* Row r of out is the bias plus the rows of W its non-zeros pick, weighted by their values. */
INLINE void mtkd_sparse_matmul_body(long rows, long n, const int32_t *row_start, const int32_t *columns,
                                    const float *values, const float *w, const float *bias, float *out) {
    for (long r = 0; r < rows; r++)
        sum_scaled_rows(out + r * n, bias, w, n, columns, values, row_start[r], row_start[r + 1]);
}

DISPATCH(void, mtkd_sparse_matmul,
         (long rows, long n, const int32_t *row_start, const int32_t *columns, const float *values,
          const float *w, const float *bias, float *out),
         (rows, n, row_start, columns, values, w, bias, out))

INLINE void mtkd_sparse_weight_gradient_body(long rows, long in, long n, const int32_t *row_start,
                                             const int32_t *columns, const float *values, const float *dy,
                                             float *dw, int32_t *column_start, int32_t *scratch_rows,
                                             float *scratch_values) {
    /* Counting sort of the entries by column (stable: rows stay in order within a column). */
    const long nnz = row_start[rows];
    memset(column_start, 0, (size_t)(in + 1) * sizeof(int32_t));
    for (long k = 0; k < nnz; k++) column_start[columns[k] + 1]++;
    for (long c = 0; c < in; c++) column_start[c + 1] += column_start[c];
    for (long r = 0; r < rows; r++) {
        for (long k = row_start[r]; k < row_start[r + 1]; k++) {
            const int32_t at = column_start[columns[k]]++;
            scratch_rows[at] = (int32_t)r;
            scratch_values[at] = values[k];
        }
    }
    /* column_start[c] now holds the end of column c, which is the start of column c + 1. */
    for (long c = in; c > 0; c--) column_start[c] = column_start[c - 1];
    column_start[0] = 0;

    /* Row c of dW gains the rows of dy that column c's entries pick, weighted by their values. */
    for (long c = 0; c < in; c++) {
        if (column_start[c] == column_start[c + 1]) continue;
        sum_scaled_rows(dw + c * n, dw + c * n, dy, n, scratch_rows, scratch_values, column_start[c], column_start[c + 1]);
    }
}

DISPATCH(void, mtkd_sparse_weight_gradient,
         (long rows, long in, long n, const int32_t *row_start, const int32_t *columns, const float *values,
          const float *dy, float *dw, int32_t *column_start, int32_t *scratch_rows, float *scratch_values),
         (rows, in, n, row_start, columns, values, dy, dw, column_start, scratch_rows, scratch_values))

/* ---------------------------------------------------------------- dropout */

INLINE uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

/* xoshiro256**, the same generator as Tensor's RNG. */
INLINE uint64_t next_draw(uint64_t *s0, uint64_t *s1, uint64_t *s2, uint64_t *s3) {
    const uint64_t result = rotl(*s1 * 5, 7) * 9;
    const uint64_t t = *s1 << 17;
    *s2 ^= *s0;
    *s3 ^= *s1;
    *s1 ^= *s2;
    *s0 ^= *s3;
    *s2 ^= t;
    *s3 = rotl(*s3, 45);
    return result;
}

/* In blocks: first the draws (the generator's dependency chain alone), then the masks from
   them in a loop the compiler vectorises. Each draw's 32-bit halves give u0 = bits 40–63 and
   u1 = bits 16–39 of the draw. */
INLINE void mtkd_dropout_forward_body(long count, const float *restrict x, float *restrict mask,
                                      float *restrict out, uint64_t state[4], uint64_t threshold, float keep) {
    enum { block = 512 };
    uint64_t draws[block];
    uint64_t s0 = state[0], s1 = state[1], s2 = state[2], s3 = state[3];
    const uint32_t limit = threshold > 0xFFFFFF ? 0x1000000 : (uint32_t)threshold;
    for (long start = 0; start < count; start += 2 * block) {
        const long n = count - start < 2 * block ? count - start : 2 * block;
        const long pairs = n / 2, used = (n + 1) / 2;
        for (long d = 0; d < used; d++) draws[d] = next_draw(&s0, &s1, &s2, &s3);
        const float *restrict xs = x + start;
        float *restrict ms = mask + start, *restrict os = out + start;
        for (long d = 0; d < pairs; d++) {
            const uint32_t lo = (uint32_t)draws[d], hi = (uint32_t)(draws[d] >> 32);
            const uint32_t u0 = hi >> 8, u1 = ((hi & 0xFF) << 16) | (lo >> 16);
            const float m0 = u0 < limit ? 0.0f : keep, m1 = u1 < limit ? 0.0f : keep;
            ms[2 * d] = m0;
            ms[2 * d + 1] = m1;
            os[2 * d] = xs[2 * d] * m0;
            os[2 * d + 1] = xs[2 * d + 1] * m1;
        }
        if (n & 1) {   /* the last element of an odd count: the high bits of one more draw */
            const float m = (uint32_t)(draws[pairs] >> 40) < limit ? 0.0f : keep;
            ms[n - 1] = m;
            os[n - 1] = xs[n - 1] * m;
        }
    }
    state[0] = s0; state[1] = s1; state[2] = s2; state[3] = s3;
}

DISPATCH(void, mtkd_dropout_forward,
         (long count, const float *x, float *mask, float *out, uint64_t state[4], uint64_t threshold, float keep),
         (count, x, mask, out, state, threshold, keep))

/* ---------------------------------------------------------------- Adam */

INLINE void mtkd_adam_update_body(long count, float *value, const float *grad, float *m, float *v,
                                  float beta1, float beta2, float weight_decay, float step_size,
                                  float inv_sqrt_c2, float epsilon) {
    const float a1 = 1 - beta1, a2 = 1 - beta2;
    const v8f b1 = splat8(beta1), b2 = splat8(beta2), va1 = splat8(a1), va2 = splat8(a2);
    const v8f wd = splat8(weight_decay), step = splat8(step_size), c2 = splat8(inv_sqrt_c2), eps = splat8(epsilon);
    long i = 0;
    for (; i + 8 <= count; i += 8) {
        const v8f theta = load8(value + i);
        const v8f g = load8(grad + i) + wd * theta;
        const v8f mi = b1 * load8(m + i) + va1 * g;
        const v8f vi = b2 * load8(v + i) + va2 * (g * g);
        v8f root;
        for (int l = 0; l < 8; l++) root[l] = __builtin_sqrtf(vi[l]);
        store8(m + i, mi);
        store8(v + i, vi);
        store8(value + i, theta - step * mi / (root * c2 + eps));
    }
    for (; i < count; i++) {
        const float g = grad[i] + weight_decay * value[i];
        const float mi = beta1 * m[i] + a1 * g;
        const float vi = beta2 * v[i] + a2 * (g * g);
        m[i] = mi;
        v[i] = vi;
        value[i] -= step_size * mi / (__builtin_sqrtf(vi) * inv_sqrt_c2 + epsilon);
    }
}

DISPATCH(void, mtkd_adam_update,
         (long count, float *value, const float *grad, float *m, float *v, float beta1, float beta2,
          float weight_decay, float step_size, float inv_sqrt_c2, float epsilon),
         (count, value, grad, m, v, beta1, beta2, weight_decay, step_size, inv_sqrt_c2, epsilon))

/* ---------------------------------------------------------------- rows and columns */

INLINE void mtkd_add_column_sums_body(long rows, long n, const float *restrict x, float *restrict out) {
    for (long r = 0; r < rows; r++) {
        const float *restrict row = x + r * n;
        for (long j = 0; j < n; j++) out[j] += row[j];
    }
}

DISPATCH(void, mtkd_add_column_sums, (long rows, long n, const float *x, float *out), (rows, n, x, out))

void mtkd_fill_rows(long rows, long n, const float *row, float *out) {
    for (long r = 0; r < rows; r++) memcpy(out + r * n, row, (size_t)n * sizeof(float));
}

/* ---------------------------------------------------------------- gather */

void mtkd_gather_sparse_rows(const int32_t *row_start, const int32_t *columns, const uint32_t *values, long cols,
                             const long *index, long count, uint32_t *dst) {
    for (long i = 0; i < count; i++) {
        uint32_t *row = dst + i * cols;
        memset(row, 0, (size_t)cols * sizeof(uint32_t));
        const long r = index[i];
        for (int32_t e = row_start[r]; e < row_start[r + 1]; e++) row[columns[e]] = values[e];
    }
}

void mtkd_gather_rows(const float *src, long cols, const long *index, long count, float *dst) {
    enum { ahead = 4 };
    const long bytes = cols * (long)sizeof(float);
    for (long i = 0; i < count && i < ahead; i++)
        for (long b = 0; b < bytes; b += 64) __builtin_prefetch((const char *)(src + index[i] * cols) + b);
    for (long i = 0; i < count; i++) {
        if (i + ahead < count) {
            const char *next = (const char *)(src + index[i + ahead] * cols);
            for (long b = 0; b < bytes; b += 64) __builtin_prefetch(next + b);
        }
        memcpy(dst + i * cols, src + index[i] * cols, (size_t)bytes);
    }
}
