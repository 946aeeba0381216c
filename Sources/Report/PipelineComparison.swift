import Artifacts
import Foundation
import Metrics

/// The students of several evaluated pipelines in one table (`mtkd report A.yaml B.yaml …`,
/// e.g. one pipeline per temperature): one row per pipeline and student, per task its primary
/// metric (mean ± half-width), the difference to its own no-KD baseline and the gap recovered,
/// then its validation score and parameters; and the student that would ship overall, by
/// validation score. Reads each pipeline's `report/metrics.json` only.
public struct PipelineComparison {
    public struct Entry: Equatable, Sendable {
        /// What the table calls the pipeline: its name, or its file when two pipelines share a name.
        public var label: String
        /// The pipeline file as given.
        public var file: String
        public var evaluation: EvaluationReport
    }

    /// In argument order.
    public var entries: [Entry]

    /// - Parameter pipelines: each pipeline file with its `metrics.json`, in argument order.
    public init(_ pipelines: [(file: String, evaluation: EvaluationReport)]) {
        let names = pipelines.map(\.evaluation.pipeline)
        entries = pipelines.map { p in
            Entry(label: names.filter { $0 == p.evaluation.pipeline }.count > 1 ? p.file : p.evaluation.pipeline,
                  file: p.file, evaluation: p.evaluation)
        }
    }

    /// Every task of any pipeline, in order of first appearance, with its primary metric there.
    var tasks: [(name: String, metric: PrimaryMetric)] {
        var seen: [(name: String, metric: PrimaryMetric)] = []
        for e in entries {
            for t in e.evaluation.tasks where !seen.contains(where: { $0.name == t.name }) { seen.append((t.name, PrimaryMetric.of(t))) }
        }
        return seen
    }

    /// The student with the best validation score over every pipeline's own choice; ties go to
    /// the first pipeline given. nil when no pipeline chose one.
    public var ship: (entry: Entry, ship: ShipChoice)? {
        var best: (entry: Entry, ship: ShipChoice)?
        for e in entries {
            guard let s = e.evaluation.ship, s.validationScore.isFinite else { continue }
            if best == nil || s.validationScore > best!.ship.validationScore { best = (e, s) }
        }
        return best
    }

    /// Whether the pipelines' task lists differ (their validation scores then average different tasks).
    var tasksDiffer: Bool { Set(entries.map { $0.evaluation.tasks.map(\.name) }).count > 1 }

    public var markdown: String {
        let tasks = tasks
        var header = "| pipeline | student |", rule = "|---|---|"
        for t in tasks {
            header += " \(t.name) \(t.metric.label) | \(t.name) Δ baseline | \(t.name) gap recovered |"
            rule += "---:|---:|---:|"
        }
        var lines = [header + " validation score | parameters |", rule + "---:|---:|"]
        var reasons = _Reasons()
        for e in entries {
            for s in e.evaluation.models where s.role == .student {
                let c = e.evaluation.comparison(s.name)
                var row = "| \(e.label) | \(ComparisonTable.label(s, c)) |"
                for t in tasks {
                    guard let task = e.evaluation.tasks.first(where: { $0.name == t.name }) else { row += " | | |"; continue }
                    let metric = PrimaryMetric.of(task)
                    let other = metric == t.metric ? "" : " (\(metric.label))"
                    if let tc = c?.tasks[task.name] {
                        row += " \(_Format.mean(tc.metrics[tc.metric]))\(other) | \(_Format.difference(tc.vsBaseline)) |"
                        row += " \(tc.vsBaseline == nil ? _Format.missing : Comparison.gapText(tc.gapRecovered, hasTeacher: task.hasTeacher) { reasons.number($0) }) |"
                    } else {
                        row += " \(_Format.fixed(metric.value(s.tasks[task.name])))\(other) | \(_Format.missing) | \(_Format.missing) |"
                    }
                }
                row += " \(_Format.fixed(c?.validationScore)) | \(_Format.count(s.parameters)) |"
                lines.append(row)
            }
        }
        var text = lines.joined(separator: "\n") + "\n\n" + reasons.markdown
        var legend = "Test split, each task's primary metric: students' mean ± half-width of the 95% t-interval over their replicates"
        legend += " (the plain value for one). Δ baseline = student − its own pipeline's no-KD baseline, with its 95% interval; "
        legend += Significance.legend + "; —: the student is a baseline or has none. Gap recovered = (student − baseline) / (ensemble − baseline)."
        if tasksDiffer { legend += " An empty cell: the pipeline has no such task." }
        legend += " Validation score: the mean over tasks of the primary metric on the validation split, which chooses the student to ship."
        text += _Format.wrap(legend, width: ComparisonTable.width) + "\n\n"
        if let (entry, ship) = ship {
            text += ShipLine.text(ship, replicates: entry.evaluation.comparison(ship.student)?.replicates, pipeline: entry.label) + "\n"
            if tasksDiffer {
                text += _Format.wrap("The pipelines differ in tasks: their validation scores average different tasks, so this choice "
                                     + "compares unlike numbers.", width: ComparisonTable.width) + "\n"
            }
        } else {
            text += "ship: none — no pipeline chose a student on validation\n"
        }
        return text
    }

    /// `--json` with several pipelines: `{"pipelines": [{"file", "pipeline", "metrics"}], "ship": {"pipeline", "file", "student",
    /// "validation_score", "parameters", "ensemble_parameters"} | null}` with sorted keys; `metrics` is each `metrics.json`.
    public func json() throws -> Data {
        struct Pipeline: Encodable { var file: String; var pipeline: String; var metrics: EvaluationReport }
        struct Ship: Encodable {
            var pipeline: String, file: String, choice: ShipChoice
            enum Keys: String, CodingKey { case pipeline, file }
            func encode(to encoder: Encoder) throws {
                try choice.encode(to: encoder)
                var c = encoder.container(keyedBy: Keys.self)
                try c.encode(pipeline, forKey: .pipeline)
                try c.encode(file, forKey: .file)
            }
        }
        struct All: Encodable {
            var pipelines: [Pipeline]
            var ship: Ship?
            enum Keys: String, CodingKey { case pipelines, ship }
            func encode(to encoder: Encoder) throws {
                var c = encoder.container(keyedBy: Keys.self)
                try c.encode(pipelines, forKey: .pipelines)
                try c.encode(ship, forKey: .ship)  // null when no pipeline chose
            }
        }
        let all = All(pipelines: entries.map { Pipeline(file: $0.file, pipeline: $0.label, metrics: $0.evaluation) },
                      ship: ship.map { Ship(pipeline: $0.entry.label, file: $0.entry.file, choice: $0.ship) })
        return try JSONEncoder.sorted.encode(all) + Data("\n".utf8)
    }
}

extension EvaluationReport {
    /// `--json` with one pipeline: the content of `metrics.json` (models, comparisons, ship), sorted keys.
    public func json() throws -> Data { try JSONEncoder.sorted.encode(self) + Data("\n".utf8) }
}
