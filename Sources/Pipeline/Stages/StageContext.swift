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
    /// Under `mpirun -np N` (N > 1): the ranks that train each student together (nil: this process alone).
    public var ranks: RankGroup?

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

    /// Derived seeds keep 63 bits: files store them as signed 64-bit integers, so h5py, h5dump
    /// and mtkd all show the same number.
    static func teacher(_ spec: PipelineSpec, task: String, member: Int) -> UInt64 {
        RNG.derive(seed: spec.seed, stream: fnv("teacher/\(task)/\(member)")) & UInt64(Int64.max)
    }

    /// Replicate k of every student gets the same seed, so students compare in pairs.
    static func student(_ spec: PipelineSpec, replicate: Int) -> UInt64 {
        RNG.derive(seed: spec.seed, stream: fnv("student/replicate-\(replicate)")) & UInt64(Int64.max)
    }
}

extension TrainingSpec {
    /// The epochs a network learning from `rows` rows a epoch trains: `epochs`, or `steps` turned into epochs.
    func epochs(rows: Int) -> Int {
        guard let steps else { return epochs }
        let perEpoch = batchesPerEpoch(rows: rows)
        return min(SpecLimits.epochs.upperBound, max(1, (steps + perEpoch - 1) / perEpoch))
    }

    /// Batches of `batchSize` that hold `rows` rows (at least 1).
    func batchesPerEpoch(rows: Int) -> Int { max(1, (rows + batchSize - 1) / batchSize) }

    /// - Parameter rows: the rows learnt from each epoch (turns a `steps` budget into epochs).
    func trainerSettings(alpha: Double = 0, temperature: Double = 1, taskWeights: [Float], seed: UInt64, rows: Int) -> TrainerSettings {
        var settings = TrainerSettings(epochs: epochs(rows: rows), batchSize: batchSize, learningRate: Float(learningRate),
                                       optimizer: optimizer == .adam ? .adam : .sgd, momentum: Float(momentum),
                                       weightDecay: Float(weightDecay), alpha: Float(alpha), temperature: Float(temperature),
                                       taskWeights: taskWeights, seed: seed,
                                       selectBy: TrainerSettings.Selection(rawValue: selectBy.rawValue)!, patience: patience)
        switch lrSchedule {
        case .constant: settings.learningRateSchedule = .constant
        case .cosine: settings.learningRateSchedule = .cosine(warmupEpochs: warmupEpochs)
        case .step: settings.learningRateSchedule = .step(every: stepEpochs, gamma: stepGamma)
        }
        return settings
    }
}

/// One split's rows for training or evaluation, streamed from `data/dataset.h5` in blocks:
/// labels and soft targets (small) are held in memory, features are read block by block.
final class SplitBlocks: RowBlocks {
    /// Rows per block: 32,768 rows of 500 features are 64 MiB.
    static let defaultBlockRows = 32_768

    let source: SplitRows
    /// The split rows used, in order (nil: all rows).
    let selection: [Int]?
    /// Targets of the selected rows, in the network's task order.
    var targets: [TaskTargets]
    let blockRows: Int
    /// Whether blocks go through the block cache (false for a stage that reads each block once).
    let cached: Bool
    /// Per task index: the teachers' targets read with each block from soft-targets.h5, instead
    /// of held for every row (`targets[t].soft` stays nil). Only without a selection of rows.
    var softSources: [Int: SoftTargetsFile.TargetsReader] = [:] {
        willSet { precondition(selection == nil || newValue.isEmpty, "soft targets read by block need every row") }
    }

    init(source: SplitRows, selection: [Int]?, targets: [TaskTargets], blockRows: Int = SplitBlocks.defaultBlockRows,
         cached: Bool = true) {
        self.source = source; self.selection = selection; self.targets = targets; self.blockRows = blockRows
        self.cached = cached
    }

    var count: Int { selection?.count ?? source.rows }

