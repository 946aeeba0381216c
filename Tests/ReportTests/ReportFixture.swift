import Artifacts
import Foundation
import Metrics
import MultiTask
import NN
import Report
import Tensor

/// A small artifacts folder with known numbers, written with the Artifacts writers:
/// three tasks (species: 3 classes with teachers; sex: binary, no teacher; mass: regression
/// with teachers), two members per ensemble, and three students: `kd` (hard sharing, KD,
/// 3 replicates), `base` (hard sharing, no KD: the baseline, 3 replicates) and `xs`
/// (cross-stitch, KD, two stitch layers, 1 replicate: compared by the paired bootstrap).
///
/// The comparisons (`Self.comparisons`): kd beats base on species and mass beyond noise, and
/// is within noise of it on sex (a loss) and of the teachers; xs gains +0.15 R² on mass over
/// base but within noise, and +0.003 AUC on sex within noise; base loses to the mass teachers.
/// The gap recovered is n/a on species (the teachers are not better than base) and for xs on
/// mass. kd ships (best validation score) although xs has the better mean test score.
struct ReportFixture {
    let root: String
    let folder: String
    let input: ReportInput
    let evaluation: EvaluationReport
    let timings: Timings
    /// Model files by network name, as written.
    let models: [String: ModelFile]

    static let tasks = [
        EvaluationReport.Task(name: "species", kind: "classification", classes: ["a", "b", "c"], hasTeacher: true),
        EvaluationReport.Task(name: "sex", kind: "classification", classes: ["female", "male"], hasTeacher: false),
        EvaluationReport.Task(name: "mass", kind: "regression", classes: [], hasTeacher: true),
    ]
    static let heads = [TaskHead(name: "species", kind: .classification, outputs: 3),
                        TaskHead(name: "sex", kind: .classification, outputs: 2),
                        TaskHead(name: "mass", kind: .regression, outputs: 1)]
    /// The learned matrices of `xs`, layer 0 and layer 1 (rows: tasks in head order).
    static let stitch: [[[Float]]] = [
        [[0.8, 0.15, 0.05], [0.25, 0.7, 0.05], [0.1, 0.2, 0.7]],
        [[0.95, 0.03, 0.02], [0.5, 0.5, 0.0], [-0.1, 0.3, 0.8]],
    ]

    static func species(_ acc: Double, _ f1: Double, _ loss: Double) -> TaskMetrics {
        TaskMetrics(rows: 50, accuracy: acc, macroF1: f1, logLoss: loss)
    }
    static func sex(_ acc: Double, _ f1: Double, _ auc: Double, _ loss: Double) -> TaskMetrics {
        TaskMetrics(rows: 48, accuracy: acc, macroF1: f1, auc: auc, logLoss: loss)
    }
    static func mass(_ rmse: Double, _ r2: Double) -> TaskMetrics { TaskMetrics(rows: 50, rmse: rmse, r2: r2) }

    /// A mean over `n` replicates with its t-interval ± `half` (bounds nil for one replicate).
    static func mean(_ estimate: Double, _ half: Double, n: Int = 3) -> Statistics.Interval {
        Statistics.Interval(estimate: estimate, low: n > 1 ? estimate - half : nil, high: n > 1 ? estimate + half : nil,
                            level: 0.95, method: .t, n: n)
    }
    /// A difference with its interval and p-value (paired t over 3 replicates, or the bootstrap over `n` test rows).
    static func diff(_ estimate: Double, _ low: Double, _ high: Double, p: Double, bootstrap: Bool = false, n: Int = 3) -> Statistics.Comparison {
        Statistics.Comparison(interval: .init(estimate: estimate, low: low, high: high, level: 0.95,
                                              method: bootstrap ? .bootstrap : .pairedT, n: n), pValue: p)
    }

