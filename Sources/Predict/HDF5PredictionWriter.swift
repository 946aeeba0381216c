import Artifacts
import Metrics

/// Writes predictions as HDF5 (`PredictionsFile`): per task the probabilities and predicted
/// class index, or the value; the kept columns as strings.
public final class HDF5PredictionWriter: PredictionSink {
    private let file: PredictionsFile
    private let tasks: [Predictor.Task]

    public init(path: String, tasks: [Predictor.Task], keep: [String], model: String, input: String) throws {
        file = try PredictionsFile(path: path, tasks: tasks.map { .init(name: $0.name, kind: $0.kind, classes: $0.classes) },
                                   keep: keep, model: model, input: input)
        self.tasks = tasks
    }

    public func write(_ block: PredictedBlock) throws {
        let values = zip(tasks, block.outputs).map { task, out in
            (out.storage, task.kind == .classification ? Metrics.argmax(probabilities: out.storage, classCount: out.cols) : [])
        }
        try file.append(outputs: values, kept: block.kept)
    }

    public func finish() throws { try file.finish() }
}
