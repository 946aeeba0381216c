#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Tensor

/// Row-wise softmax and log-softmax at a temperature, computed stably (max subtracted).
public enum Softmax {
    /// out (N, C) = softmax(z / T) per row.
    public static func probabilities(_ z: Matrix, temperature: Float = 1, into out: inout Matrix) {
        out.resize(rows: z.rows, cols: z.cols)
        let c = z.cols
        let invT = 1 / temperature
        z.storage.withUnsafeBufferPointer { zs in
            out.storage.withUnsafeMutableBufferPointer { ps in
                for r in 0..<z.rows {
                    let o = r * c
                    var m = -Float.infinity
                    for j in 0..<c { m = max(m, zs[o + j]) }
                    var sum: Float = 0
                    for j in 0..<c {
                        let e = expf((zs[o + j] - m) * invT)
                        ps[o + j] = e
                        sum += e
                    }
                    let inv = 1 / sum
                    for j in 0..<c { ps[o + j] *= inv }
                }
            }
        }
    }

    /// out (N, C) = log softmax(z / T) per row.
    public static func logProbabilities(_ z: Matrix, temperature: Float = 1, into out: inout Matrix) {
        out.resize(rows: z.rows, cols: z.cols)
        let c = z.cols
        let invT = 1 / temperature
        z.storage.withUnsafeBufferPointer { zs in
            out.storage.withUnsafeMutableBufferPointer { ls in
                for r in 0..<z.rows {
                    let o = r * c
                    var m = -Float.infinity
                    for j in 0..<c { m = max(m, zs[o + j]) }
                    var sum: Float = 0
                    for j in 0..<c { sum += expf((zs[o + j] - m) * invT) }
                    let logSum = logf(sum)
                    for j in 0..<c { ls[o + j] = (zs[o + j] - m) * invT - logSum }
                }
            }
        }
    }

    /// softmax(z / T) of a new matrix (convenience for evaluation code).
    public static func probabilities(_ z: Matrix, temperature: Float = 1) -> Matrix {
        var out = Matrix.empty
        probabilities(z, temperature: temperature, into: &out)
        return out
    }
}
