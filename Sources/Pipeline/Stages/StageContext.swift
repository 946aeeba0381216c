import Artifacts
import Foundation
import MultiTask
import Tensor

/// What every stage gets: the validated spec, where artifacts go, where to report progress,
/// and where to note its networks' speed (for timings.json).
public struct StageContext {
    public let spec: PipelineSpec
    public let layout: ArtifactLayout
    public let console: Console
    public let timings: NetworkTimings

    public init(spec: PipelineSpec, layout: ArtifactLayout, console: Console, timings: NetworkTimings = NetworkTimings()) {
        self.spec = spec; self.layout = layout; self.console = console; self.timings = timings
    }
}

/// The speed of the networks one stage trained or evaluated.
public final class NetworkTimings: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [String: Timings.NetworkTiming] = [:]

    public init() {}

    public func record(network: String, seconds: Double, examplesPerSecond: Double) {
        lock.withLock { values[network] = .init(trainingSeconds: seconds, examplesPerSecond: examplesPerSecond) }
    }

    public func record(network: String, inferenceExamplesPerSecond: Double) {
        lock.withLock { values[network] = .init(inferenceExamplesPerSecond: inferenceExamplesPerSecond) }
    }

    public var all: [String: Timings.NetworkTiming] { lock.withLock { values } }
}

/// Stable seeds for every network of a pipeline, derived from the pipeline seed and a name.
enum Seeds {
    /// FNV-1a of the UTF-8 bytes: stable across runs and platforms (unlike `Hasher`).
    static func fnv(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }

    static func teacher(_ spec: PipelineSpec, task: String, member: Int) -> UInt64 {
        RNG.derive(seed: spec.seed, stream: fnv("teacher/\(task)/\(member)"))
    }

    static func student(_ spec: PipelineSpec, variant: String) -> UInt64 {
        RNG.derive(seed: spec.seed, stream: fnv("student/\(variant)"))
    }
}

extension TrainingSpec {
    func trainerSettings(alpha: Double = 0, temperature: Double = 1, taskWeights: [Float], seed: UInt64) -> TrainerSettings {
        TrainerSettings(epochs: epochs, batchSize: batchSize, learningRate: Float(learningRate),
                        optimizer: optimizer == .adam ? .adam : .sgd, momentum: Float(momentum),
                        weightDecay: Float(weightDecay), alpha: Float(alpha), temperature: Float(temperature),
                        taskWeights: taskWeights, seed: seed)
    }
}

extension PreparedDataset {
    /// The split's features and targets for the given tasks, regression labels standardised.
    /// With `labelledOnly`, keeps just the rows where the (single) task has a label.
    func labelledSet(_ splitName: String, tasks taskIndices: [Int], labelledOnly: Bool = false) throws -> LabelledSet {
        guard let split = split(splitName) else { throw ArtifactError(path: "data/dataset.h5", "has no '\(splitName)' split") }
        var rows = Array(0..<split.x.rows)
        if labelledOnly {
            precondition(taskIndices.count == 1)
            switch split.labels[taskIndices[0]] {
            case .classes(let c): rows = rows.filter { c[$0] >= 0 }
            case .values(let v): rows = rows.filter { !v[$0].isNaN }
            }
        }
        var x = Matrix.empty
        if rows.count == split.x.rows { x = split.x } else { split.x.gatherRows(rows[...], into: &x) }
        let targets = taskIndices.map { t -> TaskTargets in
            switch split.labels[t] {
            case .classes(let c): return TaskTargets(labels: .classes(rows.map { c[$0] }))
            case .values(let v):
                let m = Float(tasks[t].labelMean), s = Float(tasks[t].labelStd)
                return TaskTargets(labels: .values(rows.map { (v[$0] - m) / s }))
            }
        }
        return LabelledSet(x: x, targets: targets)
    }
}
