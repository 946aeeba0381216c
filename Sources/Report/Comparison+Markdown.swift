import Artifacts
import Metrics

extension Comparison {
    /// The whole report as Markdown: the comparison table with the ship line, each student
    /// against its no-KD baseline and the teachers, a verdict per student, every test metric,
    /// size and speed, training summary, cross-stitch matrices and notes.
    public var markdown: String {
        var out = "# \(evaluation.pipeline): teachers and students compared\n\n"
        out += "## Test metrics\n\n" + ComparisonTable.markdown(evaluation)
        if students.contains(where: { $0.baseline != nil }) { out += "\n## Against the no-KD baseline\n\n" + baselineMarkdown }
        if students.contains(where: { $0.comparison?.tasks.values.contains { $0.vsEnsemble != nil } == true }) {
            out += "\n## Against the teacher ensembles\n\n" + ensembleMarkdown
        }
        if !students.isEmpty && evaluation.comparisons != nil { out += "\n## Verdict\n\n" + students.map { "- **\($0.name)** " + summary($0) + "\n" }.joined() }
        out += "\n## All test metrics\n\n" + allMetricsMarkdown
        if !costs.isEmpty { out += "\n## Size and speed\n\n" + costsMarkdown }
        if !curves.isEmpty { out += "\n## Training\n\n" + trainingMarkdown }
        if !stitches.isEmpty { out += "\n## Cross-stitch matrices\n\n" + stitchesMarkdown }
        if !notes.isEmpty { out += "\n## Notes\n\n" + notes.map { "- \($0)\n" }.joined() }
        return out
    }

    /// One row per student with a baseline and task: the difference of the primary metric, its
    /// p-value and the gap recovered; reasons for a gap that does not apply as numbered notes.
    var baselineMarkdown: String {
        var lines = ["| student | baseline | task | metric | Δ [95% interval] | p | gap recovered [95% interval] |",
                     "|---|---|---|---|---:|---:|---:|"]
        var reasons = _Reasons()
        for s in students {
            guard let b = s.baseline, let c = s.comparison else { continue }
            for task in evaluation.tasks {
                guard let t = c.tasks[task.name], let d = t.vsBaseline else { continue }
                let gap = Self.gapText(t.gapRecovered, hasTeacher: task.hasTeacher) { reasons.number($0) }
                lines.append("| \(s.name) | \(b) | \(task.name) | \(PrimaryMetric.of(task).label) | \(_Format.difference(d)) | \(_Format.p(d.pValue)) | \(gap) |")
            }
        }
        var text = lines.joined(separator: "\n") + "\n\n" + reasons.markdown
        text += _Format.wrap("Δ = student − baseline on the task's primary metric with its 95% interval: \(methods(\.vsBaseline)); p: two-sided, for no difference. "
            + Significance.legend + ". Gap recovered = (student − baseline) / (ensemble − baseline): 0 is no better than the baseline, "
            + "1 as good as the teacher ensemble.", width: ComparisonTable.width) + "\n"
        return text
    }

    /// One row per student and task with a teacher: student − ensemble on the primary metric.
    var ensembleMarkdown: String {
        var lines = ["| student | task | metric | Δ [95% interval] | p |", "|---|---|---|---:|---:|"]
        for s in students {
            guard let c = s.comparison else { continue }
            for task in evaluation.tasks {
                guard let d = c.tasks[task.name]?.vsEnsemble else { continue }
                lines.append("| \(s.name) | \(task.name) | \(PrimaryMetric.of(task).label) | \(_Format.difference(d)) | \(_Format.p(d.pValue)) |")
            }
        }
        var text = lines.joined(separator: "\n") + "\n\n"
        let untaught = evaluation.tasks.filter { !$0.hasTeacher }.map(\.name)
        text += _Format.wrap("Δ = student − teacher ensemble on the task's primary metric with its 95% interval: \(methods(\.vsEnsemble)); "
            + Significance.legend + "." + (untaught.isEmpty ? "" : " No teacher for \(untaught.joined(separator: ", "))."),
            width: ComparisonTable.width) + "\n"
        return text
    }

    /// How the comparisons at `key` were computed, in words.
    func methods(_ key: KeyPath<TaskComparison, Statistics.Comparison?>) -> String {
        let found = Set(students.flatMap { $0.comparison?.tasks.values.compactMap { $0[keyPath: key]?.interval.method } ?? [] })
        return found.sorted { $0.rawValue > $1.rawValue }.map { m -> String in
            switch m {
            case .pairedT: return "paired t over replicates (replicate k of every student shares a seed)"
            case .bootstrap: return "with one replicate, the paired bootstrap over the test rows"
            default: return m.rawValue
            }
        }.joined(separator: "; ")
    }