    static let comparisons: [StudentComparison] = [
        StudentComparison(student: "kd", distill: "soft", baseline: "base", replicates: 3, validationScore: 0.9, tasks: [
            "species": TaskComparison(metric: "accuracy",
                                      metrics: ["accuracy": mean(0.95, 0.01), "macro_f1": mean(0.945, 0.012), "log_loss": mean(0.2, 0.02)],
                                      vsBaseline: diff(0.02, 0.005, 0.035, p: 0.0312), vsEnsemble: diff(0.03, -0.01, 0.07, p: 0.1204),
                                      gapRecovered: .notApplicable(reason: "the ensemble is not better than the baseline (ensemble − baseline = -0.01)")),
            "sex": TaskComparison(metric: "auc",
                                  metrics: ["accuracy": mean(0.85, 0.02), "macro_f1": mean(0.84, 0.02), "auc": mean(0.91, 0.015), "log_loss": mean(0.35, 0.03)],
                                  vsBaseline: diff(-0.04, -0.09, 0.01, p: 0.0811), vsEnsemble: nil, gapRecovered: nil),
            "mass": TaskComparison(metric: "r2", metrics: ["rmse": mean(392, 8), "r2": mean(0.829, 0.006)],
                                   vsBaseline: diff(0.129, 0.1, 0.158, p: 0.0009), vsEnsemble: diff(-0.001, -0.02, 0.018, p: 0.8),
                                   gapRecovered: .value(.init(estimate: 0.9923, low: 0.85, high: 1.15, level: 0.95, method: .fieller, n: 3)))]),
        StudentComparison(student: "base", distill: "none", baseline: nil, replicates: 3, validationScore: 0.88, tasks: [
            "species": TaskComparison(metric: "accuracy",
                                      metrics: ["accuracy": mean(0.93, 0.02), "macro_f1": mean(0.925, 0.02), "log_loss": mean(0.22, 0.02)],
                                      vsBaseline: nil, vsEnsemble: diff(0.01, -0.02, 0.04, p: 0.41), gapRecovered: nil),
            "sex": TaskComparison(metric: "auc",
                                  metrics: ["accuracy": mean(0.88, 0.01), "macro_f1": mean(0.87, 0.01), "auc": mean(0.95, 0.01), "log_loss": mean(0.3, 0.01)],
                                  vsBaseline: nil, vsEnsemble: nil, gapRecovered: nil),
            "mass": TaskComparison(metric: "r2", metrics: ["rmse": mean(450, 10), "r2": mean(0.7, 0.01)],
                                   vsBaseline: nil, vsEnsemble: diff(-0.13, -0.16, -0.1, p: 0.00004), gapRecovered: nil)]),
        StudentComparison(student: "xs", distill: "soft", baseline: "base", replicates: 1, validationScore: 0.86, tasks: [
            "species": TaskComparison(metric: "accuracy",
                                      metrics: ["accuracy": mean(0.9, 0, n: 1), "macro_f1": mean(0.8875, 0, n: 1), "log_loss": mean(0.28, 0, n: 1)],
                                      vsBaseline: diff(-0.03, -0.07, 0.01, p: 0.16, bootstrap: true, n: 50),
                                      vsEnsemble: diff(-0.02, -0.06, 0.02, p: 0.34, bootstrap: true, n: 50),
                                      gapRecovered: .notApplicable(reason: "the ensemble is not better than the baseline (ensemble − baseline = -0.01)")),
            "sex": TaskComparison(metric: "auc",
                                  metrics: ["accuracy": mean(0.86, 0, n: 1), "macro_f1": mean(0.855, 0, n: 1), "auc": mean(0.953, 0, n: 1),
                                            "log_loss": mean(0.33, 0, n: 1)],
                                  vsBaseline: diff(0.003, -0.01, 0.016, p: 0.62, bootstrap: true, n: 48), vsEnsemble: nil, gapRecovered: nil),
            "mass": TaskComparison(metric: "r2", metrics: ["rmse": mean(370, 0, n: 1), "r2": mean(0.85, 0, n: 1)],
                                   vsBaseline: diff(0.15, -0.02, 0.32, p: 0.07, bootstrap: true, n: 50),
                                   vsEnsemble: diff(0.02, 0.004, 0.036, p: 0.02, bootstrap: true, n: 50),
                                   gapRecovered: .notApplicable(reason: "the ensemble's gain over the baseline is within noise (bootstrap interval of ensemble − baseline [-0.02, 0.29] reaches 0)"))]),
    ]
    static let ship = ShipChoice(student: "kd", validationScore: 0.9, parameters: 321, ensembleParameters: 3600)

