import Tensor
@testable import NN

/// Central finite differences in float32, compared with analytic gradients.
///
/// The scalar checked is L = Σ_ij R_ij · y_ij for a fixed random R, so dL/dy = R.
/// Reports the largest relative error max|a − n| / max(|a|, |n|, 1e-2).
enum GradientCheck {
    static let epsilon: Float = 1e-2

    static func relativeError(_ analytic: Float, _ numeric: Float) -> Float {
        abs(analytic - numeric) / max(abs(analytic), abs(numeric), 1e-2)
    }

    static func randomMatrix(_ rows: Int, _ cols: Int, _ rng: inout RNG, scale: Float = 1) -> Matrix {
        var m = Matrix(rows: rows, cols: cols)
        for i in 0..<m.count { m.storage[i] = rng.uniform(-scale, scale) }
        return m
    }

    static func dot(_ a: Matrix, _ b: Matrix) -> Double {
        var s = 0.0
        for i in 0..<a.count { s += Double(a.storage[i]) * Double(b.storage[i]) }
        return s
    }

    /// Max relative error of dL/dx and of every parameter gradient of `layer` at `x`.
    /// `reset` runs before every forward (e.g. to replay the same dropout mask).
    static func maxError(layer: Layer, x: Matrix, rng: inout RNG, reset: @escaping () -> Void = {}) -> Float {
        reset()
        let y = layer.forward(x, training: true)
        let r = randomMatrix(y.rows, y.cols, &rng)
        layer.parameters.zeroGrads()
        let dx = layer.backward(r)
        let loss: (Matrix) -> Double = { input in
            reset()
            return dot(layer.forward(input, training: true), r)
        }
        var worst: Float = 0
        var xp = x
        for i in 0..<x.count {
            let v = xp.storage[i]
            xp.storage[i] = v + epsilon; let lp = loss(xp)
            xp.storage[i] = v - epsilon; let lm = loss(xp)
            xp.storage[i] = v
            worst = max(worst, relativeError(dx.storage[i], Float((lp - lm) / Double(2 * epsilon))))
        }
        for p in layer.parameters {
            let analytic = p.grad
            for i in 0..<p.count {
                let v = p.value.storage[i]
                p.value.storage[i] = v + epsilon; let lp = loss(x)
                p.value.storage[i] = v - epsilon; let lm = loss(x)
                p.value.storage[i] = v
                worst = max(worst, relativeError(analytic.storage[i], Float((lp - lm) / Double(2 * epsilon))))
            }
        }
        return worst
    }

    /// Max relative error of a loss's gradient w.r.t. its input matrix.
    /// `f` returns the loss and adds its gradient into the given matrix.
    static func maxLossError(_ z: Matrix, _ f: (Matrix, inout Matrix) -> Double) -> Float {
        var grad = Matrix(rows: z.rows, cols: z.cols)
        _ = f(z, &grad)
        var sink = Matrix(rows: z.rows, cols: z.cols)
        var worst: Float = 0
        var zp = z
        for i in 0..<z.count {
            let v = zp.storage[i]
            zp.storage[i] = v + epsilon; let lp = f(zp, &sink)
            zp.storage[i] = v - epsilon; let lm = f(zp, &sink)
            zp.storage[i] = v
            worst = max(worst, relativeError(grad.storage[i], Float((lp - lm) / Double(2 * epsilon))))
        }
        return worst
    }
}
