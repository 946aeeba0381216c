import Artifacts
import Foundation
import Tensor

/// What `mtkd unit` records in `units/<id>.json`: when the unit started, how it ended, and its
/// network's speed. An executor reads it to know how a unit it launched ended.
public struct UnitState: Codable, Equatable, Sendable {
    public enum Phase: String, Codable, Sendable { case running, done, failed, interrupted }
    public var unit: String
    public var state: Phase
    /// The Slurm job (`123_4` for a task of an array), when the unit ran under Slurm.
    public var job: String?
    public var host: String
    public var pid: Int32
    /// ISO 8601 with milliseconds.
    public var started: String
    public var finished: String?
    /// True when the output was current and nothing was trained.
    public var reused: Bool?
    /// Why the unit failed or stopped.
    public var message: String?
    public var networks: [String: Timings.NetworkTiming]
    /// A stage unit that ended done: the fingerprint its outputs were made under and their hashes
    /// (by lock name), which the driver checks before recording the stage.
    public var fingerprint: String?
    public var outputs: [String: FileHash]?

    enum CodingKeys: String, CodingKey { case unit, state, job, host, pid, started, finished, reused, message, networks, fingerprint, outputs }

    /// `units/<id>.json` in the artifacts folder.
    public static func path(_ unit: WorkUnit, _ layout: ArtifactLayout) -> String { layout.path("units/\(unit.id).json") }

    /// The state file of `unit`, nil when absent or unreadable (being replaced, say).
    public static func read(_ unit: WorkUnit, _ layout: ArtifactLayout) -> UnitState? {
        guard let data = FileManager.default.contents(atPath: path(unit, layout)) else { return nil }
        return try? JSONDecoder().decode(UnitState.self, from: data)
    }

    func write(_ layout: ArtifactLayout, unit: WorkUnit) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicWrite.write(try encoder.encode(self), to: Self.path(unit, layout))
    }
}

/// A unit that failed: exit code 1, naming the unit.
public struct UnitFailure: Error, LocalizedError {
    public var unit: String
    public var reason: String
    public var errorDescription: String? { "unit \(unit) failed: \(reason)" }
}

/// Runs one unit on its own against the artifacts folder (`mtkd unit PIPELINE ID`), as an
/// executor's job does: it takes the unit's own lock (never the run lock, which the driver
/// holds), writes `units/<id>.json` when it starts and ends, and trains through the same stage
/// code as `mtkd run`. A unit whose output is current exits at once; one whose checkpoint
/// matches resumes from it.
public struct UnitRunner {
    public let spec: PipelineSpec
    public let layout: ArtifactLayout
    public let console: Console
    /// OpenBLAS threads for matrix products.
    public let threads: Int
    /// Under `mpirun -np N` (N > 1), on rank 0: the ranks that train a student replicate with it
    /// (the others follow `DataParallelFollower`, as under `mtkd run`). Teacher members train in one process.
    public var ranks: RankGroup?

    public init(spec: PipelineSpec, console: Console, threads: Int = 1) {
        self.spec = spec; self.threads = threads
        self.layout = ArtifactLayout(root: spec.artifactsDirectory)
        self.console = console
    }

    /// `units/<id>.lock`: two copies of one unit never write at once.
    public static func lockPath(_ unit: WorkUnit, _ layout: ArtifactLayout) -> String { layout.path("units/\(unit.id).lock") }

    /// Runs `unit`; returns its final state (also written to `units/<id>.json`).
    @discardableResult
    public func run(_ unit: WorkUnit) throws -> UnitState {
        if let ranks, case .teacherMember = unit.kind {
            throw UnitError(message: "\(unit.id) is a teacher member: it trains in one process, not over \(ranks.size) MPI ranks (run it without mpirun)")
        }
        if let ranks, case .stage = unit.kind {
            throw UnitError(message: "\(unit.id) is a stage: it runs in one process, not over \(ranks.size) MPI ranks (run it without mpirun)")
        }
        let unitLock: RunLock
        do { unitLock = try RunLock(path: Self.lockPath(unit, layout)) } catch let busy as RunLock.Busy {
            throw UnitFailure(unit: unit.id, reason: "another copy of this unit is running (\(busy.owner))")
        }
        defer { unitLock.release() }
        // How it ended last time: a stage unit that made its outputs then (and was not recorded) is current.
        let last = UnitState.read(unit, layout)
        BLAS.setThreads(threads)
        let env = ProcessInfo.processInfo.environment
        let job = env["SLURM_ARRAY_JOB_ID"].flatMap { a in env["SLURM_ARRAY_TASK_ID"].map { "\(a)_\($0)" } } ?? env["SLURM_JOB_ID"]
        let now = { () -> String in
            let f = ISO8601DateFormatter()
            f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            return f.string(from: Date())
        }
        var state = UnitState(unit: unit.id, state: .running, job: job, host: ProcessInfo.processInfo.hostName,
                              pid: getpid(), started: now(), networks: [:])
        try state.write(layout, unit: unit)
        let over = ranks.map { ", data-parallel over \($0.size) MPI ranks" } ?? ""
        console.info("mtkd unit \(unit.id) (pipeline \(spec.name)\(job.map { ", job \($0)" } ?? ""), pid \(getpid()) on \(state.host)\(over))")
        let timings = NetworkTimings()
        do {
            guard let d = StageDefinition.all(spec).first(where: { $0.name == unit.stage }) else {
                throw UnitFailure(unit: unit.id, reason: "its stage \(unit.stage) is not in the pipeline")
            }
            let hasher = FileHasher()
            let checker = StageChecker(layout: layout, hasher: hasher, pipelineFile: spec.file)
            let inputs = try checker.inputHashes(d)
            // The lock as the driver last wrote it: which outputs it recorded (an unreadable one records none).
            let previous = ((try? LockFile.read(from: layout.lock)) ?? nil)?.stages[d.name.description]
            var context = StageContext(spec: spec, layout: layout, console: console, timings: timings)
            context.ranks = ranks
            let work = UnitWork(context: context, definition: d, inputs: inputs, force: false,
                                isTrusted: UnitWork.trust(previous: previous, layout: layout, hasher: hasher))
            if work.isCurrent(unit, last: last) {
                console.info("  \(unit.id): up to date, reusing \(layout.relative(unit.output(layout)))")
                state.reused = true
            } else {
                try work.run(unit, dataset: try PreparedDataset.read(from: layout.dataset, features: false))
                state.reused = false
            }
            if case .stage = unit.kind {
                state.fingerprint = work.fingerprint
                state.outputs = try work.outputHashes()
            }
        } catch {
            state.state = Interruption.requested ? .interrupted : .failed
            state.message = (error as? LocalizedError)?.errorDescription ?? "\(error)"
            state.finished = now()
            try? state.write(layout, unit: unit)  // the error below is what matters
            if Interruption.requested {
                throw Interruption.Stopped(message: "interrupted; unit \(unit.id) resumes from its last checkpoint when run again")
            }
            if error is UnitFailure { throw error }
            throw UnitFailure(unit: unit.id, reason: state.message!)
        }
        state.state = .done
        state.finished = now()
        state.networks = timings.all
        try state.write(layout, unit: unit)
        return state
    }
}
