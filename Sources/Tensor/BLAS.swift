import CBLAS

/// Matrix products through OpenBLAS.
public enum BLAS {
    /// Sets OpenBLAS's thread count for the whole process (1 is deterministic and, on
    /// these machines, the fastest per core; use the other cores for independent work).
    public static func setThreads(_ count: Int) {
        openblas_set_num_threads(Int32(Swift.max(1, count)))
    }

    public static var threads: Int { Int(openblas_get_num_threads()) }

    /// c = alpha · op(a) · op(b) + beta · c, where op transposes when asked.
    ///
    /// `c` must already have the result's shape (rows of op(a) × cols of op(b)).
    public static func gemm(_ a: Matrix, transposeA: Bool = false, _ b: Matrix, transposeB: Bool = false,
                            into c: inout Matrix, alpha: Float = 1, beta: Float = 0) {
        let m = transposeA ? a.cols : a.rows
        let k = transposeA ? a.rows : a.cols
        let kb = transposeB ? b.cols : b.rows
        let n = transposeB ? b.rows : b.cols
        precondition(k == kb, "gemm inner dimensions differ: \(k) vs \(kb)")
        precondition(c.rows == m && c.cols == n, "gemm output is \(c.rows)×\(c.cols), expected \(m)×\(n)")
        if m == 0 || n == 0 { return }
        if k == 0 {
            if beta == 0 { c.fill(0) } else if beta != 1 { c.storage.withUnsafeMutableBufferPointer { p in for i in p.indices { p[i] *= beta } } }
            return
        }
        a.storage.withUnsafeBufferPointer { pa in
            b.storage.withUnsafeBufferPointer { pb in
                c.storage.withUnsafeMutableBufferPointer { pc in
                    cblas_sgemm(CblasRowMajor,
                                transposeA ? CblasTrans : CblasNoTrans,
                                transposeB ? CblasTrans : CblasNoTrans,
                                Int32(m), Int32(n), Int32(k), alpha,
                                pa.baseAddress, Int32(a.cols),
                                pb.baseAddress, Int32(b.cols),
                                beta, pc.baseAddress, Int32(n))
                }
            }
        }
    }
}
