import Tensor

/// One batch of predictions: per task the predictor's outputs, and the kept input columns.
public struct PredictedBlock {
    /// Per task (N, C) probabilities or (N, 1) values in label units.
    public var outputs: [Matrix]
    /// Per kept column, the N cells' text.
    public var kept: [[String]]
    public var rows: Int { outputs.first?.rows ?? 0 }
}

/// Where predictions go, block after block; `finish` completes the output (nothing is left
/// half-written: a file output appears only when finished).
public protocol PredictionSink: AnyObject {
    func write(_ block: PredictedBlock) throws
    func finish() throws
}

/// The names of the output columns, one vocabulary for CSV and HDF5: per classification task
/// `<task>` (the predicted class name) then `<task>:p(<class>)` per class; per regression
/// task `<task>` (the value in label units).
public enum PredictionColumns {
    public static func names(_ tasks: [Predictor.Task]) -> [String] {
        tasks.flatMap { t in t.kind == .classification ? [t.name] + t.classes.map { probability(t.name, $0) } : [t.name] }
    }

    public static func probability(_ task: String, _ className: String) -> String { "\(task):p(\(className))" }
}