    init(withModels: Bool = true) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("report-tests-\(UUID().uuidString)").path
        folder = (root as NSString).appendingPathComponent("demo")
        let layout = ArtifactLayout(root: folder)
        input = ReportInput(artifactsFolder: folder, pipelineName: "demo", pipelineFile: "pipelines/demo.yaml",
                            students: [.init(name: "kd", architecture: "hard-sharing", distill: .soft),
                                       .init(name: "base", architecture: "hard-sharing", distill: .none),
                                       .init(name: "xs", architecture: "cross-stitch", distill: .soft)],
                            teacherTasks: ["species", "mass"])
        var evaluation = EvaluationReport(pipeline: "demo", split: "test", tasks: Self.tasks, models: [
            ModelEvaluation(name: "species/member-0", role: .teacherMember, architecture: "mlp", parameters: 1000,
                            tasks: ["species": Self.species(0.90, 0.89, 0.31)]),
            ModelEvaluation(name: "species/member-1", role: .teacherMember, architecture: "mlp", parameters: 1000,
                            tasks: ["species": Self.species(0.94, 0.93, 0.27)]),
            ModelEvaluation(name: "species/ensemble", role: .teacherEnsemble, architecture: "ensemble", parameters: 2000,
                            tasks: ["species": Self.species(0.92, 0.915, 0.25)]),
            ModelEvaluation(name: "mass/member-0", role: .teacherMember, architecture: "mlp", parameters: 800,
                            tasks: ["mass": Self.mass(410.5, 0.80)]),
            ModelEvaluation(name: "mass/member-1", role: .teacherMember, architecture: "mlp", parameters: 800,
                            tasks: ["mass": Self.mass(380.25, 0.84)]),
            ModelEvaluation(name: "mass/ensemble", role: .teacherEnsemble, architecture: "ensemble", parameters: 1600,
                            tasks: ["mass": Self.mass(390.125, 0.83)]),
            ModelEvaluation(name: "kd", role: .student, architecture: "hard-sharing", parameters: 321, tasks: [
                "species": Self.species(0.95, 0.945, 0.2), "sex": Self.sex(0.85, 0.84, 0.91, 0.35), "mass": Self.mass(392.0, 0.829)]),
            ModelEvaluation(name: "base", role: .student, architecture: "hard-sharing", parameters: 321, tasks: [
                "species": Self.species(0.93, 0.925, 0.22), "sex": Self.sex(0.88, 0.87, 0.95, 0.3), "mass": Self.mass(450.0, 0.70)]),
            ModelEvaluation(name: "xs", role: .student, architecture: "cross-stitch", parameters: 654, tasks: [
                "species": Self.species(0.90, 0.8875, 0.28), "sex": Self.sex(0.86, 0.855, 0.953, 0.33), "mass": Self.mass(370.0, 0.85)]),
        ])
        evaluation.comparisons = Self.comparisons
        evaluation.ship = Self.ship
        self.evaluation = evaluation
        timings = Timings(stages: [
            "teachers": .init(seconds: 10, finished: "2026-01-01T00:00:00Z", networks: [
                "species/member-0": .init(trainingSeconds: 1.5, examplesPerSecond: 1000),
                "species/member-1": .init(trainingSeconds: 2.5, examplesPerSecond: 3000),
                "mass/member-0": .init(trainingSeconds: 1.25, examplesPerSecond: 2000),
                "mass/member-1": .init(trainingSeconds: 1.75, examplesPerSecond: 4000)]),
            "student:kd": .init(seconds: 3, finished: "2026-01-01T00:00:00Z", networks: ["kd": .init(trainingSeconds: 2.75, examplesPerSecond: 50_000)]),
            "student:base": .init(seconds: 3, finished: "2026-01-01T00:00:00Z", networks: ["base": .init(trainingSeconds: 2.5, examplesPerSecond: 52_000)]),
            "student:xs": .init(seconds: 5, finished: "2026-01-01T00:00:00Z", networks: ["xs": .init(trainingSeconds: 4.5, examplesPerSecond: 20_000)]),
            "evaluate": .init(seconds: 1, finished: "2026-01-01T00:00:00Z", networks: [
                "species/member-0": .init(inferenceExamplesPerSecond: 1_000_000),
                "species/member-1": .init(inferenceExamplesPerSecond: 3_000_000),
                "mass/member-0": .init(inferenceExamplesPerSecond: 2_000_000),
                "mass/member-1": .init(inferenceExamplesPerSecond: 2_000_000),
                "kd": .init(inferenceExamplesPerSecond: 8_000_000),
                "base": .init(inferenceExamplesPerSecond: 8_100_000),
                "xs": .init(inferenceExamplesPerSecond: 3_500_000)]),
        ])
        try evaluation.write(to: layout.metrics)
        try timings.write(to: layout.timings)
        try Data("# demo: test metrics\n\nwritten by the evaluate stage\n".utf8).write(to: URL(fileURLWithPath: layout.reportMarkdown))

