import Artifacts
import Metrics
import Tabular

/// Writes predictions as HDF5 (`PredictionsFile`): per task the probabilities and predicted
/// class index, or the value; the kept columns as strings.
public final class HDF5PredictionWriter: PredictionSink {
    private let file: PredictionsFile
    private let tasks: [Predictor.Task]
    private let keep: [Int]

    public init(path: String, tasks: [Predictor.Task], keep: [(name: String, column: Int)], model: String, input: String) throws {
        file = try PredictionsFile(path: path, tasks: tasks.map { .init(name: $0.name, kind: $0.kind, classes: $0.classes) },
                                   keep: keep.map(\.name), model: model, input: input)
        self.tasks = tasks
        self.keep = keep.map(\.column)
    }

    public func write(_ block: PredictedBlock) throws {
        let values = zip(tasks, block.outputs).map { task, out in
            (out.storage, task.kind == .classification ? Metrics.argmax(probabilities: out.storage, classCount: out.cols) : [])
        }
        let table = block.input
        let kept = keep.map { c in (0..<table.rowCount).map { table.string(row: $0, column: c) } }
        try file.append(outputs: values, kept: kept)
    }

    public func finish() throws { try file.finish() }
}
