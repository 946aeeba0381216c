import Tensor

/// A cross-stitch unit (Misra et al. 2016): mixes T same-shaped activations, one per task
/// column, with a learned T×T matrix A.
///
/// Per layer:  `y_i = Σ_j A_ij · x_j`
/// Per unit:   `y_i[:, u] = Σ_j A_ij[u] · x_j[:, u]` (one T×T matrix for every hidden unit u)
///
/// Storage of A (`matrix.value`):
/// - per layer: (T, T), entry [i, j] = A_ij;
/// - per unit:  (T, T·width), entry [i, j·width + u] = A_ij[u]. Row i holds, task after task,
///   how much of every column task i takes; `mixing(unit:)` extracts the T×T matrix of one unit.
///
/// Not a `Layer` (it has T inputs and T outputs) but follows the same contract: `forward`
/// caches its inputs while training, `backward` *adds* dL/dA into `matrix.grad`, releases the
/// cache and returns dL/dx_j. Returned matrices are the unit's own buffers, valid until its next call.
public final class CrossStitchUnit {
    /// T, the number of columns mixed.
    public let tasks: Int
    /// Units per column (cols of every input).
    public let width: Int
    public let perUnit: Bool
    /// A: (T, T) or, per unit, (T, T·width); see the type's documentation.
    public let matrix: Parameter
    private var inputs: [Matrix]   // cached x_j (B, width) while training
    private var outputs: [Matrix]  // y_i (B, width)
    private var dInputs: [Matrix]  // dL/dx_j (B, width)

    /// - Parameters:
    ///   - name: the parameter's name (e.g. "stitch.0")
    ///   - tasks: T ≥ 1
    ///   - width: units per column
    ///   - perUnit: one T×T matrix per unit instead of one for the whole layer
    ///   - alphaSame: initial diagonal; see `initialMatrix(tasks:alphaSame:)`
    public init(name: String, tasks: Int, width: Int, perUnit: Bool = false, alphaSame: Float = 0.9) {
        precondition(tasks >= 1, "a cross-stitch unit needs at least one task")
        precondition(width >= 1, "a cross-stitch unit needs at least one unit per column")
        self.tasks = tasks
        self.width = width
        self.perUnit = perUnit
        let a = Self.initialMatrix(tasks: tasks, alphaSame: alphaSame)
        var value = a
        if perUnit {
            value = Matrix(rows: tasks, cols: tasks * width)
            for i in 0..<tasks {
                for j in 0..<tasks {
                    for u in 0..<width { value[i, j * width + u] = a[i, j] }
                }
            }
        }
        matrix = Parameter(name: name, value: value)
        inputs = Array(repeating: .empty, count: tasks)
        outputs = Array(repeating: .empty, count: tasks)
        dInputs = Array(repeating: .empty, count: tasks)
    }

    /// The T×T initial mixing: `alphaSame` on the diagonal, `(1 − alphaSame)/(T − 1)` elsewhere,
    /// so every row sums to 1. With T = 1 it is [1] whatever `alphaSame` is.
    public static func initialMatrix(tasks: Int, alphaSame: Float) -> Matrix {
        precondition(tasks >= 1)
        if tasks == 1 { return Matrix(rows: 1, cols: 1, repeating: 1) }
        var a = Matrix(rows: tasks, cols: tasks, repeating: (1 - alphaSame) / Float(tasks - 1))
        for i in 0..<tasks { a[i, i] = alphaSame }
        return a
    }

    /// The T×T matrix that mixes unit `unit` (per layer: the one matrix, whatever `unit` is).
    public func mixing(unit: Int = 0) -> Matrix {
        guard perUnit else { return matrix.value }
        precondition(unit >= 0 && unit < width, "unit \(unit) out of 0..<\(width)")
        var a = Matrix(rows: tasks, cols: tasks)
        for i in 0..<tasks {
            for j in 0..<tasks { a[i, j] = matrix.value[i, j * width + unit] }
        }
        return a
    }

