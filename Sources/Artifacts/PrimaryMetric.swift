import Foundation

/// The one metric by which a task's gain or loss is judged (higher is better for each):
/// ROC AUC for a binary task, accuracy for a multi-class one, R² for regression.
public struct PrimaryMetric: Equatable, Sendable {
    /// The key in `metrics.json` ("auc", "accuracy", "r2").
    public var key: String
    /// What a table calls it ("ROC AUC", "accuracy", "R²").
    public var label: String

    public static let auc = PrimaryMetric(key: "auc", label: "ROC AUC")
    public static let accuracy = PrimaryMetric(key: "accuracy", label: "accuracy")
    public static let r2 = PrimaryMetric(key: "r2", label: "R²")

    public static func of(_ task: EvaluationReport.Task) -> PrimaryMetric {
        if task.kind == "regression" { return .r2 }
        return task.classes.count == 2 ? .auc : .accuracy
    }

    /// This metric's value in `metrics`, nil when absent.
    /// Key of every metric `metrics.json` holds, with its value in a `TaskMetrics`.
    public static let allKeys: [(key: String, path: KeyPath<TaskMetrics, Double?>)] = [
        ("accuracy", \.accuracy), ("macro_f1", \.macroF1), ("auc", \.auc), ("log_loss", \.logLoss), ("rmse", \.rmse), ("r2", \.r2),
    ]

    public func value(_ metrics: TaskMetrics?) -> Double? {
        guard let m = metrics else { return nil }
        switch key {
        case "auc": return m.auc
        case "r2": return m.r2
        default: return m.accuracy
        }
    }
}

