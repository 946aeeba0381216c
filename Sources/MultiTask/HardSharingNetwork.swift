import NN
import Tensor

/// Hard parameter sharing: one trunk of Linear–ReLU–Dropout blocks shared by every task,
/// and one linear head per task on top of it. With one task it is a plain MLP (a teacher).
public final class HardSharingNetwork: MultiTaskNetwork {
    public static let architecture = "hard-sharing"

    public let blueprint: NetworkBlueprint
    public let random: RandomSource
    public let trunk: Sequential
    public let heads: [Linear]
    private var dTrunk = Matrix.empty

    /// - Parameters:
    ///   - inputs: F, features per row
    ///   - hidden: trunk widths (may be empty: heads straight on the inputs)
    ///   - seed: fixes the initial weights and the dropout masks
    public init(inputs: Int, hidden: [Int], dropout: Float, tasks: [TaskHead], seed: UInt64) {
        precondition(!tasks.isEmpty, "a network needs at least one task")
        blueprint = NetworkBlueprint(architecture: Self.architecture, inputs: inputs, hidden: hidden,
                                         dropout: Double(dropout), tasks: tasks)
        var rng = RNG(seed: seed)
        random = RandomSource(RNG(seed: RNG.derive(seed: seed, stream: 1)))
        trunk = hiddenBlocks(hiddenLinears(prefix: "trunk", inputs: inputs, hidden: hidden, rng: &rng),
                             dropout: dropout, random: random)
        let width = hidden.last ?? inputs
        heads = tasks.map { Linear(name: "head.\($0.name)", inFeatures: width, outFeatures: $0.outputs, rng: &rng) }
    }

    public func forward(_ x: Matrix, training: Bool) -> [Matrix] {
        let h = trunk.forward(x, training: training)
        return heads.map { $0.forward(h, training: training) }
    }

    public func backward(_ dOutputs: [Matrix]) {
        precondition(dOutputs.count == heads.count)
        guard !trunk.layers.isEmpty else {   // heads straight on the data: nothing below them
            for (t, head) in heads.enumerated() { _ = head.backward(dOutputs[t]) }
            return
        }
        for (t, head) in heads.enumerated() {
            let d = head.backward(dOutputs[t])
            if t == 0 {
                dTrunk.resize(rows: d.rows, cols: d.cols)
                dTrunk.storage.withUnsafeMutableBufferPointer { dst in
                    d.storage.withUnsafeBufferPointer { src in _ = dst.update(fromContentsOf: src) }
                }
            } else {
                dTrunk.add(d)
            }
        }
        _ = trunk.backward(dTrunk)
    }

    public var parameters: [Parameter] { trunk.parameters + heads.flatMap { $0.parameters } }
}
