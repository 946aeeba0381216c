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

    /// Whether to skip the zeros of a mostly-zero input (one-hot features): the same sums,
    /// over the non-zeros only, for y = x·W and dW += xᵀ·dy. Set on a network's input layer.
    public var exploitsInputSparsity = false

    /// Inputs with at most this fraction of non-zeros take the sparse path (0 disables it
    /// everywhere, e.g. to benchmark the dense path).
    nonisolated(unsafe) public static var sparseDensityThreshold: Double = 0.25

    /// The non-zeros of the cached input when the sparse path was taken.
    private var sparseInput = SparseRows()
    private var usedSparse = false

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
        usedSparse = exploitsInputSparsity && sparseInput.collect(from: x, maxDensity: Self.sparseDensityThreshold)
        if usedSparse {
            sparseInput.multiply(weight.value, bias: bias.value, into: &output)
        } else {
            // The bias first, then x·W added to it (β = 1): one pass over the output.
            Kernels.fillRows(&output, rows: x.rows, with: bias.value)
            BLAS.gemm(x, weight.value, into: &output, beta: 1)
        }
        input = training ? x : .empty
        return output
    }

    /// dy (B, out) → dx (B, in); dW += xᵀ·dy, db += Σ_rows dy. Returns `.empty` when
    /// `computesInputGradient` is false.
    public func backward(_ dy: Matrix) -> Matrix {
        precondition(input.rows == dy.rows, "linear backward without a training forward")
        if usedSparse { sparseInput.addTransposedProduct(dy, into: &weight.grad) } else { BLAS.gemm(input, transposeA: true, dy, into: &weight.grad, beta: 1) }
        Kernels.addColumnSums(of: dy, into: &bias.grad)
        input = .empty
        guard computesInputGradient else { return .empty }
        dInput.resize(rows: dy.rows, cols: inFeatures)
        BLAS.gemm(dy, weight.value, transposeB: true, into: &dInput)
        return dInput
    }

    public var parameters: [Parameter] { [weight, bias] }
}
