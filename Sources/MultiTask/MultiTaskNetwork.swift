import NN
import Tensor

/// The hidden Linear layers of a trunk or a task column, named "\(prefix).0", "\(prefix).1", …,
/// from `inputs` features through `hidden` widths. The first one reads data: it computes no
/// input gradient and skips the zeros of one-hot inputs.
func hiddenLinears(prefix: String, inputs: Int, hidden: [Int], rng: inout RNG) -> [Linear] {
    var width = inputs
    let linears = hidden.enumerated().map { (l, h) in
        defer { width = h }
        return Linear(name: "\(prefix).\(l)", inFeatures: width, outFeatures: h, rng: &rng)
    }
    linears.first?.computesInputGradient = false
    linears.first?.exploitsInputSparsity = true
    return linears
}

/// Linear–ReLU(–Dropout) blocks over `linears`, in order.
func hiddenBlocks(_ linears: [Linear], dropout: Float, random: RandomSource) -> Sequential {
    Sequential(linears.flatMap { linear -> [Layer] in
        dropout > 0 ? [linear, ReLU(), Dropout(probability: dropout, random: random)] : [linear, ReLU()]
    })
}

/// What a network is, enough to rebuild it: stored with every model file.
///
/// Fields after `tasks` belong to one architecture each and keep their defaults otherwise.
/// JSON holds a field when its architecture uses it or it differs from its default, so a
/// hard-sharing blueprint encodes as it did before these fields existed; JSON without them
/// still decodes (missing fields take the defaults).
public struct NetworkBlueprint: Equatable, Sendable, Codable {
    /// "hard-sharing", "cross-stitch", "soft-sharing"
    public var architecture: String
    public var inputs: Int
    /// Hidden widths (of the shared trunk, or of every column).
    public var hidden: [Int]
    public var dropout: Double
    public var tasks: [TaskHead]
    /// Cross-stitch: initial diagonal of the stitch matrices (rows sum to 1). Default 0.9.
    public var alphaSame: Double
    /// Cross-stitch: one T×T matrix per hidden unit instead of per layer. Default false.
    public var perUnit: Bool
    /// Cross-stitch: learning-rate multiplier of the stitch matrices. Default 10.
    public var stitchLearningRateScale: Double
    /// Soft sharing: λ of `λ·Σ_ℓ Σ_{a<b} ‖W_a − W_b‖²_F`. Default 1e-3.
    public var lambda: Double

    public init(architecture: String, inputs: Int, hidden: [Int], dropout: Double, tasks: [TaskHead],
                alphaSame: Double = Double(CrossStitchNetwork.defaultAlphaSame), perUnit: Bool = false,
                stitchLearningRateScale: Double = Double(CrossStitchNetwork.defaultStitchLearningRateScale),
                lambda: Double = Double(SoftSharingNetwork.defaultLambda)) {
        self.architecture = architecture; self.inputs = inputs; self.hidden = hidden
        self.dropout = dropout; self.tasks = tasks
        self.alphaSame = alphaSame; self.perUnit = perUnit
        self.stitchLearningRateScale = stitchLearningRateScale; self.lambda = lambda
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(architecture: try c.decode(String.self, forKey: .architecture),
                  inputs: try c.decode(Int.self, forKey: .inputs),
                  hidden: try c.decode([Int].self, forKey: .hidden),
                  dropout: try c.decode(Double.self, forKey: .dropout),
                  tasks: try c.decode([TaskHead].self, forKey: .tasks))
        if let v = try c.decodeIfPresent(Double.self, forKey: .alphaSame) { alphaSame = v }
        if let v = try c.decodeIfPresent(Bool.self, forKey: .perUnit) { perUnit = v }
        if let v = try c.decodeIfPresent(Double.self, forKey: .stitchLearningRateScale) { stitchLearningRateScale = v }
        if let v = try c.decodeIfPresent(Double.self, forKey: .lambda) { lambda = v }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(architecture, forKey: .architecture)
        try c.encode(inputs, forKey: .inputs)
        try c.encode(hidden, forKey: .hidden)
        try c.encode(dropout, forKey: .dropout)
        try c.encode(tasks, forKey: .tasks)
        let defaults = NetworkBlueprint(architecture: architecture, inputs: 0, hidden: [], dropout: 0, tasks: [])
        let stitch = architecture == CrossStitchNetwork.architecture
        let soft = architecture == SoftSharingNetwork.architecture
        if stitch || alphaSame != defaults.alphaSame { try c.encode(alphaSame, forKey: .alphaSame) }
        if stitch || perUnit != defaults.perUnit { try c.encode(perUnit, forKey: .perUnit) }
        if stitch || stitchLearningRateScale != defaults.stitchLearningRateScale {
            try c.encode(stitchLearningRateScale, forKey: .stitchLearningRateScale)
        }
        if soft || lambda != defaults.lambda { try c.encode(lambda, forKey: .lambda) }
    }