    /// The gap recovered as shown: its interval, or "n/a" with the reason (`note` turns a reason into a reference).
    static func gapText(_ gap: Statistics.GapRecovered?, hasTeacher: Bool, note: (String) -> String) -> String {
        switch gap {
        case .value?: return _Format.gap(gap)
        case .notApplicable(let reason)?: return "n/a \(note(reason))"
        case nil: return hasTeacher ? _Format.missing : "n/a (no teacher)"
        }
    }

    /// What follows a student's name in its verdict line:
    /// "(hard-sharing, KD, 3 replicates): vs no-KD baseline: better on island (p 0.0377); no significant difference on species, sex. vs teachers: …"
    func summary(_ s: Student) -> String {
        let how = s.distill == .soft ? "KD" : s.distill == ReportInput.Distillation.none ? "no KD, a baseline" : "distillation unknown"
        var text = "(\(s.evaluation.architecture), \(how), \(_Format.replicates(s.replicates)))"
        guard let c = s.comparison else { return text + ": no statistics." }
        text += ":"
        if let b = s.baseline {
            text += " vs no-KD \(b): " + Self.verdicts(evaluation.tasks.map { ($0.name, c.tasks[$0.name]?.vsBaseline) }) + "."
        }
        let taught = evaluation.tasks.filter(\.hasTeacher)
        if !taught.isEmpty {
            text += " vs teachers: " + Self.verdicts(taught.map { ($0.name, c.tasks[$0.name]?.vsEnsemble) })
            let untaught = evaluation.tasks.filter { !$0.hasTeacher }.map(\.name)
            text += (untaught.isEmpty ? "" : "; no teacher for \(untaught.joined(separator: ", "))") + "."
        }
        return text
    }

    /// "better on a (p 0.0010); worse on c (p 0.0400); no significant difference on b" over the comparisons that exist.
    static func verdicts(_ comparisons: [(task: String, comparison: Statistics.Comparison?)]) -> String {
        let judged = comparisons.compactMap { c in c.comparison.map { (c.task, $0, Significance($0)) } }
        func listed(_ kind: Significance) -> [String] {
            judged.filter { $0.2 == kind }.map { kind == .indistinguishable || kind == .unknown ? $0.0 : "\($0.0) (p \(_Format.p($0.1.pValue)))" }
        }
        var parts: [String] = []
        if !listed(.better).isEmpty { parts.append("better on " + listed(.better).joined(separator: ", ")) }
        if !listed(.worse).isEmpty { parts.append("worse on " + listed(.worse).joined(separator: ", ")) }
        if !listed(.indistinguishable).isEmpty { parts.append("no significant difference on " + listed(.indistinguishable).joined(separator: ", ")) }
        if !listed(.unknown).isEmpty { parts.append("no interval on " + listed(.unknown).joined(separator: ", ")) }
        return parts.isEmpty ? "nothing to compare" : parts.joined(separator: "; ")
    }

    /// One table per task: every metric of the teachers and of each student (mean ± half-width).
    var allMetricsMarkdown: String {
        var text = ""
        for task in evaluation.tasks {
            let rows = Self.metricRows(task)
            let kind = task.kind == "regression" ? "regression" : "\(task.classes.count) classes"
            text += "### \(task.name) (\(kind), primary metric \(PrimaryMetric.of(task).label))\n\n"
            text += "| model | " + rows.map(\.label).joined(separator: " | ") + " |\n|---|" + rows.map { _ in "---:|" }.joined() + "\n"
            for model in allMetricModels(task) {
                text += "| \(model.label) | " + rows.map { model.value($0.key) }.joined(separator: " | ") + " |\n"
            }
            text += "\n"
        }
        return text + "Students: mean ± half-width of the 95% t-interval over their replicates (the plain value for one).\n"
    }

    /// The metrics a task's tables show: accuracy, macro-F1 (and ROC AUC for binary tasks), or RMSE and R².
    static func metricRows(_ task: EvaluationReport.Task) -> [(label: String, key: String, path: KeyPath<TaskMetrics, Double?>)] {
        if task.kind == "regression" { return [("RMSE", "rmse", \.rmse), ("R²", "r2", \.r2)] }
        var rows: [(label: String, key: String, path: KeyPath<TaskMetrics, Double?>)] = [("accuracy", "accuracy", \.accuracy), ("macro-F1", "macro_f1", \.macroF1)]
        if task.classes.count == 2 { rows.append(("ROC AUC", "auc", \.auc)) }
        return rows
    }