        var models: [String: ModelFile] = [:]
        if withModels {
            for (k, task) in [(0, "species"), (1, "species"), (0, "mass"), (1, "mass")] {
                let head = Self.heads.first { $0.name == task }!
                let model = try Self.model(role: "teacher", name: "\(task)/member-\(k)", architecture: "hard-sharing", hidden: [3],
                                           tasks: [head], epochs: 6 + k, bestEpoch: 4 + k, offset: Double(k) * 0.01)
                try model.write(to: layout.teacherMember(task: task, member: k))
                models[model.name] = model
            }
            for (i, (name, architecture)) in [("kd", "hard-sharing"), ("base", "hard-sharing"), ("xs", "cross-stitch")].enumerated() {
                var model = try Self.model(role: "student", name: name, architecture: architecture, hidden: [4, 3],
                                           tasks: Self.heads, epochs: 8, bestEpoch: 5 + i, offset: Double(i) * 0.02)
                if architecture == "cross-stitch" {
                    for (p, parameter) in model.parameters.enumerated() where parameter.name.hasPrefix("stitch.") {
                        let layer = Int(parameter.name.dropFirst("stitch.".count))!
                        model.parameters[p].value = Matrix(rows: 3, cols: 3, storage: Self.stitch[layer].flatMap { $0 })
                    }
                }
                try model.write(to: layout.student(name))
                models[name] = model
            }
        }
        self.models = models
    }

    /// A model file whose history is known: epoch e (1-based) has train loss 2/e + offset,
    /// validation score 0.5 + 0.04·e + offset, and task t's metric 0.4 + 0.05·e + 0.01·t; the
    /// second task's metric is NaN at epoch 2 (no labels).
    static func model(role: String, name: String, architecture: String, hidden: [Int], tasks: [TaskHead],
                      epochs: Int, bestEpoch: Int, offset: Double) throws -> ModelFile {
        let blueprint = NetworkBlueprint(architecture: architecture, inputs: 4, hidden: hidden, dropout: 0, tasks: tasks)
        let network = try NetworkFactory.make(blueprint, seed: 7)
        var history: [EpochRecord] = []
        for e in 1...epochs {
            let x = Double(e)
            var metrics: [Double] = []
            for t in tasks.indices { metrics.append(t == 1 && e == 2 ? Double.nan : 0.4 + 0.05 * x + 0.01 * Double(t)) }
            let trainLoss: Double = 2 / x + offset
            let score: Double = 0.5 + 0.04 * x + offset
            history.append(EpochRecord(epoch: e, trainLoss: trainLoss, taskLosses: tasks.map { _ in 1 / x },
                                       validationMetrics: metrics, validationScore: score, seconds: 0.1, examplesPerSecond: 100))
        }
        return ModelFile(role: role, name: name, blueprint: blueprint, seed: 7,
                         parameters: network.parameters.map { ($0.name, $0.value) }, history: history, bestEpoch: bestEpoch)
    }

    var layout: ArtifactLayout { ArtifactLayout(root: folder) }

    func load() throws -> Comparison { try Comparison.load(input) }

    /// Deletes the folder (kept when MTKD_KEEP_TEST_ARTIFACTS is set, to look at the pages).
    func remove() {
        guard ProcessInfo.processInfo.environment["MTKD_KEEP_TEST_ARTIFACTS"] == nil else { return }
        try? FileManager.default.removeItem(atPath: root)
    }
}

/// The cells of the Markdown table that starts with `header` (rows after the rule line).
func markdownRows(_ text: String, header: String) -> [[String]] {
    let lines = text.components(separatedBy: "\n")
    guard let start = lines.firstIndex(where: { $0.hasPrefix(header) }) else { return [] }
    var rows: [[String]] = []
    for line in lines[(start + 2)...] {
        guard line.hasPrefix("|") else { break }
        rows.append(line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
            .map { $0.trimmingCharacters(in: .whitespaces) })
    }
    return rows
}

/// Every match of `pattern` in `text`: the capture groups of each.
func matches(_ pattern: String, in text: String) -> [[String]] {
    let regex = try! NSRegularExpression(pattern: pattern, options: [.dotMatchesLineSeparators])
    let ns = text as NSString
    return regex.matches(in: text, range: NSRange(location: 0, length: ns.length)).map { m in
        (1..<m.numberOfRanges).map { m.range(at: $0).location == NSNotFound ? "" : ns.substring(with: m.range(at: $0)) }
    }
}

/// The value of attribute `name` in the first tag of `tag` (text up to the first `>`).
func attribute(_ name: String, in tag: String) -> String? {
    matches("\\b\(name)=\"([^\"]*)\"", in: String(tag.prefix { $0 != ">" })).first?.first
}
