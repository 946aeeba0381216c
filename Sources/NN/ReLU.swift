import Tensor

/// y = max(x, 0).
public final class ReLU: Layer {
    private var output = Matrix.empty
    private var dInput = Matrix.empty

    public init() {}

    public func forward(_ x: Matrix, training: Bool) -> Matrix {
        output.resize(rows: x.rows, cols: x.cols)
        x.storage.withUnsafeBufferPointer { s in
            output.storage.withUnsafeMutableBufferPointer { y in
                for i in s.indices { y[i] = s[i] > 0 ? s[i] : 0 }
            }
        }
        return output
    }

    /// dx = dy where y > 0, else 0 (uses the cached output as the mask).
    public func backward(_ dy: Matrix) -> Matrix {
        precondition(dy.count == output.count, "relu backward shape mismatch")
        dInput.resize(rows: dy.rows, cols: dy.cols)
        let n = dy.count
        dy.storage.withUnsafeBufferPointer { d in
            output.storage.withUnsafeBufferPointer { y in
                dInput.storage.withUnsafeMutableBufferPointer { dx in
                    let dp = d.baseAddress!, yp = y.baseAddress!, out = dx.baseAddress!
                    // Multiply by the 0/1 mask: branch-free, so the loop vectorises.
                    for i in 0..<n { out[i] = dp[i] * (yp[i] > 0 ? 1 : 0) }
                }
            }
        }
        return dInput
    }

    public var parameters: [Parameter] { [] }
}