    /// The rows of a task's metrics table: its teacher ensemble and mean member (when it has a teacher), then every student.
    func allMetricModels(_ task: EvaluationReport.Task) -> [(label: String, value: (String) -> String)] {
        var models: [(label: String, value: (String) -> String)] = []
        let path = { (key: String) in PrimaryMetric.allKeys.first { $0.key == key }!.path }
        if let ensemble = evaluation.models.first(where: { $0.role == .teacherEnsemble && $0.tasks[task.name] != nil }) {
            models.append(("teachers (ensemble)", { _Format.fixed(ensemble.tasks[task.name]?[keyPath: path($0)]) }))
            let members = evaluation.models.filter { $0.role == .teacherMember && $0.tasks[task.name] != nil }
            if !members.isEmpty {
                models.append(("teacher (mean member)", { key in
                    let values = members.compactMap { $0.tasks[task.name]?[keyPath: path(key)] }
                    return values.isEmpty ? _Format.missing : _Format.fixed(values.reduce(0, +) / Double(values.count))
                }))
            }
        }
        for s in students where s.evaluation.tasks[task.name] != nil {
            models.append((s.name, { key in
                if let i = s.comparison?.tasks[task.name]?.metrics[key] { return _Format.mean(i) }
                return _Format.fixed(s.evaluation.tasks[task.name]?[keyPath: path(key)])
            }))
        }
        return models
    }

    var costsMarkdown: String {
        var lines = ["| model | architecture | parameters | train s | train ex/s | infer ex/s |",
                     "|---|---|---:|---:|---:|---:|"]
        for c in costs {
            lines.append("| \(c.name) | \(c.architecture) | \(c.size) | \(_Format.seconds(c.trainingSeconds)) | "
                         + "\(_Format.rate(c.trainingExamplesPerSecond)) | \(_Format.rate(c.inferenceExamplesPerSecond)) |")
        }
        let trees = costs.contains { $0.trees != nil }
            ? " Parameters of gradient-boosted members: the nodes (a split threshold or a leaf value each) of the trees that predict." : ""
        return lines.joined(separator: "\n") + "\n\ntrain s: wall-clock training time (ensembles: summed over members; students: over replicates);"
            + " train ex/s: training examples per second in the last epoch (ensembles: mean member; students: mean replicate);"
            + " infer ex/s: test-split predictions per second, one thread (ensembles: every member in turn).\(trees)\n"
    }

    var trainingMarkdown: String {
        var lines = ["| network | architecture | epochs | best epoch | best val. score | final train loss |",
                     "|---|---|---:|---:|---:|---:|"]
        for c in curves {
            let epochs = c.unit == "epoch" ? "\(c.epochs.count)" : "\(c.epochs.count) \(c.unit)s"
            let best = c.unit == "epoch" ? "\(c.bestEpoch)" : "\(c.unit) \(c.bestEpoch)"
            lines.append("| \(c.network) | \(c.architecture) | \(epochs) | \(best) | \(_Format.fixed(c.bestScore)) | "
                         + "\(_Format.fixed(c.trainLoss.last)) |")
        }
        let boosted = curves.contains { $0.unit == "round" }
            ? " Gradient-boosted members count boosting rounds (round r is XGBoost's iteration r − 1) and keep the trees up to the round of lowest validation loss." : ""
        return lines.joined(separator: "\n") + "\n\nValidation score: mean over the network's tasks of accuracy"
            + " (classification) or R² (regression) on the validation split; the best epoch's weights are kept."
            + " Students: replicate 0.\(boosted)\n"
    }

    var stitchesMarkdown: String {
        var text = "A, row i: how much task i's column takes from each column j after the layer (x̃_i = Σ_j A_ij x_j).\n"
        for m in stitches {
            text += "\n### \(m.student): \(m.parameter) (after hidden layer \(m.layer)"
            text += m.units > 1 ? "; mean over \(m.units) units)\n\n" : ")\n\n"
            text += "| A | " + m.tasks.joined(separator: " | ") + " |\n"
            text += "|---|" + m.tasks.map { _ in "---:|" }.joined() + "\n"
            for (i, task) in m.tasks.enumerated() {
                text += "| \(task) | " + m.values[i].map { _Format.fixed($0) }.joined(separator: " | ") + " |\n"
            }
        }
        return text
    }
}

/// Reasons a gap recovered does not apply, numbered in order of first use so a table cell
/// says "n/a [1]" and the reason follows the table once.
struct _Reasons {
    private(set) var all: [String] = []

    /// "[k]" for `reason`, numbering it on first use.
    mutating func number(_ reason: String) -> String {
        if let i = all.firstIndex(of: reason) { return "[\(i + 1)]" }
        all.append(reason)
        return "[\(all.count)]"
    }

    /// "- [1] n/a: reason\n…\n\n", or "" when there is none.
    var markdown: String {
        all.isEmpty ? "" : all.enumerated().map { "- [\($0.offset + 1)] n/a: \($0.element)\n" }.joined() + "\n"
    }
}
