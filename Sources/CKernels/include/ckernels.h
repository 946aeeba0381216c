#ifndef MTKD_CKERNELS_H
#define MTKD_CKERNELS_H

#include <stdint.h>

/// mtkd's hot loops in C: each is compiled twice, for baseline x86-64 and for AVX+FMA,
/// and the AVX+FMA build is chosen at run time when the processor (and OS) support it.
/// Both builds compute the same sums in the same order; they may differ in the last bit
/// where FMA fuses a multiply and an add.

/// 1 when the AVX+FMA builds are in use on the calling thread.
int mtkd_kernels_use_avx_fma(void);

/// On the calling thread only: `baseline` non-zero makes the kernels use their baseline
/// builds even where AVX+FMA is available; 0 restores the default. For tests of both builds.
void mtkd_kernels_force_baseline(int baseline);

/// Collects the non-zeros of the row-major (rows × cols) matrix x as CSR: row r's entries
/// are [row_start[r], row_start[r+1]) of columns/values. Stops and returns -1 as soon as
/// there are more than `limit` non-zeros; otherwise returns their count. NaNs count as
/// non-zeros. columns/values need room for limit + cols entries, row_start for rows + 1.
long mtkd_collect_nonzeros(const float *x, long rows, long cols, long limit,
                           int32_t *row_start, int32_t *columns, float *values);

/// out (rows × n) = bias (1 × n, may be NULL for zero) + X·W, where X is CSR (as above)
/// and W is row-major (in × n).
void mtkd_sparse_matmul(long rows, long n, const int32_t *row_start, const int32_t *columns,
                        const float *values, const float *w, const float *bias, float *out);

/// dW (in × n) += Xᵀ·dy, X in CSR (rows × in), dy row-major (rows × n). The entries are
/// regrouped by column first (scratch: column_start needs in + 1 ints, scratch_rows and
/// scratch_values one per non-zero), so each row of dW is summed in registers and stored once.
void mtkd_sparse_weight_gradient(long rows, long in, long n, const int32_t *row_start,
                                 const int32_t *columns, const float *values, const float *dy,
                                 float *dw, int32_t *column_start, int32_t *scratch_rows,
                                 float *scratch_values);

/// Inverted dropout's forward pass: from xoshiro256** `state` (advanced in place), each
/// 64-bit draw gives two 24-bit uniforms u (bits 40–63, then 16–39); mask[i] = u < threshold
/// ? 0 : keep (an odd count takes the high bits of one last draw); out[i] = x[i]·mask[i].
void mtkd_dropout_forward(long count, const float *x, float *mask, float *out, uint64_t state[4],
                          uint64_t threshold, float keep);

/// One Adam step over `count` values (PyTorch's form, weight decay added to the gradient):
/// g = grad + wd·θ; m = b1·m + (1−b1)·g; v = b2·v + (1−b2)·g²;
/// θ −= step_size·m / (√v · inv_sqrt_c2 + eps).
void mtkd_adam_update(long count, float *value, const float *grad, float *m, float *v,
                      float beta1, float beta2, float weight_decay, float step_size,
                      float inv_sqrt_c2, float epsilon);

/// out[j] += Σ_r x[r, j] for the row-major (rows × n) matrix x (a bias's gradient).
void mtkd_add_column_sums(long rows, long n, const float *x, float *out);

/// Every row of the row-major (rows × n) matrix out set to row (1 × n).
void mtkd_fill_rows(long rows, long n, const float *row, float *out);

/// dst[i, :] = src[index[i], :] for i in [0, count), rows of `cols` floats; prefetches
/// rows a few indices ahead (random rows of a large table come from memory).
void mtkd_gather_rows(const float *src, long cols, const long *index, long count, float *dst);

/* dst (count × cols) row i = row index[i] of the CSR matrix (row_start, columns, values): zeros
   but for its entries, written as raw 32-bit patterns (every value keeps its bits). */
void mtkd_gather_sparse_rows(const int32_t *row_start, const int32_t *columns, const uint32_t *values, long cols,
                             const long *index, long count, uint32_t *dst);

#endif
