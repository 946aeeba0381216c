import Artifacts
import Foundation

/// Everything `mtkd report` shows, read from a pipeline's artifact files: test metrics of
/// every model, each student against its no-KD baseline and the teachers (intervals, p-values,
/// gap recovered, as evaluate wrote them to `metrics.json`), the student to ship, size and
/// speed, training curves and cross-stitch matrices. Render it with `markdown` and `html`.
public struct Comparison {
    /// A student of the report, how it learned, and its statistics.
    public struct Student: Equatable, Sendable {
        public var evaluation: ModelEvaluation
        /// From `metrics.json`, else the pipeline; nil when neither says.
        public var distill: ReportInput.Distillation?
        /// The no-KD student it is compared with (`metrics.json`); nil for a baseline itself or when there is none.
        public var baseline: String?
        /// Its statistics per task; nil when `metrics.json` has none.
        public var comparison: StudentComparison?
        public var name: String { evaluation.name }
        /// Replicates trained (1 when unknown).
        public var replicates: Int { comparison?.replicates ?? evaluation.replicates?.count ?? 1 }
    }

    public var input: ReportInput
    public var evaluation: EvaluationReport
    /// Students in `metrics.json` order.
    public var students: [Student]
    public var costs: [CostRow]
    /// Students first, then teacher members, in `metrics.json` order; networks without a model file are left out.
    public var curves: [TrainingCurve]
    /// Cross-stitch matrices of every student that has them, student by student, layer by layer.
    public var stitches: [StitchMatrix]
    /// What the report could not show, and why.
    public var notes: [String]

    /// - Parameters:
    ///   - models: model files by network name ("kd" — replicate 0 —, "species/member-0"); missing ones have no curve.
    ///   - boosted: gradient-boosted teacher member files by name ("income/member-0").
    ///   - notes: notes gathered while reading the files.
    public init(input: ReportInput, evaluation: EvaluationReport, timings: Timings, models: [String: ModelFile],
                boosted: [String: GBDTMemberFile] = [:], notes: [String] = []) {
        self.input = input
        self.evaluation = evaluation
        let evaluated = evaluation.models.filter { $0.role == .student }
        students = evaluated.map { s in
            let comparison = evaluation.comparison(s.name)
            let distill = comparison.flatMap { ReportInput.Distillation(rawValue: $0.distill) } ?? input.student(s.name)?.distill
            return Student(evaluation: s, distill: distill, baseline: comparison?.baseline, comparison: comparison)
        }
        costs = CostRow.rows(evaluation, timings: timings)
        let networks = evaluated + evaluation.models.filter { $0.role == .teacherMember }
        curves = networks.compactMap { m in
            if let file = boosted[m.name] { return TrainingCurve(network: m.name, boosted: file) }
            return models[m.name].map {
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
            notes.append("student \(s.name) is in report/metrics.json but no longer in the pipeline")
        }
        for task in input.teacherTasks where !evaluation.models.contains(where: { $0.role == .teacherEnsemble && $0.tasks[task] != nil }) {
            notes.append("the pipeline has a teacher for \(task) but report/metrics.json has no ensemble for it")
        }
        if !evaluated.isEmpty && evaluation.comparisons == nil {
            notes.append("report/metrics.json has no comparisons (written before mtkd compared replicates): no intervals, "
                         + "p-values or gap recovered; `mtkd run \(input.pipelineFile) --force --from evaluate` adds them")
        }
        let baselines = students.filter { $0.distill == ReportInput.Distillation.none }
        if !evaluated.isEmpty && baselines.isEmpty {
            notes.append("no no-KD baseline student (`distill: none`) in this pipeline: nothing says whether distillation helped")
        } else if evaluation.comparisons != nil {
            let alone = students.filter { $0.distill == .soft && $0.baseline == nil }.map(\.name)
            if !alone.isEmpty {
                notes.append("no no-KD baseline of the same architecture for \(alone.joined(separator: ", ")): not compared with one "
                             + "(name one with `baseline:` in the student's entry)")
            }
        }
        self.notes = notes
    }

    /// Reads `report/metrics.json`, `timings.json` and every model file of `input.artifactsFolder`.
    /// A missing or unreadable model file or timings file becomes a note; missing metrics are an error.
    public static func load(_ input: ReportInput) throws -> Comparison {
        let layout = ArtifactLayout(root: input.artifactsFolder)
        let evaluation = try loadEvaluation(input)
        var notes: [String] = []
        var timings = Timings()
        if !FileManager.default.fileExists(atPath: layout.timings) {
            notes.append("no timings.json: training time and speed are unknown")
        } else {
            do { timings = try Timings.read(from: layout.timings) } catch {
                notes.append("timings.json is unreadable, training time and speed are left out: \(FileSystemError.message(error))")
            }
        }
        // Teachers taken from another pipeline: its member files, and its teachers' training times.
        var memberPaths: [String: String] = [:]
        do {
            if let source = try TeacherSourceFile.read(root: layout.root) {
                let folder = source.artifactsFolder(root: layout.root)
                for m in source.members { memberPaths[m.name] = source.path(of: m, root: layout.root) }
                notes.append("the teachers are those of \(source.pipeline) (\(folder)), trained there: their training time is that pipeline's")
                if let trained = try? Timings.read(from: ArtifactLayout(root: folder).timings).stages["teachers"] {
                    var stage = timings.stages["teachers"] ?? trained
                    stage.networks.merge(trained.networks) { mine, _ in mine }
                    timings.stages["teachers"] = stage
                }
            }
        } catch {
            notes.append("teachers/from.json is unreadable, no curves for the teachers: \(FileSystemError.message(error))")
        }
        var models: [String: ModelFile] = [:]
        var boosted: [String: GBDTMemberFile] = [:]
        for m in evaluation.models where m.role != .teacherEnsemble {
            let path = m.role == .student ? layout.student(m.name) : memberPaths[m.name] ?? layout.path("teachers/\(m.name).h5")
            guard FileManager.default.fileExists(atPath: path) else {
                notes.append("no model file \(layout.relative(path)): no curves for \(m.name)")
                continue
            }
            do {
                if m.role == .student {
                    models[m.name] = try ModelFile.read(from: path)
                } else {
                    // A teacher member of either kind.
                    switch try TeacherMemberFile.read(from: path) {
                    case .mlp(let file): models[m.name] = file
                    case .gbdt(let file): boosted[m.name] = file
                    }
                }
            } catch {
                notes.append("\(layout.relative(path)) is unreadable, no curves for \(m.name): \(FileSystemError.message(error))")
            }
        }
        return Comparison(input: input, evaluation: evaluation, timings: timings, models: models, boosted: boosted, notes: notes)
    }

    /// Reads `report/metrics.json` of `input.artifactsFolder` alone (for `--json` and the comparison of pipelines).
    public static func loadEvaluation(_ input: ReportInput) throws -> EvaluationReport {
        let layout = ArtifactLayout(root: input.artifactsFolder)
        guard FileManager.default.fileExists(atPath: layout.metrics) else {
            throw ReportError.missingMetrics(folder: input.artifactsFolder, pipelineFile: input.pipelineFile)
        }
        do { return try EvaluationReport.read(from: layout.metrics) } catch {
            throw ReportError.unreadableMetrics(FileSystemError.message(error))
        }
    }

    /// A student of the report by name.
    public func student(_ name: String) -> Student? { students.first { $0.name == name } }

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
