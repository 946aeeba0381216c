import CKernels

/// mtkd's element-wise hot loops, in C (Sources/CKernels): built for baseline x86-64 and for
/// AVX+FMA, the latter chosen at run time when the processor has it.
public enum Kernels {
    /// Whether the AVX+FMA builds of the kernels are in use (on the calling thread).
    public static var usesAVXFMA: Bool { mtkd_kernels_use_avx_fma() != 0 }

    /// Runs `body` with the baseline builds of the kernels on the calling thread (other
    /// threads are unaffected), for tests that check both builds. `body` must not suspend.
    public static func withBaselineBuild<T>(_ body: () throws -> T) rethrows -> T {
        mtkd_kernels_force_baseline(1)
        defer { mtkd_kernels_force_baseline(0) }
        return try body()
    }

    /// Inverted dropout's forward pass: mask[i] = 0 with probability p, else 1/(1-p);
    /// out[i] = x[i]·mask[i]. Draws from `rng` (two 24-bit uniforms per 64-bit draw).
    public static func dropout(_ x: Matrix, probability p: Float, rng: inout RNG, mask: inout Matrix, out: inout Matrix) {
        dropout(x, rowsFrom: 0, ofBatch: x.rows, probability: p, rng: &rng, mask: &mask, out: &out)
    }

    /// Inverted dropout on rows `offset ..< offset + x.rows` of a batch of `total` rows: the
    /// masks and generator state of `dropout` on the whole batch (element e of the whole batch
    /// takes half e mod 2 of draw e / 2), drawing only this share's draws and skipping the
    /// others' with `RNG.advance` (a data-parallel rank's share of a layer's masks).
    public static func dropout(_ x: Matrix, rowsFrom offset: Int, ofBatch total: Int, probability p: Float, rng: inout RNG,
                               mask: inout Matrix, out: inout Matrix) {
        precondition(p >= 0 && p < 1, "dropout probability must be in [0, 1)")
        precondition(offset >= 0 && offset + x.rows <= total, "share outside the batch")
        mask.resize(rows: x.rows, cols: x.cols)
        out.resize(rows: x.rows, cols: x.cols)
        let threshold = UInt64(Double(p) * 16_777_216), keep = 1 / (1 - p)  // p < 1: threshold < 2²⁴
        let first = offset * x.cols
        rng.advance(by: first / 2)
        var drawn = first / 2  // draws of the whole batch's sequence consumed so far
        var start = 0
        if first % 2 == 1 && x.count > 0 {
            // The first element is the second half (bits 16–39) of a draw the previous share began.
            let d = rng.next()
            let lo = UInt32(truncatingIfNeeded: d), hi = UInt32(truncatingIfNeeded: d >> 32)
            let u1 = ((hi & 0xFF) << 16) | (lo >> 16)
            let m: Float = UInt64(u1) < threshold ? 0 : keep
            mask.storage[0] = m
            out.storage[0] = x.storage[0] * m
            start = 1
            drawn += 1
        }
        if start < x.count {
            var state = [rng.s.0, rng.s.1, rng.s.2, rng.s.3]
            x.storage.withUnsafeBufferPointer { px in
                mask.storage.withUnsafeMutableBufferPointer { pm in
                    out.storage.withUnsafeMutableBufferPointer { po in
                        state.withUnsafeMutableBufferPointer { st in
                            mtkd_dropout_forward(x.count - start, px.baseAddress! + start, pm.baseAddress! + start, po.baseAddress! + start,
                                                 st.baseAddress, threshold, keep)
                        }
                    }
                }
            }
            rng.s = (state[0], state[1], state[2], state[3])
            drawn += (x.count - start + 1) / 2
        }
        rng.advance(by: (total * x.cols + 1) / 2 - drawn)
    }

    /// One Adam step over a parameter's values (PyTorch's form, weight decay added to the gradient):
    /// g = grad + wd·θ; m = β₁m + (1−β₁)g; v = β₂v + (1−β₂)g²; θ −= stepSize·m / (√v·invSqrtC2 + ε).
    public static func adamUpdate(value: UnsafeMutableBufferPointer<Float>, grad: UnsafeBufferPointer<Float>,
                                  m: UnsafeMutableBufferPointer<Float>, v: UnsafeMutableBufferPointer<Float>,
                                  beta1: Float, beta2: Float, weightDecay: Float, stepSize: Float,
                                  invSqrtC2: Float, epsilon: Float) {
        precondition(grad.count == value.count && m.count == value.count && v.count == value.count,
                     "Adam: value, gradient and moments differ in size")
        mtkd_adam_update(value.count, value.baseAddress, grad.baseAddress, m.baseAddress, v.baseAddress,
                         beta1, beta2, weightDecay, stepSize, invSqrtC2, epsilon)
    }

    /// out[j] += Σ_r x[r, j] (out has x.cols values): a bias's gradient from its output's.
    public static func addColumnSums(of x: Matrix, into out: inout Matrix) {
        precondition(out.count == x.cols, "column sums of \(x.rows)×\(x.cols) into \(out.count) values")
        x.storage.withUnsafeBufferPointer { px in
            out.storage.withUnsafeMutableBufferPointer { po in mtkd_add_column_sums(x.rows, x.cols, px.baseAddress, po.baseAddress) }
        }
    }

    /// Every row of out (rows × row.count after resizing) set to `row`.
    public static func fillRows(_ out: inout Matrix, rows: Int, with row: Matrix) {
        out.resize(rows: rows, cols: row.count)
        row.storage.withUnsafeBufferPointer { pr in
            out.storage.withUnsafeMutableBufferPointer { po in mtkd_fill_rows(rows, row.count, pr.baseAddress, po.baseAddress) }
        }
    }

    /// dst = rows `indices` of src (resized to indices.count × src.cols); `Matrix.gatherRows` calls it.
    static func gatherRows(_ src: Matrix, _ indices: ArraySlice<Int>, into dst: inout Matrix) {
        dst.resize(rows: indices.count, cols: src.cols)
        guard !indices.isEmpty, src.cols > 0 else { return }
        precondition(indices.allSatisfy { $0 >= 0 && $0 < src.rows }, "row index out of range 0..<\(src.rows)")
        indices.withUnsafeBufferPointer { idx in
            src.storage.withUnsafeBufferPointer { ps in
                dst.storage.withUnsafeMutableBufferPointer { pd in
                    mtkd_gather_rows(ps.baseAddress, src.cols, idx.baseAddress, indices.count, pd.baseAddress)
                }
            }
        }
    }
}
