import NN
import Tensor

/// What a network is, enough to rebuild it: stored with every model file.
public struct NetworkBlueprint: Equatable, Sendable, Codable {
    /// "hard-sharing", …
    public var architecture: String
    public var inputs: Int
    /// Hidden widths (of the shared trunk, or of every column).
    public var hidden: [Int]
    public var dropout: Double
    public var tasks: [TaskHead]

    public init(architecture: String, inputs: Int, hidden: [Int], dropout: Double, tasks: [TaskHead]) {
        self.architecture = architecture; self.inputs = inputs; self.hidden = hidden
        self.dropout = dropout; self.tasks = tasks
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
            let batch = x.rows(start..<end)
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
        default:
            throw UnknownArchitecture(name: d.architecture)
        }
    }
}
