import Artifacts
import Foundation
import Report
import Tabular
import Tensor

/// Options of `mtkd run`.
public struct RunOptions: Sendable {
    /// OpenBLAS threads for matrix products.
    public var threads: Int
    public init(threads: Int = 1) { self.threads = threads }
}

/// The stages of a pipeline, in the order they run.
public enum StageName: Equatable, Hashable, Sendable, CustomStringConvertible {
    case prepare, teachers, softTargets, student(String), evaluate

    public var description: String {
        switch self {
        case .prepare: return "prepare"
        case .teachers: return "teachers"
        case .softTargets: return "soft-targets"
        case .student(let name): return "student:\(name)"
        case .evaluate: return "evaluate"
        }
    }

    /// Every stage of `spec` (teachers and soft targets only when some task has a teacher).
    public static func all(_ spec: PipelineSpec) -> [StageName] {
        var stages: [StageName] = [.prepare]
        if !spec.teachers.isEmpty { stages += [.teachers, .softTargets] }
        stages += spec.students.map { .student($0.name) }
        stages.append(.evaluate)
        return stages
    }
}

/// A stage that failed: exit code 1, naming the stage.
public struct StageFailure: Error, LocalizedError {
    public var stage: String
    public var underlying: Error
    public var errorDescription: String? {
        let detail = (underlying as? LocalizedError)?.errorDescription ?? "\(underlying)"
        return "stage \(stage) failed: \(detail)"
    }
}

/// Carries out a pipeline stage by stage; every stage reads and writes artifact files only.
public final class PipelineRunner {
    public let spec: PipelineSpec
    public let layout: ArtifactLayout
    public let console: Console
    public let options: RunOptions

    public init(spec: PipelineSpec, console: Console, options: RunOptions = RunOptions()) {
        self.spec = spec
        self.layout = ArtifactLayout(root: spec.artifactsDirectory)
        self.console = console
        self.options = options
    }

    /// Runs every stage; returns the evaluation.
    @discardableResult
    public func run() throws -> EvaluationReport {
        BLAS.setThreads(options.threads)
        let context = StageContext(spec: spec, layout: layout, console: console)
        let clock = ContinuousClock()
        var report: EvaluationReport?
        var dataset: PreparedDataset?
        func loadDataset() throws -> PreparedDataset {
            if let d = dataset { return d }
            let d = try PreparedDataset.read(from: layout.dataset)
            dataset = d
            return d
        }
        console.info("mtkd: pipeline \(spec.name) → \(PrepareStage.display(layout.root))")
        for stage in StageName.all(spec) {
            console.stage(stage.description)
            let start = clock.now
            do {
                switch stage {
                case .prepare:
                    let d = try PrepareStage(spec: spec).prepare(log: { self.console.info("  " + $0) })
                    try d.write(to: layout.dataset)
                    dataset = d
                    let sizes = d.splits.map { "\($0.name) \($0.x.rows)" }.joined(separator: ", ")
                    console.info("  \(d.features.count) features; rows: \(sizes)")
                case .teachers: try TeachersStage(context: context).run(dataset: try loadDataset())
                case .softTargets: try SoftTargetsStage(context: context).run(dataset: try loadDataset())
                case .student(let name):
                    let student = spec.students.first { $0.name == name }!
                    try StudentStage(context: context, student: student).run(dataset: try loadDataset())
                case .evaluate: report = try EvaluateStage(context: context).run(dataset: try loadDataset())
                }
            } catch let error as SpecError {
                throw error
            } catch {
                throw StageFailure(stage: stage.description, underlying: error)
            }
            console.info("  done in \(Format.seconds(elapsedSeconds(clock.now - start)))")
        }
        guard let report else { throw StageFailure(stage: "evaluate", underlying: ArtifactError(path: layout.metrics, "no evaluation was produced")) }
        console.result("\n" + ComparisonTable.markdown(report))
        return report
    }
}

func elapsedSeconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}

extension PipelineSpec {
    /// Reads and validates a pipeline file, reading data files' headers with mtkd's CSV reader.
    public static func load(path: String, artifactsRoot: String? = nil) throws -> PipelineSpec {
        try load(path: path, artifactsRoot: artifactsRoot) { file, delimiter in
            try CSVTable.readHeader(file, options: CSVOptions(delimiter: UInt8(ascii: delimiter.unicodeScalars.first!), header: true))
        }
    }
}