    func block(_ index: Int) throws -> LabelledSet {
        let r = range(ofBlock: index)
        var blockTargets = targets.map { $0.slice(r) }
        for (t, source) in softSources { blockTargets[t].soft = try source.targets(r) }
        if selection == nil, cached, let nonZeros = try source.readNonZeros(r) {
            return LabelledSet(features: .sparse(nonZeros), targets: blockTargets)
        }
        let x: Matrix
        if let selection {
            // Read the span of split rows the block needs, then keep the selected ones.
            let first = selection[r.lowerBound], last = selection[r.upperBound - 1]
            let span = try source.read(first..<(last + 1), cached: cached)
            var picked = Matrix.empty
            span.gatherRows(selection[r].map { $0 - first }[...], into: &picked)
            x = picked
        } else {
            x = try source.read(r, cached: cached)
        }
        return LabelledSet(x: x, targets: blockTargets)
    }

    /// A teacher member's outputs (logits, or standardised predictions) for every row, block by block.
    func predict(_ teacher: TeacherPredictor) throws -> Matrix {
        var out = Matrix.empty
        for b in 0..<blockCount {
            let r = range(ofBlock: b)
            let y = try teacher.predict(try block(b).x)
            if b == 0 { out = Matrix(rows: count, cols: y.cols) }
            out.storage.replaceSubrange((r.lowerBound * y.cols)..<(r.upperBound * y.cols), with: y.storage)
        }
        return out
    }

    /// The network's outputs for every row, computed block by block.
    func predict(_ network: MultiTaskNetwork) throws -> [Matrix] {
        var outputs = network.tasks.map { Matrix(rows: count, cols: $0.outputs) }
        for b in 0..<blockCount {
            let r = range(ofBlock: b)
            let y = network.predict(try block(b).x)
            for t in outputs.indices {
                let c = outputs[t].cols
                outputs[t].storage.replaceSubrange((r.lowerBound * c)..<(r.upperBound * c), with: y[t].storage)
            }
        }
        return outputs
    }
}

extension TaskTargets {
    /// The targets of rows `r`.
    func slice(_ r: Range<Int>) -> TaskTargets {
        let labels: Labels
        switch self.labels {
        case .classes(let c): labels = .classes(Array(c[r]))
        case .values(let v): labels = .values(Array(v[r]))
        }
        return TaskTargets(labels: labels, soft: soft.map { $0.rows(r) })
    }
}

extension PreparedDataset {
    /// The split's rows and targets for the given tasks (regression labels standardised), with
    /// features streamed from `path`. With `labelledOnly`, only rows where the (single) task has a label.
    /// Without a selection the labels are the dataset's own arrays (shared, not copied).
    func blocks(_ splitName: String, tasks taskIndices: [Int], path: String, labelledOnly: Bool = false,
                blockRows: Int = SplitBlocks.defaultBlockRows, cached: Bool = true) throws -> SplitBlocks {
        guard let split = split(splitName) else { throw ArtifactError(path: path, "has no '\(splitName)' split") }
        var selection: [Int]?
        if labelledOnly {
            precondition(taskIndices.count == 1)
            // Counted first: when every row has a label, no list of rows is made.
            switch split.labels[taskIndices[0]] {
            case .classes(let c):
                if c.contains(where: { $0 < 0 }) { selection = c.indices.filter { c[$0] >= 0 } }
            case .values(let v):
                if v.contains(where: { $0.isNaN }) { selection = v.indices.filter { !v[$0].isNaN } }
            }
        }
        let targets = taskIndices.map { t -> TaskTargets in
            switch split.labels[t] {
            case .classes(let c): return TaskTargets(labels: .classes(selection.map { $0.map { c[$0] } } ?? c))
            case .values(let v):
                let m = Float(tasks[t].labelMean), s = Float(tasks[t].labelStd)
                return TaskTargets(labels: .values(selection.map { $0.map { (v[$0] - m) / s } } ?? v.map { ($0 - m) / s }))
            }
        }
        return SplitBlocks(source: try SplitRows(path: path, split: splitName), selection: selection, targets: targets,
                           blockRows: blockRows, cached: cached)
    }
}
