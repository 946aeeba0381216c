import Artifacts
import Foundation
import Metrics

/// The comparison `mtkd run` prints at its end (and evaluate writes to report/report.md): one
/// row per model (teacher ensembles, their mean member, every student), one column per task
/// with its primary metric, then the legend and the ship line. Every line but the ship line
/// fits 100 columns: when one column per task would not, the table has one row per task and model.
public enum ComparisonTable {
    /// The widest line the table may have.
    public static let width = 100

    /// One model of the table.
    struct Row {
        /// "teachers-ensemble", "teachers-mean-member", or the student's name.
        var key: String
        /// "teachers (ensemble)", "kd (hard-sharing)", "baseline (hard-sharing, no KD)".
        var label: String
        var parameters: String
        /// Per task name: the primary metric as shown; absent where the model has nothing for the task.
        var cells: [String: String]
    }

    /// Table, legend and ship line.
    public static func markdown(_ report: EvaluationReport) -> String {
        var text = table(report)
        if let ship = ShipLine.text(report) { text += "\n" + ship + "\n" }
        return text
    }

    /// The table and its legend (no ship line).
    static func table(_ report: EvaluationReport) -> String {
        let rows = rows(report)
        var lines = wide(report, rows)
        if lines.contains(where: { $0.count > width }) { lines = long(report, rows) }
        return lines.joined(separator: "\n") + "\n\n" + _Format.wrap(legend(report), width: width) + "\n"
    }

    /// One column per task: "| model | parameters | species accuracy | sex ROC AUC |".
    static func wide(_ report: EvaluationReport, _ rows: [Row]) -> [String] {
        var lines = ["| model | parameters | " + report.tasks.map { "\($0.name) \(PrimaryMetric.of($0).label)" }.joined(separator: " | ") + " |"]
        lines.append("|---|---:|" + report.tasks.map { _ in "---:|" }.joined())
        for row in rows {
            lines.append("| \(row.label) | \(row.parameters) | " + report.tasks.map { row.cells[$0.name] ?? _Format.missing }.joined(separator: " | ") + " |")
        }
        return lines
    }

    /// One row per task and model: "| task | metric | model | parameters | value |".
    static func long(_ report: EvaluationReport, _ rows: [Row]) -> [String] {
        var lines = ["| task | metric | model | parameters | value |", "|---|---|---|---:|---:|"]
        for task in report.tasks {
            for row in rows {
                guard let cell = row.cells[task.name] else { continue }
                lines.append("| \(task.name) | \(PrimaryMetric.of(task).label) | \(row.label) | \(row.parameters) | \(cell) |")
            }
        }
        return lines
    }

    static func rows(_ report: EvaluationReport) -> [Row] {
        let ensembles = report.models.filter { $0.role == .teacherEnsemble }
        let members = report.models.filter { $0.role == .teacherMember }
        var rows: [Row] = []
        if !ensembles.isEmpty {
            let total = members.reduce(0) { $0 + $1.parameters }
            let trees = members.compactMap(\.trees)
            let treeNote = trees.isEmpty ? "" : " (\(_Format.count(trees.reduce(0, +))) trees)"
            var ensemble = Row(key: "teachers-ensemble", label: "teachers (ensemble)", parameters: _Format.count(total) + treeNote, cells: [:])
            var mean = Row(key: "teachers-mean-member", label: "teacher (mean member)",
                           parameters: members.isEmpty ? _Format.missing : _Format.count(total / members.count), cells: [:])
            for task in report.tasks {
                let metric = PrimaryMetric.of(task)
                if let e = ensembles.first(where: { $0.tasks[task.name] != nil }) { ensemble.cells[task.name] = _Format.fixed(metric.value(e.tasks[task.name])) }
                let values = members.compactMap { metric.value($0.tasks[task.name]) }
                if !values.isEmpty { mean.cells[task.name] = _Format.fixed(values.reduce(0, +) / Double(values.count)) }
            }
            rows += [ensemble, mean]
        }
        for s in report.models where s.role == .student {
            let comparison = report.comparison(s.name)
            var row = Row(key: s.name, label: label(s, comparison), parameters: _Format.count(s.parameters), cells: [:])
            for task in report.tasks {
                let metric = PrimaryMetric.of(task)
                guard let value = metric.value(s.tasks[task.name]) else { continue }
                guard let c = comparison?.tasks[task.name] else { row.cells[task.name] = _Format.fixed(value); continue }
                let mark = Significance(c.vsBaseline).mark
                row.cells[task.name] = _Format.mean(c.metrics[c.metric]) + (mark.isEmpty ? "" : " " + mark)
            }
            rows.append(row)
        }
        return rows
    }

