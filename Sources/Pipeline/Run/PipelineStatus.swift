import Artifacts
import Foundation
import HDF5

/// One stage's line in `mtkd status`.
public struct StageStatusReport: Equatable, Sendable, Codable {
    public var stage: String
    /// "up to date", "stale", "never run", "interrupted", "running" (a run in progress holds a checkpoint,
    /// or Slurm still runs units a driver submitted)
    public var state: String
    /// What changed (stale), or where training will resume (interrupted).
    public var reasons: [String]
    /// Whether `mtkd run` would run it (itself, or because an upstream stage will).
    public var willRun: Bool
    /// The teachers stage of a pipeline that takes them from another: which, and where.
    public var from: Origin? = nil

    /// The pipeline whose teachers are used.
    public struct Origin: Equatable, Sendable, Codable {
        /// Its name: "census-income-gbdt".
        public var pipeline: String
        /// Its file as `mtkd run` takes it (with `--artifacts …` when given).
        public var file: String
        /// The folder of its members: "artifacts/census-income-gbdt/teachers".
        public var teachers: String

        /// "census-income-gbdt (pipelines/census-income-gbdt.yaml, members in artifacts/census-income-gbdt/teachers)"
        public var text: String { "\(pipeline) (\(file), members in \(teachers))" }
    }
}

/// The state of every stage, as `mtkd run` would see it, without running anything.
public struct PipelineStatus: Sendable, Codable {
    public var pipeline: String
    public var artifacts: String
    /// The run holding the artifacts folder now ("pid N, started …"), nil when none does.
    public var running: String?
    public var stages: [StageStatusReport]

    public var upToDate: Bool { stages.allSatisfy { !$0.willRun } }

    public static func of(_ spec: PipelineSpec) throws -> PipelineStatus {
        let layout = ArtifactLayout(root: spec.artifactsDirectory)
        let checker = StageChecker(layout: layout, hasher: FileHasher(), pipelineFile: spec.file)
        // A lock of an older format records nothing this mtkd can trust: every stage would re-run.
        let lock: LockFile?
        do { lock = try LockFile.read(from: layout.lock) } catch is JSONArtifact.OlderVersion { lock = nil }
        let running = RunLock.holder(path: layout.runLock)
        let slurmJobs = SlurmExecutor.activeJobs(layout)
        var willRun = Set<StageName>()
        var reports: [StageStatusReport] = []
        for d in StageDefinition.all(spec) {
            var state = try checker.state(of: d, lock: lock)
            if state == .upToDate, spec.executor.kind == .slurm {
                // As the Slurm driver decides: students trained over another number of ranks than the file's student_ranks.
                let r = SlurmExecutor.otherRankCounts(d, spec: spec, layout: layout, checker: checker, ranks: spec.executor.studentRanks)
                if !r.isEmpty { state = .stale(r) }
            }
            var label = state.label
            var reasons: [String] = []
            if case .stale(let r) = state { reasons = r }
            let upstream = d.upstream.filter { willRun.contains($0) }
            if state == .upToDate, !upstream.isEmpty {
                label = "stale"
                reasons = upstream.map { "upstream stage \($0) will re-run" }
            }
            if state != .upToDate || !upstream.isEmpty {
                willRun.insert(d.name)
                if let epoch = try Self.checkpointEpoch(d, spec: spec, layout: layout) {
                    // A checkpoint of a run in progress is work under way, not an interruption.
                    label = running == nil ? "interrupted" : "running"
                    reasons.append(epoch)
                }
                if let job = slurmJobs[d.name.description] {
                    label = "running"
                    reasons.append("units queued or running under Slurm (job \(job)); `mtkd run --executor slurm` waits for them")
                }
            }
            var from: StageStatusReport.Origin?
            if d.name == .teachers, let source = spec.teacherSource {
                from = .init(pipeline: source.pipeline.name, file: source.command,
                             teachers: PrepareStage.display(ArtifactLayout(root: source.pipeline.artifactsDirectory).path("teachers")))
                // What `mtkd run` would refuse with, said now.
                if let problem = try TeacherSourceStage.problem(source, hasher: checker.hasher) { reasons.append(problem) }
            }
            reports.append(StageStatusReport(stage: d.name.description, state: label, reasons: reasons, willRun: willRun.contains(d.name),
                                             from: from))
        }
        return PipelineStatus(pipeline: spec.name, artifacts: layout.root, running: running, stages: reports)
    }

    /// "resumes … at epoch N" from the stage's training checkpoints, if any.
    static func checkpointEpoch(_ d: StageDefinition, spec: PipelineSpec, layout: ArtifactLayout) throws -> String? {
        let points = resumePoints(d, spec: spec, layout: layout)
        guard !points.isEmpty else { return nil }
        return points.map { p in p.epoch.map { "\(p.network) resumes at epoch \($0)" } ?? "\(p.network): unreadable checkpoint (will be retrained)" }
            .joined(separator: ", ")
    }

    /// The networks of a stage that have a training checkpoint, and the epoch each resumes at
    /// (nil: the checkpoint cannot be read and the network trains from scratch).
    static func resumePoints(_ d: StageDefinition, spec: PipelineSpec, layout: ArtifactLayout) -> [(network: String, epoch: Int?)] {
        var paths: [(String, String)] = []
        switch d.name {
        case .teachers:
            for (t, m) in spec.teacherMembers where t.kind == .mlp {  // GBDT members have no checkpoint
                paths.append(("\(t.task)/member-\(m)", layout.teacherCheckpoint(task: t.task, member: m)))
            }
        case .student(let v):
            let replicates = spec.students.first { $0.name == v }?.replicates ?? 1
            for k in 0..<replicates { paths.append((ArtifactLayout.replicateName(v, k), layout.studentCheckpoint(v, replicate: k))) }
        default: return []
        }
        return paths.filter { FileManager.default.fileExists(atPath: $0.1) }.map { name, path in
            let epoch = (try? FileSeal.verify(path)).flatMap { try? H5File.open(path).root.group("state").attributes.int("epoch") }
            return (name, epoch.map { Int($0) + 1 })
        }
    }

    /// The human-readable table.
    public var text: String {
        var lines: [String] = []
        let width = max(12, stages.map(\.stage.count).max() ?? 0)
        for s in stages {
            let pad = String(repeating: " ", count: width - s.stage.count)
            lines.append("  \(s.stage)\(pad)  \(s.state)" + (s.from.map { ", from \($0.text)" } ?? ""))
            for r in s.reasons { lines.append("  \(String(repeating: " ", count: width))    - \(r)") }
        }
        if let running { lines.append("a run is in progress (\(running)): states change as it goes") }
        if upToDate { lines.append("pipeline \(pipeline) is up to date") }
        return lines.joined(separator: "\n")
    }
}
