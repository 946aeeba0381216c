import Artifacts

extension Comparison {
    /// The whole report as Markdown: test metrics, gains and losses, size and speed, training
    /// summary, cross-stitch matrices and notes. Tables stay within ~100 columns for common names.
    public var markdown: String {
        var out = "# \(evaluation.pipeline): teachers and students compared\n\n"
        out += "## Test metrics\n\n" + ComparisonTable.markdown(evaluation)
        if !students.isEmpty { out += "\n## Gains and losses\n\n" + gainsMarkdown }
        if !costs.isEmpty { out += "\n## Size and speed\n\n" + costsMarkdown }
        if !curves.isEmpty { out += "\n## Training\n\n" + trainingMarkdown }
        if !stitches.isEmpty { out += "\n## Cross-stitch matrices\n\n" + stitchesMarkdown }
        if !notes.isEmpty { out += "\n## Notes\n\n" + notes.map { "- \($0)\n" }.joined() }
        return out
    }

    /// One row per student and task: the primary metric, the teachers' and the no-KD
    /// baseline's, and the differences; then one summary line per student.
    var gainsMarkdown: String {
        let hasBaseline = students.contains { $0.baseline != nil }
        var lines: [String] = []
        var header = "| student | task | metric | value | teachers | Δ teachers |"
        var rule = "|---|---|---|---:|---:|---:|"
        if hasBaseline { header += " no-KD | Δ no-KD |"; rule += "---:|---:|" }
        lines += [header, rule]
        for g in gains {
            var row = "| \(g.student) | \(g.task) | \(g.metric.label) | \(_Format.fixed(g.value)) | "
            row += g.teachers.map { "\(_Format.fixed($0.value)) | \(Self.delta($0)) |" } ?? "no teacher | — |"
            if hasBaseline {
                if let b = g.baseline { row += " \(_Format.fixed(b.value)) | \(Self.delta(b)) |" }
                else { row += students.first { $0.name == g.student }?.distill == ReportInput.Distillation.none ? " baseline | — |" : " — | — |" }
            }
            lines.append(row)
        }
        var text = lines.joined(separator: "\n") + "\n\n"
        text += "Primary metric per task: ROC AUC (binary), accuracy (multi-class), R² (regression)."
        text += " Δ = student − reference; ▲ gain, ▼ loss beyond ±\(Self.threshold(input.threshold)).\n\n"
        for s in students { text += "- **\(s.name)** " + summary(s) + "\n" }
        return text
    }

    /// What follows a student's name in its summary line:
    /// "(hard-sharing, KD): vs teachers gained species; lost island; no teacher for sex. vs no-KD base: gained sex."
    func summary(_ s: Student) -> String {
        let mine = gains(of: s.name)
        let how = s.distill == .soft ? "KD" : s.distill == ReportInput.Distillation.none ? "no KD, the no-KD baseline" : "distillation unknown"
        var text = "(\(s.evaluation.architecture), \(how)): vs teachers " + Self.verdicts(mine.map { ($0.task, $0.teachers) })
        let noTeacher = mine.filter { $0.teachers == nil }.map(\.task)
        if !noTeacher.isEmpty { text += "; no teacher for \(noTeacher.joined(separator: ", "))" }
        text += "."
        if let b = s.baseline {
            text += " vs no-KD \(b): " + Self.verdicts(mine.map { ($0.task, $0.baseline) }) + "."
        }
        return text
    }

    /// "gained a, b; lost c" / "even on every task" over the references that exist.
    static func verdicts(_ refs: [(task: String, ref: Reference?)]) -> String {
        let judged = refs.compactMap { r in r.ref?.verdict.map { (r.task, $0) } }
        let gained = judged.filter { $0.1 == .gain }.map(\.0), lost = judged.filter { $0.1 == .loss }.map(\.0)
        var parts: [String] = []
        if !gained.isEmpty { parts.append("gained \(gained.joined(separator: ", "))") }
        if !lost.isEmpty { parts.append("lost \(lost.joined(separator: ", "))") }
        if parts.isEmpty { return judged.isEmpty ? "nothing to compare" : "even on every task" }
        return parts.joined(separator: "; ")
    }

    static func delta(_ r: Reference) -> String {
        guard let d = r.delta else { return _Format.missing }
        return _Format.signed(d) + _Format.mark(r.verdict)
    }

    static func threshold(_ t: Double) -> String { "\(t)" }

    var costsMarkdown: String {
        var lines = ["| model | architecture | parameters | train s | train ex/s | infer ex/s |",
                     "|---|---|---:|---:|---:|---:|"]
        for c in costs {
            lines.append("| \(c.name) | \(c.architecture) | \(c.size) | \(_Format.seconds(c.trainingSeconds)) | "
                         + "\(_Format.rate(c.trainingExamplesPerSecond)) | \(_Format.rate(c.inferenceExamplesPerSecond)) |")
        }
        let trees = costs.contains { $0.trees != nil }
            ? " Parameters of gradient-boosted members: the nodes (a split threshold or a leaf value each) of the trees that predict." : ""
        return lines.joined(separator: "\n") + "\n\ntrain s: wall-clock training time (ensembles: summed over members);"
            + " train ex/s: training examples per second in the last epoch (ensembles: mean member);"
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
            + " (classification) or R² (regression) on the validation split; the best epoch's weights are kept.\(boosted)\n"
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