    /// "kd (hard-sharing)", or "baseline (hard-sharing, no KD)" for a student trained without teachers.
    static func label(_ s: ModelEvaluation, _ c: StudentComparison?) -> String {
        c?.distill == "none" ? "\(s.name) (\(s.architecture), no KD)" : "\(s.name) (\(s.architecture))"
    }

    static func legend(_ report: EvaluationReport) -> String {
        var text = "Metrics on the \(report.split) split, each task's primary metric."
        let students = report.models.filter { $0.role == .student }
        if let comparisons = report.comparisons, !students.isEmpty {
            text += " Students: " + replicatesSentence(comparisons)
            let methods = Set(comparisons.flatMap { $0.tasks.values.compactMap { $0.vsBaseline?.interval.method } })
            if !methods.isEmpty {
                let how = methods.sorted { $0.rawValue > $1.rawValue }.map(methodWords).joined(separator: ", or ")
                text += " ▲ / ▼: better / worse than the student's no-KD baseline (the 95% interval of the difference, \(how), excludes 0);"
                text += " ≈: no significant difference"
                text += comparisons.contains { $0.baseline == nil && $0.distill != "none" } ? "; no mark: no baseline to compare with." : "."
            }
        } else if !students.isEmpty {
            text += " report/metrics.json has no intervals (written before mtkd compared replicates): `mtkd run --force --from evaluate` adds them."
        }
        if report.models.contains(where: { $0.role == .teacherEnsemble }) {
            text += " Teachers' parameters: every member of every ensemble together; one member."
            if report.models.contains(where: { $0.trees != nil }) {
                text += " Gradient-boosted members count the nodes of their trees that predict (a split threshold or a leaf value each)."
            }
        }
        let untaught = report.tasks.filter { !$0.hasTeacher }.map(\.name)
        if !untaught.isEmpty && !students.isEmpty {
            text += " No teacher for \(untaught.joined(separator: ", ")) (learned from labels only)."
        }
        return text
    }

    /// "mean ± half-width of the 95% t-interval over 3 replicates (replicate k of every student shares a seed)."
    static func replicatesSentence(_ comparisons: [StudentComparison]) -> String {
        let counts = comparisons.map(\.replicates)
        if counts.allSatisfy({ $0 == 1 }) { return "one replicate each, so no interval over replicates." }
        let over = Set(counts).count == 1
            ? _Format.replicates(counts[0])
            : "their replicates (" + comparisons.map { "\($0.student) \($0.replicates)" }.joined(separator: ", ") + ")"
        return "mean ± half-width of the 95% t-interval over \(over), replicate k of every student sharing a seed"
            + (counts.contains(1) ? "; one replicate: the plain value." : ".")
    }

    static func methodWords(_ m: Statistics.Method) -> String {
        switch m {
        case .pairedT: return "paired t over replicates"
        case .bootstrap: return "paired bootstrap over test rows"
        case .t: return "t-interval"
        case .fieller: return "Fieller"
        }
    }
}

extension EvaluationReport {
    /// A student's statistics in `comparisons`, nil when absent.
    public func comparison(_ student: String) -> StudentComparison? { comparisons?.first { $0.student == student } }
}
