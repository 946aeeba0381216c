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

    /// The non-zeros of the cached input, row by row (CSR), when the sparse path was taken.
    private var sparseRows: [Int32] = []     // row r's entries are sparseRows[r]..<sparseRows[r+1]
    private var sparseColumns: [Int32] = []
    private var sparseValues: [Float] = []
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
        output.resize(rows: x.rows, cols: outFeatures)
        usedSparse = exploitsInputSparsity && collectNonZeros(x)
        if usedSparse { sparseProduct(rows: x.rows) } else { BLAS.gemm(x, weight.value, into: &output) }
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
        if usedSparse { sparseWeightGradient(dy) } else { BLAS.gemm(input, transposeA: true, dy, into: &weight.grad, beta: 1) }
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

    /// Collects x's non-zeros as CSR; false (dense path) when they are too many.
    private func collectNonZeros(_ x: Matrix) -> Bool {
        let limit = Int(Double(x.count) * Self.sparseDensityThreshold)
        guard limit > 0 else { return false }
        sparseRows.removeAll(keepingCapacity: true)
        sparseColumns.removeAll(keepingCapacity: true)
        sparseValues.removeAll(keepingCapacity: true)
        let f = x.cols
        var dense = false
        x.storage.withUnsafeBufferPointer { p in
            sparseRows.append(0)
            for r in 0..<x.rows {
                let row = p.baseAddress! + r * f
                for j in 0..<f where row[j] != 0 {
                    sparseColumns.append(Int32(j))
                    sparseValues.append(row[j])
                }
                sparseRows.append(Int32(sparseValues.count))
                if sparseValues.count > limit { dense = true; return }
            }
        }
        return !dense
    }

    /// output = x·W over x's non-zeros: row r is Σ_j x[r,j]·W[j,:].
    private func sparseProduct(rows: Int) {
        let n = outFeatures
        weight.value.storage.withUnsafeBufferPointer { w in
            output.storage.withUnsafeMutableBufferPointer { y in
                let wp = w.baseAddress!, yp = y.baseAddress!
                for r in 0..<rows {
                    let out = yp + r * n
                    for j in 0..<n { out[j] = 0 }
                    for k in Int(sparseRows[r])..<Int(sparseRows[r + 1]) {
                        Kernels.axpy(count: n, alpha: sparseValues[k], x: wp + Int(sparseColumns[k]) * n, y: out)
                    }
                }
            }
        }
    }

    /// dW += xᵀ·dy over x's non-zeros: W[j,:] += Σ_r x[r,j]·dy[r,:].
    private func sparseWeightGradient(_ dy: Matrix) {
        let n = outFeatures
        dy.storage.withUnsafeBufferPointer { d in
            weight.grad.storage.withUnsafeMutableBufferPointer { g in
                let dp = d.baseAddress!, gp = g.baseAddress!
                for r in 0..<dy.rows {
                    let dr = dp + r * n
                    for k in Int(sparseRows[r])..<Int(sparseRows[r + 1]) {
                        Kernels.axpy(count: n, alpha: sparseValues[k], x: dr, y: gp + Int(sparseColumns[k]) * n)
                    }
                }
            }
        }
    }
}
