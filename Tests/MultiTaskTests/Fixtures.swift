import Tensor
@testable import MultiTask

/// A small synthetic two-task problem: task "a" is the sign of x0 + x1 (2 classes),
/// task "b" is which of x2, x3, x4 is largest (3 classes). Labels of b are missing on every 4th row.
enum Fixtures {
    static func problem(rows: Int, seed: UInt64) -> LabelledSet {
        var rng = RNG(seed: seed)
        var x = Matrix(rows: rows, cols: 5)
        var a = [Int32](), b = [Int32]()
        for r in 0..<rows {
            for c in 0..<5 { x[r, c] = rng.uniform(-1, 1) }
            a.append(x[r, 0] + x[r, 1] > 0 ? 1 : 0)
            let m = [x[r, 2], x[r, 3], x[r, 4]]
            b.append(r % 4 == 3 ? -1 : Int32(m.firstIndex(of: m.max()!)!))
        }
        return LabelledSet(x: x, targets: [TaskTargets(labels: .classes(a)), TaskTargets(labels: .classes(b))])
    }

    static let tasks = [TaskHead(name: "a", kind: .classification, outputs: 2),
                        TaskHead(name: "b", kind: .classification, outputs: 3)]

    static func settings(epochs: Int, seed: UInt64 = 1) -> TrainerSettings {
        TrainerSettings(epochs: epochs, batchSize: 16, learningRate: 0.01, taskWeights: [1, 1], seed: seed)
    }
}
