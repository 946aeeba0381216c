import Artifacts
import Foundation

/// Everything `mtkd report` shows, read from a pipeline's artifact files: test metrics of
/// every model, what each student gained or lost per task, size and speed, training curves
/// and cross-stitch matrices. Render it with `markdown` and `html`.
public struct Comparison {
    /// A student of the report, how it learned, and its no-KD reference.
    public struct Student: Equatable, Sendable {
        public var evaluation: ModelEvaluation
        /// nil when the pipeline no longer lists the student.
        public var distill: ReportInput.Distillation?
        /// The no-KD student it is compared with; nil for a baseline itself or when there is none.
        public var baseline: String?
        public var name: String { evaluation.name }
    }

    public var input: ReportInput
    public var evaluation: EvaluationReport
    /// Students in `metrics.json` order.
    public var students: [Student]
    /// Per student (in order), per task (in task order).
    public var gains: [TaskGain]
    public var costs: [CostRow]
    /// Students first, then teacher members, in `metrics.json` order; networks without a model file are left out.
    public var curves: [TrainingCurve]
    /// Cross-stitch matrices of every student that has them, student by student, layer by layer.
    public var stitches: [StitchMatrix]
    /// What the report could not show, and why.
    public var notes: [String]

    /// - Parameters:
    ///   - models: model files by network name ("kd", "species/member-0"); missing ones have no curve.
    ///   - notes: notes gathered while reading the files.
    public init(input: ReportInput, evaluation: EvaluationReport, timings: Timings, models: [String: ModelFile], notes: [String] = []) {
        self.input = input
        self.evaluation = evaluation
        let evaluated = evaluation.models.filter { $0.role == .student }
        let baselines = evaluated.filter { input.student($0.name)?.distill == ReportInput.Distillation.none }
        students = evaluated.map { s in
            let distill = input.student(s.name)?.distill
            var baseline: String? = nil
            if distill != ReportInput.Distillation.none {
                baseline = (baselines.first { $0.architecture == s.architecture } ?? baselines.first)?.name
            }
            return Student(evaluation: s, distill: distill, baseline: baseline)
        }
        gains = Self.gains(evaluation, students: students, threshold: input.threshold)
        costs = CostRow.rows(evaluation, timings: timings)
        let networks = evaluated + evaluation.models.filter { $0.role == .teacherMember }
        curves = networks.compactMap { m in
            models[m.name].map {
                var curve = TrainingCurve(network: m.name, model: $0)
                curve.architecture = m.architecture  // teachers: "mlp", as in the tables
                return curve
            }
        }
        stitches = evaluated.flatMap { s in models[s.name].map { StitchMatrix.all(student: s.name, model: $0) } ?? [] }

        var notes = notes
        for s in input.students where evaluation.model(s.name) == nil {
            notes.append("student \(s.name) is in the pipeline but not in report/metrics.json; run `mtkd run \(input.pipelineFile)` to evaluate it")
        }
        for s in evaluated where input.student(s.name) == nil {
            notes.append("student \(s.name) is in report/metrics.json but no longer in the pipeline; its distillation is unknown")
        }
        for task in input.teacherTasks where !evaluation.models.contains(where: { $0.role == .teacherEnsemble && $0.tasks[task] != nil }) {
            notes.append("the pipeline has a teacher for \(task) but report/metrics.json has no ensemble for it")
        }
        if !evaluated.isEmpty && baselines.isEmpty {
            notes.append("no no-KD baseline student (`distill: none`) in this pipeline: gains against it are not shown")
        }
        self.notes = notes
    }

    /// Reads `report/metrics.json`, `timings.json` and every model file of `input.artifactsFolder`.
    /// A missing or unreadable model file or timings file becomes a note; missing metrics are an error.
    public static func load(_ input: ReportInput) throws -> Comparison {
        let layout = ArtifactLayout(root: input.artifactsFolder)
        guard FileManager.default.fileExists(atPath: layout.metrics) else {
            throw ReportError.missingMetrics(folder: input.artifactsFolder, pipelineFile: input.pipelineFile)
        }
        let evaluation: EvaluationReport
        do { evaluation = try EvaluationReport.read(from: layout.metrics) } catch {
            throw ReportError.unreadableMetrics(FileSystemError.message(error))
        }
        var notes: [String] = []
        var timings = Timings()
        if !FileManager.default.fileExists(atPath: layout.timings) {
            notes.append("no timings.json: training time and speed are unknown")
        } else {
            do { timings = try Timings.read(from: layout.timings) } catch {
                notes.append("timings.json is unreadable, training time and speed are left out: \(FileSystemError.message(error))")
            }
        }
        var models: [String: ModelFile] = [:]
        for m in evaluation.models where m.role != .teacherEnsemble {
            let path = m.role == .student ? layout.student(m.name) : layout.path("teachers/\(m.name).h5")
            guard FileManager.default.fileExists(atPath: path) else {
                notes.append("no model file \(layout.relative(path)): no curves for \(m.name)")
                continue
            }
            do { models[m.name] = try ModelFile.read(from: path) } catch {
                notes.append("\(layout.relative(path)) is unreadable, no curves for \(m.name): \(FileSystemError.message(error))")
            }
        }
        return Comparison(input: input, evaluation: evaluation, timings: timings, models: models, notes: notes)
    }

    static func gains(_ evaluation: EvaluationReport, students: [Student], threshold: Double) -> [TaskGain] {
        students.flatMap { s in
            evaluation.tasks.map { task in
                let metric = PrimaryMetric.of(task)
                let value = metric.value(s.evaluation.tasks[task.name])
                let teachers = evaluation.models.first { $0.role == .teacherEnsemble && $0.tasks[task.name] != nil }.map {
                    Reference(name: $0.name, value: metric.value($0.tasks[task.name]), student: value, threshold: threshold)
                }
                let baseline = s.baseline.flatMap(evaluation.model).map {
                    Reference(name: $0.name, value: metric.value($0.tasks[task.name]), student: value, threshold: threshold)
                }
                return TaskGain(student: s.name, task: task.name, metric: metric, value: value, teachers: teachers, baseline: baseline)
            }
        }
    }

    /// The gains of one student, in task order.
    public func gains(of student: String) -> [TaskGain] { gains.filter { $0.student == student } }

    /// `report/report.html` of the artifacts folder.
    public var htmlPath: String { ArtifactLayout(root: input.artifactsFolder).path("report/report.html") }
    /// `report/comparison.md` of the artifacts folder: the full Markdown. (`report/report.md`
    /// belongs to the evaluate stage: its hash is in mtkd.lock, so rewriting it would make the stage stale.)
    public var markdownPath: String { ArtifactLayout(root: input.artifactsFolder).path("report/comparison.md") }

    /// Writes `htmlPath` and `markdownPath` atomically.
    public func write() throws {
        try AtomicWrite.write(Data(html.utf8), to: htmlPath)
        try AtomicWrite.write(Data(markdown.utf8), to: markdownPath)
    }
}
