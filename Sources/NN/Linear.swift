import Tensor

/// y = x·W + b, with W stored (in, out) so both passes are plain row-major GEMMs.
public final class Linear: Layer {
    /// (in, out)
    public let weight: Parameter
    /// (1, out)
    public let bias: Parameter
    private var input = Matrix.empty   // cached x (B, in) while training
    private var output = Matrix.empty  // (B, out)
    private var dInput = Matrix.empty  // (B, in)

    /// Whether `backward` computes dL/dx. The first layer of a network does not need it
    /// (its input is data), which saves a third of that layer's backward work.
    public var computesInputGradient = true

    public var inFeatures: Int { weight.value.rows }
    public var outFeatures: Int { weight.value.cols }

    /// PyTorch's default initialisation: W and b uniform in ±1/√in.
    public init(name: String, inFeatures: Int, outFeatures: Int, rng: inout RNG) {
        let bound = 1 / Float(inFeatures).squareRoot()
        var w = Matrix(rows: inFeatures, cols: outFeatures)
        for i in 0..<w.count { w.storage[i] = rng.uniform(-bound, bound) }
        var b = Matrix(rows: 1, cols: outFeatures)
        for i in 0..<b.count { b.storage[i] = rng.uniform(-bound, bound) }
        weight = Parameter(name: "\(name).weight", value: w)
        bias = Parameter(name: "\(name).bias", value: b)
    }

    /// x (B, in) → y (B, out)
    public func forward(_ x: Matrix, training: Bool) -> Matrix {
        precondition(x.cols == inFeatures, "linear expects \(inFeatures) features, got \(x.cols)")
        output.resize(rows: x.rows, cols: outFeatures)
        BLAS.gemm(x, weight.value, into: &output)
        let n = outFeatures
        bias.value.storage.withUnsafeBufferPointer { b in
            output.storage.withUnsafeMutableBufferPointer { y in
                var o = 0
                for _ in 0..<x.rows {
                    for j in 0..<n { y[o + j] += b[j] }
                    o += n
                }
            }
        }
        input = training ? x : .empty
        return output
    }

    /// dy (B, out) → dx (B, in); dW += xᵀ·dy, db += Σ_rows dy. Returns `.empty` when
    /// `computesInputGradient` is false.
    public func backward(_ dy: Matrix) -> Matrix {
        precondition(input.rows == dy.rows, "linear backward without a training forward")
        BLAS.gemm(input, transposeA: true, dy, into: &weight.grad, beta: 1)
        let n = outFeatures
        dy.storage.withUnsafeBufferPointer { d in
            bias.grad.storage.withUnsafeMutableBufferPointer { g in
                var o = 0
                for _ in 0..<dy.rows {
                    for j in 0..<n { g[j] += d[o + j] }
                    o += n
                }
            }
        }
        input = .empty
        guard computesInputGradient else { return .empty }
        dInput.resize(rows: dy.rows, cols: inFeatures)
        BLAS.gemm(dy, weight.value, transposeB: true, into: &dInput)
        return dInput
    }

    public var parameters: [Parameter] { [weight, bias] }
}
