import NN
import Tensor

/// Cross-stitch networks (Misra et al. 2016): one column per task, all with the same hidden
/// widths, whose activations are mixed across tasks after every hidden block by a learned
/// T×T matrix, and one linear head per task on its own column.
///
/// Hidden block ℓ of every column t, then the mixing:
/// ```
/// a_t = ReLU(h_t · W_tℓ + b_tℓ)          (B, hidden[ℓ])   per column
/// ã_i = Σ_j A^ℓ_ij · a_j                  cross-stitch ℓ, after the ReLU
/// h_i = Dropout(ã_i)                      dropout after the mixing (when dropout > 0)
/// ```
/// and `output_t = h_t · V_t + c_t`. Mixing after the ReLU and before dropout follows the
/// paper (units sit between the pooled/activated outputs of two layers) and keeps the masks
/// independent per column. With A = I the columns are T independent MLPs.
///
/// Parameters (names are keys in model files):
/// `column.<task>.<ℓ>.weight|bias` (task after task), then `stitch.<ℓ>` (see `CrossStitchUnit`
/// for its shape: (T, T), or (T, T·hidden[ℓ]) per unit), then `head.<task>.weight|bias`.
/// With T = 1 the stitch is a learned scalar starting at 1.
public final class CrossStitchNetwork: MultiTaskNetwork {
    public static let architecture = "cross-stitch"
    /// Initial diagonal of every stitch matrix (the common 0.9 / 0.1 split for two tasks).
    public static let defaultAlphaSame: Float = 0.9
    /// Learning-rate multiplier of the stitch matrices. The paper scales them by 10²–10³ under
    /// SGD, where their gradients are tiny; mtkd's default optimizer, Adam, normalises step
    /// sizes, so a stitch entry moves up to ~lr·scale per step (10⁻² at the pipeline's default
    /// lr 10⁻³). On the test fixture (Adam, lr 10⁻²) scales 1–10 train equally well while
    /// 30–100 make the validation score swing from epoch to epoch.
    public static let defaultStitchLearningRateScale: Float = 10

    public let blueprint: NetworkBlueprint
    public let random: RandomSource
    /// columns[t][ℓ]: the hidden Linear layer ℓ of task t's column.
    public let columns: [[Linear]]
    /// One unit per hidden layer.
    public let stitches: [CrossStitchUnit]
    public let heads: [Linear]
    private let relus: [[ReLU]]
    private let dropouts: [[Dropout]]  // [t][ℓ], empty rows when dropout == 0
    private var h: [Matrix]            // per column activations during forward/backward

    /// - Parameters:
    ///   - inputs: F, features per row
    ///   - hidden: widths of every column's hidden layers (may be empty: no stitches)
    ///   - tasks: T ≥ 1 tasks, one column and head each (names must be distinct)
    ///   - alphaSame: initial diagonal of each stitch matrix; off-diagonal (1 − alphaSame)/(T − 1)
    ///   - perUnit: one T×T matrix per hidden unit instead of one per layer
    ///   - stitchLearningRateScale: `learningRateScale` of the stitch parameters
    ///   - seed: fixes the initial weights and the dropout masks
    public init(inputs: Int, hidden: [Int], dropout: Float, tasks: [TaskHead],
                alphaSame: Float = CrossStitchNetwork.defaultAlphaSame, perUnit: Bool = false,
                stitchLearningRateScale: Float = CrossStitchNetwork.defaultStitchLearningRateScale,
                seed: UInt64) {
        precondition(!tasks.isEmpty, "a network needs at least one task")
        precondition(Set(tasks.map(\.name)).count == tasks.count, "task names must be distinct")
        blueprint = NetworkBlueprint(architecture: Self.architecture, inputs: inputs, hidden: hidden,
                                     dropout: Double(dropout), tasks: tasks, alphaSame: Double(alphaSame),
                                     perUnit: perUnit, stitchLearningRateScale: Double(stitchLearningRateScale))
        var rng = RNG(seed: seed)
        random = RandomSource(RNG(seed: RNG.derive(seed: seed, stream: 1)))
        columns = tasks.map { hiddenLinears(prefix: "column.\($0.name)", inputs: inputs, hidden: hidden, rng: &rng) }
        relus = tasks.map { _ in hidden.map { _ in ReLU() } }
        let random = random
        dropouts = tasks.map { _ in dropout > 0 ? hidden.map { _ in Dropout(probability: dropout, random: random) } : [] }
        stitches = hidden.enumerated().map { (l, h) in
            let unit = CrossStitchUnit(name: "stitch.\(l)", tasks: tasks.count, width: h, perUnit: perUnit, alphaSame: alphaSame)
            unit.matrix.learningRateScale = stitchLearningRateScale
            unit.matrix.decays = false  // weight decay would pull the mixing towards 0
            return unit
        }
        let width = hidden.last ?? inputs
        heads = tasks.map { Linear(name: "head.\($0.name)", inFeatures: width, outFeatures: $0.outputs, rng: &rng) }
        h = Array(repeating: .empty, count: tasks.count)
    }

    /// The current stitch matrices, one per hidden layer, as stored: (T, T), or per unit
    /// (T, T·width) with entry [i, j·width + u] = A_ij[u].
    public var stitchMatrices: [Matrix] { stitches.map { $0.matrix.value } }

    /// The T×T matrix mixing hidden layer `layer` (per unit: that of unit `unit`).
    public func stitchMatrix(layer: Int, unit: Int = 0) -> Matrix { stitches[layer].mixing(unit: unit) }

    public func forward(_ x: Matrix, training: Bool) -> [Matrix] {
        let T = heads.count
        for t in 0..<T { h[t] = x }
        for l in stitches.indices {
            for t in 0..<T {
                h[t] = relus[t][l].forward(columns[t][l].forward(h[t], training: training), training: training)
            }
            let mixed = stitches[l].forward(h, training: training)
            for t in 0..<T {
                h[t] = dropouts[t].isEmpty ? mixed[t] : dropouts[t][l].forward(mixed[t], training: training)
            }
        }
        var outputs: [Matrix] = []
        outputs.reserveCapacity(T)
        for t in 0..<T { outputs.append(heads[t].forward(h[t], training: training)) }
        for t in 0..<T { h[t] = .empty }  // keep no reference to the layers' buffers
        return outputs
    }

    public func backward(_ dOutputs: [Matrix]) {
        let T = heads.count
        precondition(dOutputs.count == T, "one gradient per task")
        for t in 0..<T { h[t] = heads[t].backward(dOutputs[t]) }
        for l in stitches.indices.reversed() {
            if !dropouts[0].isEmpty {
                for t in 0..<T { h[t] = dropouts[t][l].backward(h[t]) }
            }
            let dMixed = stitches[l].backward(h)
            for t in 0..<T {
                h[t] = columns[t][l].backward(relus[t][l].backward(dMixed[t]))
            }
        }
        for t in 0..<T { h[t] = .empty }
    }

    public var parameters: [Parameter] {
        columns.flatMap { $0.flatMap(\.parameters) } + stitches.flatMap(\.parameters) + heads.flatMap(\.parameters)
    }
}