    /// x_j (B, width) for j in 0..<T → y_i (B, width) for i in 0..<T.
    public func forward(_ xs: [Matrix], training: Bool) -> [Matrix] {
        precondition(xs.count == tasks, "cross-stitch unit expects \(tasks) inputs, got \(xs.count)")
        let rows = xs[0].rows, w = width, t = tasks
        for x in xs {
            precondition(x.rows == rows && x.cols == w, "cross-stitch inputs must all be \(rows)×\(w), got \(x.rows)×\(x.cols)")
        }
        mix(xs, into: &outputs) { i, j in i * t + j }   // y_i = Σ_j A_ij x_j
        for j in 0..<t { inputs[j] = training ? xs[j] : .empty }
        return outputs
    }

    /// dy_i (B, width) → dx_j = Σ_i A_ij dy_i (per unit: elementwise with A_ij[u]);
    /// dA_ij += Σ_{b,u} dy_i[b,u]·x_j[b,u] (per unit: the sum over b only, for each u).
    public func backward(_ dys: [Matrix]) -> [Matrix] {
        precondition(dys.count == tasks, "cross-stitch unit expects \(tasks) gradients, got \(dys.count)")
        let rows = dys[0].rows, w = width, t = tasks, perUnit = perUnit
        for j in 0..<t {
            precondition(inputs[j].rows == rows && inputs[j].cols == w && dys[j].rows == rows && dys[j].cols == w,
                         "cross-stitch backward without a matching training forward")
        }
        // dA
        matrix.grad.storage.withUnsafeMutableBufferPointer { g in
            for i in 0..<t {
                dys[i].storage.withUnsafeBufferPointer { dy in
                    for j in 0..<t {
                        inputs[j].storage.withUnsafeBufferPointer { x in
                            if perUnit {
                                let gij = g.baseAddress! + i * t * w + j * w
                                var o = 0
                                for _ in 0..<rows {
                                    for u in 0..<w { gij[u] = dy[o + u] * x[o + u] + gij[u] }
                                    o += w
                                }
                            } else {
                                var s: Float = 0
                                for k in dy.indices { s = dy[k] * x[k] + s }
                                g[i * t + j] += s
                            }
                        }
                    }
                }
            }
        }
        mix(dys, into: &dInputs) { j, i in i * t + j }   // dx_j = Σ_i A_ij dy_i
        for j in 0..<t { inputs[j] = .empty }
        return dInputs
    }

    public var parameters: [Parameter] { [matrix] }

    /// targets[o] = Σ_s A[coefficient(o, s)] · sources[s] (per unit: element-wise with that
    /// coefficient's row of `width` values), summed in source order. The forward pass and the
    /// input gradient are this mixing with A and with Aᵀ; `coefficient` gives the flat index of
    /// the (target, source) entry in the T×T matrix.
    private func mix(_ sources: [Matrix], into targets: inout [Matrix], coefficient: (_ target: Int, _ source: Int) -> Int) {
        let rows = sources[0].rows, w = width, t = tasks, perUnit = perUnit
        matrix.value.storage.withUnsafeBufferPointer { a in
            for o in 0..<t {
                targets[o].resize(rows: rows, cols: w)
                targets[o].storage.withUnsafeMutableBufferPointer { y in
                    for s in 0..<t {
                        sources[s].storage.withUnsafeBufferPointer { x in
                            if perUnit {
                                // y[b, u] (+)= A_os[u] · x_s[b, u]
                                let c = a.baseAddress! + coefficient(o, s) * w
                                var r = 0
                                for _ in 0..<rows {
                                    if s == 0 {
                                        for u in 0..<w { y[r + u] = c[u] * x[r + u] }
                                    } else {
                                        for u in 0..<w { y[r + u] = c[u] * x[r + u] + y[r + u] }
                                    }
                                    r += w
                                }
                            } else {
                                let c = a[coefficient(o, s)]
                                if s == 0 {
                                    for k in y.indices { y[k] = c * x[k] }
                                } else {
                                    for k in y.indices { y[k] = c * x[k] + y[k] }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