    private enum CodingKeys: String, CodingKey {
        case architecture, inputs, hidden, dropout, tasks, alphaSame, perUnit, stitchLearningRateScale, lambda
    }
}

/// A network with one output matrix per task. Forward/backward as for `Layer`.
public protocol MultiTaskNetwork: AnyObject {
    var blueprint: NetworkBlueprint { get }
    /// x (B, F) → one (B, outputs_t) matrix per task, in task order.
    func forward(_ x: Matrix, training: Bool) -> [Matrix]
    /// dL/d(outputs) per task; accumulates parameter gradients.
    func backward(_ dOutputs: [Matrix])
    /// Every trainable parameter, in a stable order (names are unique).
    var parameters: [Parameter] { get }
    /// The random source of the network's dropout layers.
    var random: RandomSource { get }
    /// A penalty added to the training loss (e.g. soft sharing); adds its gradient into
    /// the parameters' gradients and returns its value. 0 for most networks.
    func addPenalty() -> Double
}

extension MultiTaskNetwork {
    public func addPenalty() -> Double { 0 }

    /// Outputs for every row of `x`, computed in batches without dropout.
    public func predict(_ x: Matrix, batchSize: Int = 1024) -> [Matrix] {
        let tasks = blueprint.tasks
        var outputs = tasks.map { Matrix(rows: x.rows, cols: $0.outputs) }
        var start = 0
        while start < x.rows {
            let end = min(start + batchSize, x.rows)
            let batch = start == 0 && end == x.rows ? x : x.rows(start..<end)   // one batch: no copy
            let y = forward(batch, training: false)
            for t in tasks.indices {
                let c = tasks[t].outputs
                outputs[t].storage.replaceSubrange((start * c)..<(end * c), with: y[t].storage)
            }
            start = end
        }
        return outputs
    }

    /// Number of trainable scalars.
    public var parameterCount: Int { parameters.scalarCount }

    public var tasks: [TaskHead] { blueprint.tasks }
}

/// Builds a network from its description with the given seed for initialisation and dropout.
public enum NetworkFactory {
    public struct UnknownArchitecture: Error, CustomStringConvertible {
        public var name: String
        public var description: String { "unknown network architecture '\(name)'" }
    }

    public static func make(_ d: NetworkBlueprint, seed: UInt64) throws -> MultiTaskNetwork {
        switch d.architecture {
        case HardSharingNetwork.architecture:
            return HardSharingNetwork(inputs: d.inputs, hidden: d.hidden, dropout: Float(d.dropout), tasks: d.tasks, seed: seed)
        case CrossStitchNetwork.architecture:
            return CrossStitchNetwork(inputs: d.inputs, hidden: d.hidden, dropout: Float(d.dropout), tasks: d.tasks,
                                      alphaSame: Float(d.alphaSame), perUnit: d.perUnit,
                                      stitchLearningRateScale: Float(d.stitchLearningRateScale), seed: seed)
        case SoftSharingNetwork.architecture:
            return SoftSharingNetwork(inputs: d.inputs, hidden: d.hidden, dropout: Float(d.dropout), tasks: d.tasks,
                                      lambda: Float(d.lambda), seed: seed)
        default:
            throw UnknownArchitecture(name: d.architecture)
        }
    }
}
