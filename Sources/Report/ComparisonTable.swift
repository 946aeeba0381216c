import Artifacts
import Foundation

/// The comparison of teachers and students as a Markdown table: one row per task and
/// metric, one column per model group (teacher ensemble, mean teacher member, each student).
public enum ComparisonTable {
    struct Column {
        /// "teachers-ensemble", "teachers-mean-member", or the student's name.
        var key: String
        var title: String
        /// Metrics of this column for a task, or nil when the column has nothing for it.
        var value: (String, KeyPath<TaskMetrics, Double?>) -> Double?
        var parameters: String
    }

    public static func markdown(_ report: EvaluationReport) -> String {
        let columns = makeColumns(report)
        var lines: [String] = []
        lines.append("| task | metric | " + columns.map(\.title).joined(separator: " | ") + " |")
        lines.append("|---|---|" + columns.map { _ in "---:|" }.joined())
        for task in report.tasks {
            for (label, key) in metricRows(task.kind, classes: task.classes.count) {
                let cells = columns.map { c in c.value(task.name, key).map { String(format: "%.4f", $0) } ?? "—" }
                lines.append("| \(task.name) | \(label) | " + cells.joined(separator: " | ") + " |")
            }
        }
        lines.append("| *all* | parameters | " + columns.map(\.parameters).joined(separator: " | ") + " |")
        var text = lines.joined(separator: "\n") + "\n"
        let notaught = report.tasks.filter { !$0.hasTeacher }.map(\.name)
        text += "\nMetrics on the \(report.split) split. Teacher columns: the ensemble, and the mean over its members;"
        text += " parameters of the teachers are summed over every member of every ensemble"
        text += report.models.contains { $0.trees != nil }
            ? " (gradient-boosted members count the nodes of the trees that predict: a split threshold or a leaf value each)." : "."
        if !notaught.isEmpty {
            text += " Tasks without a teacher (learned from labels only): \(notaught.joined(separator: ", "))."
        }
        return text + "\n"
    }

    static func metricRows(_ kind: String, classes: Int) -> [(String, KeyPath<TaskMetrics, Double?>)] {
        if kind == "regression" { return [("RMSE", \.rmse), ("R²", \.r2)] }
        var rows: [(String, KeyPath<TaskMetrics, Double?>)] = [("accuracy", \.accuracy), ("macro-F1", \.macroF1)]
        if classes == 2 { rows.append(("ROC AUC", \.auc)) }
        return rows
    }

    static func makeColumns(_ report: EvaluationReport) -> [Column] {
        let ensembles = report.models.filter { $0.role == .teacherEnsemble }
        let members = report.models.filter { $0.role == .teacherMember }
        var columns: [Column] = []
        if !ensembles.isEmpty {
            let total = members.reduce(0) { $0 + $1.parameters }
            let trees = members.compactMap(\.trees)
            let treeNote = trees.isEmpty ? "" : " (\(trees.reduce(0, +)) trees)"
            columns.append(Column(key: "teachers-ensemble", title: "teachers (ensemble)", value: { task, key in
                ensembles.first { $0.tasks[task] != nil }?.tasks[task]?[keyPath: key]
            }, parameters: "\(total)\(treeNote)"))
            columns.append(Column(key: "teachers-mean-member", title: "teacher (mean member)", value: { task, key in
                let values = members.compactMap { $0.tasks[task]?[keyPath: key] }
                return values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
            }, parameters: members.isEmpty ? "—" : "\(total / members.count) each"))
        }
        for s in report.models where s.role == .student {
            columns.append(Column(key: s.name, title: "\(s.name) (\(s.architecture))", value: { task, key in s.tasks[task]?[keyPath: key] },
                                  parameters: "\(s.parameters)"))
        }
        return columns
    }
}
