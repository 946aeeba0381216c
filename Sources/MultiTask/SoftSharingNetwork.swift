import NN
import Tensor

/// Soft parameter sharing (Duong et al. 2015): one column of Linear–ReLU–Dropout blocks per
/// task, all with the same shapes and independently initialised, one linear head per task on
/// its own column, and no mixing. The columns are tied only by the penalty
///
///     λ · Σ_ℓ Σ_{a<b} ‖W_a^ℓ − W_b^ℓ‖²_F
///
/// over the hidden layers' weight matrices (weights only: biases and heads, whose shapes
/// differ per task, are not coupled). It is computed through the identity
/// `Σ_{a<b} ‖W_a − W_b‖² = T · Σ_a ‖W_a − W̄‖²` (W̄ the mean over columns), whose gradient
/// is `∂/∂W_a = 2λ·T·(W_a − W̄)`: O(T) per weight instead of O(T²).
///
/// Parameters: `column.<task>.<ℓ>.weight|bias` (task after task), then `head.<task>.weight|bias`.
/// With T = 1 the penalty is 0 and the network is a plain MLP.
public final class SoftSharingNetwork: MultiTaskNetwork {
    public static let architecture = "soft-sharing"
    /// λ of the penalty. The losses are batch means (order 1) while ‖W_a − W_b‖² grows with
    /// the layer sizes (order 10–100 for 32 units), so λ is small: on the test fixture
    /// (two tasks, one 32-unit layer, 25 epochs) the columns' distance goes from 20 to 80 with
    /// λ = 0, to 33 with λ = 10⁻³ and to 0.4 (nearly hard sharing) with λ = 10⁻²; 10⁻³ couples
    /// the columns while leaving them room to differ.
    public static let defaultLambda: Float = 1e-3

    public let blueprint: NetworkBlueprint
    public let random: RandomSource
    /// λ ≥ 0.
    public let lambda: Float
    /// columns[t]: task t's Linear–ReLU(–Dropout) blocks.
    public let columns: [Sequential]
    /// hiddenLayers[t][ℓ]: the Linear layer ℓ of column t (the weights the penalty ties).
    public let hiddenLayers: [[Linear]]
    public let heads: [Linear]
    private var mean: [Double]  // W̄ of one layer, sized for the largest

    /// - Parameters:
    ///   - inputs: F, features per row
    ///   - hidden: widths of every column's hidden layers (may be empty: heads only, no penalty)
    ///   - tasks: T ≥ 1 tasks, one column and head each (names must be distinct)
    ///   - lambda: λ ≥ 0 of the penalty
    ///   - seed: fixes the initial weights and the dropout masks
    public init(inputs: Int, hidden: [Int], dropout: Float, tasks: [TaskHead],
                lambda: Float = SoftSharingNetwork.defaultLambda, seed: UInt64) {
        precondition(!tasks.isEmpty, "a network needs at least one task")
        precondition(Set(tasks.map(\.name)).count == tasks.count, "task names must be distinct")
        precondition(lambda >= 0, "the soft-sharing λ must be ≥ 0")
        blueprint = NetworkBlueprint(architecture: Self.architecture, inputs: inputs, hidden: hidden,
                                     dropout: Double(dropout), tasks: tasks, lambda: Double(lambda))
        self.lambda = lambda
        var rng = RNG(seed: seed)
        let random = RandomSource(RNG(seed: RNG.derive(seed: seed, stream: 1)))
        self.random = random
        hiddenLayers = tasks.map { hiddenLinears(prefix: "column.\($0.name)", inputs: inputs, hidden: hidden, rng: &rng) }
        columns = hiddenLayers.map { hiddenBlocks($0, dropout: dropout, random: random) }
        let width = hidden.last ?? inputs
        heads = tasks.map { Linear(name: "head.\($0.name)", inFeatures: width, outFeatures: $0.outputs, rng: &rng) }
        var largest = 0
        for (l, h) in hidden.enumerated() { largest = max(largest, (l == 0 ? inputs : hidden[l - 1]) * h) }
        mean = [Double](repeating: 0, count: largest)
    }

    public func forward(_ x: Matrix, training: Bool) -> [Matrix] {
        var outputs: [Matrix] = []
        outputs.reserveCapacity(heads.count)
        for t in heads.indices {
            outputs.append(heads[t].forward(columns[t].forward(x, training: training), training: training))
        }
        return outputs
    }

    public func backward(_ dOutputs: [Matrix]) {
        precondition(dOutputs.count == heads.count, "one gradient per task")
        for t in heads.indices { _ = columns[t].backward(heads[t].backward(dOutputs[t])) }
    }

    public var parameters: [Parameter] { columns.flatMap(\.parameters) + heads.flatMap(\.parameters) }

    /// Σ_ℓ Σ_{a<b} ‖W_a^ℓ − W_b^ℓ‖²_F, the distance between the columns (without λ).
    public func columnDistance() -> Double { penalty(gradientScale: nil) }

    /// λ · `columnDistance()`, without touching any gradient.
    public func penaltyValue() -> Double { lambda == 0 ? 0 : Double(lambda) * columnDistance() }

    /// Adds ∂penalty/∂W_a = 2λ·T·(W_a − W̄) into every hidden weight's gradient and returns the penalty.
    public func addPenalty() -> Double {
        guard lambda > 0, heads.count > 1 else { return 0 }
        return Double(lambda) * penalty(gradientScale: 2 * Double(lambda) * Double(heads.count))
    }

    /// Σ_ℓ T·Σ_a ‖W_a^ℓ − W̄^ℓ‖²; when `gradientScale` is given, adds scale·(W_a − W̄) into W_a's gradient.
    private func penalty(gradientScale: Double?) -> Double {
        let T = heads.count
        guard T > 1 else { return 0 }
        var total = 0.0
        for l in hiddenLayers[0].indices {
            let n = hiddenLayers[0][l].weight.count
            mean.withUnsafeMutableBufferPointer { m in
                for k in 0..<n { m[k] = 0 }
                for t in 0..<T {
                    hiddenLayers[t][l].weight.value.storage.withUnsafeBufferPointer { w in
                        for k in 0..<n { m[k] += Double(w[k]) }
                    }
                }
                let inv = 1 / Double(T)
                for k in 0..<n { m[k] *= inv }
                var sum = 0.0
                for t in 0..<T {
                    let weight = hiddenLayers[t][l].weight
                    weight.value.storage.withUnsafeBufferPointer { w in
                        if let scale = gradientScale {
                            weight.grad.storage.withUnsafeMutableBufferPointer { g in
                                for k in 0..<n {
                                    let d = Double(w[k]) - m[k]
                                    sum += d * d
                                    g[k] += Float(scale * d)
                                }
                            }
                        } else {
                            for k in 0..<n {
                                let d = Double(w[k]) - m[k]
                                sum += d * d
                            }
                        }
                    }
                }
                total += Double(T) * sum
            }
        }
        return total
    }
}
