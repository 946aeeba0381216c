/// Small element-wise kernels written with explicit 8-wide SIMD, for loops the compiler will
/// not vectorise on its own (it cannot prove the buffers do not alias).
///
/// `a * b + c` rather than `addingProduct`: SwiftPM's default x86-64 target has no FMA, and
/// `addingProduct` would become slow `fmaf` calls.
public enum Kernels {
    /// y[i] += alpha · x[i] for i in 0..<count.
    @inlinable @inline(__always)
    public static func axpy(count: Int, alpha: Float, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        let a = SIMD8<Float>(repeating: alpha)
        var i = 0
        let rx = UnsafeRawPointer(x), ry = UnsafeMutableRawPointer(y)
        while i + 8 <= count {
            let xv = rx.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            let yv = ry.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            ry.storeBytes(of: a * xv + yv, toByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        while i < count { y[i] = alpha * x[i] + y[i]; i += 1 }
    }
}
