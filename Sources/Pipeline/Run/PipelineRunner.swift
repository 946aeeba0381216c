import Artifacts
import Foundation
import MultiTask
import Report
import Tabular
import Tensor

/// Options of `mtkd run`.
public struct RunOptions: Sendable {
    /// OpenBLAS threads for matrix products.
    public var threads: Int
    /// Run every selected stage even if it is up to date.
    public var force: Bool
    /// Force this stage and everything after it.
    public var from: String?
    /// Run only this stage (if stale, or with `force`).
    public var only: String?
    /// Networks trained at once: teacher members, and student stages that do not depend on each other.
    public var jobs: Int
    /// Where training units run; nil: as the pipeline file says (`executor:`, local by default).
    public var executor: ExecutorSpec?
    /// The mtkd binary Slurm jobs run (`mtkd unit …`); nil: this process's executable.
    public var binary: String?

    public init(threads: Int = 1, force: Bool = false, from: String? = nil, only: String? = nil, jobs: Int = 1,
                executor: ExecutorSpec? = nil, binary: String? = nil) {
        self.threads = threads; self.force = force; self.from = from; self.only = only; self.jobs = jobs
        self.executor = executor; self.binary = binary
    }
}

/// The stages of a pipeline, in the order they run.
public enum StageName: Equatable, Hashable, Sendable, CustomStringConvertible {
    case prepare, teachers, softTargets, transfer, student(String), evaluate

    public var description: String {
        switch self {
        case .prepare: return "prepare"
        case .teachers: return "teachers"
        case .softTargets: return "soft-targets"
        case .transfer: return "transfer"
        case .student(let name): return "student:\(name)"
        case .evaluate: return "evaluate"
        }
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

/// A bad `--from` / `--only` (exit code 64).
public struct RunOptionError: Error, LocalizedError {
    public var message: String
    public var errorDescription: String? { message }
}

/// Carries out a pipeline stage by stage with DVC's semantics: a stage whose fingerprint and
/// outputs match the lock is skipped; the first stale stage and what depends on it re-run;
/// a stage's lock entry is written only after it succeeded.
public final class PipelineRunner {
    public let spec: PipelineSpec
    public let layout: ArtifactLayout
    public let console: Console
    public let options: RunOptions
    let hasher = FileHasher()
    /// Under `mpirun -np N` (N > 1), on rank 0: the ranks that train each student with it.
    public var ranks: RankGroup?

    public init(spec: PipelineSpec, console: Console, options: RunOptions = RunOptions()) {
        self.spec = spec
        self.layout = ArtifactLayout(root: spec.artifactsDirectory)
        self.console = console
        self.options = options
    }

    /// Checks --from / --only against the pipeline's stages.
    public static func validate(_ options: RunOptions, spec: PipelineSpec) throws {
        let names = StageDefinition.all(spec).map(\.name.description)
        for (flag, value) in [("--from", options.from), ("--only", options.only)] {
            if let v = value, !names.contains(v) {
                throw RunOptionError(message: "\(flag) \(v): no such stage in \(spec.name); stages: \(names.joined(separator: ", "))")
            }
        }
        if options.from != nil && options.only != nil {
            throw RunOptionError(message: "--from and --only cannot be combined")
        }
    }

    /// Runs the stages that need it; returns the evaluation (nil with `--only` of another stage).
    ///
    /// Bad input (a `SpecError`, e.g. a CSV error found by `prepare`) leaves the artifacts as
    /// they were: a folder this run created is removed again, and state files are rewritten
    /// only when a stage completed.
    @discardableResult
    public func run() throws -> EvaluationReport? {
        try Self.validate(options, spec: spec)
        BLAS.setThreads(options.threads)
        let created = Self.firstMissingAncestor(of: layout.root)
        do {
            return try runLocked()
        } catch let error as SpecError {
            if let created { try? FileManager.default.removeItem(atPath: created) }
            throw error
        } catch let error as TeacherSourceError {
            // The teachers this pipeline uses are not ready: nothing of its own was made.
            if let created { try? FileManager.default.removeItem(atPath: created) }
            throw error
        }
    }

    /// The outermost folder of `path` that does not exist yet (nil when `path` exists).
    static func firstMissingAncestor(of path: String) -> String? {
        let fm = FileManager.default
        guard !fm.fileExists(atPath: path) else { return nil }
        var missing = path
        while true {
            let parent = (missing as NSString).deletingLastPathComponent
            if parent == missing || parent.isEmpty || fm.fileExists(atPath: parent) { return missing }
            missing = parent
        }
    }

    private func runLocked() throws -> EvaluationReport? {
        let runLock = try RunLock(path: layout.runLock)
        defer { runLock.release() }
        // Held from the first stage that leads to reading another pipeline's teachers to the end.
        var sourceLock: RunLock?
        defer { sourceLock?.release() }
        console.info("mtkd: pipeline \(spec.name) → \(PrepareStage.display(layout.root))")
        if let previous = runLock.previousOwner {
            console.info("note: the previous run (\(previous)) did not finish; resuming")
        }
        let executor = options.executor ?? spec.executor
        let slurm = executor.kind == .slurm
            ? SlurmExecutor(spec: spec, layout: layout, console: console, settings: executor,
                            binary: options.binary ?? Self.executablePath(), threads: options.threads)
            : nil
        if slurm != nil, let missing = ["sbatch", "squeue"].first(where: { Slurm.which($0) == nil }) {
            throw SlurmError(message: "--executor slurm needs Slurm's commands, and \(missing) is not on PATH")
        }
        if let slurm, slurm.settings.studentRanks > 1, Slurm.which("mpirun") == nil {
            throw SlurmError(message: "student_ranks \(slurm.settings.studentRanks) launches each student replicate with Open MPI's mpirun, "
                             + "which is not on PATH (the jobs inherit this PATH; apt-get install openmpi-bin)")
        }
        // Units a killed driver submitted may still be queued or running: their partial files are not debris.
        let active = SlurmExecutor.activeJobs(layout)
        if active.isEmpty {
            try removeDebris()
        } else if slurm == nil {
            let jobs = active.keys.sorted().map { "\($0): job \(active[$0]!)" }.joined(separator: ", ")
            throw RunOptionError(message: "units of \(spec.name) are still queued or running under Slurm (\(jobs)): "
                                 + "wait for them with `mtkd run --executor slurm`, or stop them with scancel")
        }

        let definitions = StageDefinition.all(spec)
        let checker = StageChecker(layout: layout, hasher: hasher, pipelineFile: spec.file)
        var lock: LockFile
        do { lock = try LockFile.read(from: layout.lock) ?? LockFile(pipeline: spec.name) } catch let e as JSONArtifact.OlderVersion {
            console.info("note: \(layout.relative(e.path)) was written by an older mtkd (format version \(e.found)): every stage re-runs")
            lock = LockFile(pipeline: spec.name)
        } catch let e as ArtifactError {
            let names = definitions.map(\.name.description).joined(separator: ", ")
            throw ArtifactError(path: e.path, e.message + "; delete it and `mtkd run` re-runs every stage (\(names)), "
                                + "reusing teacher members and students whose files still match their settings")
        }
        let recordedLock = lock
        // Entries of stages no longer in the pipeline are dropped.
        let current = Set(definitions.map(\.name.description))
        lock.stages = lock.stages.filter { current.contains($0.key) }
        var timings: Timings
        do { timings = try Timings.read(from: layout.timings) } catch {
            // It only holds wall-clock times: nothing depends on it.
            console.info("warning: \((error as? LocalizedError)?.errorDescription ?? "\(error)"); starting it afresh")
            timings = Timings()
        }
        timings.stages = timings.stages.filter { current.contains($0.key) }
        let fromIndex = options.from.flatMap { f in definitions.firstIndex { $0.name.description == f } }
        let datasetLock = NSLock()
        var dataset: PreparedDataset?
        func loadDataset() throws -> PreparedDataset {
            try datasetLock.withLock {
                if let d = dataset { return d }
                let d = try PreparedDataset.read(from: layout.dataset, features: false)  // stages stream x
                dataset = d
                return d
            }
        }
        var ran = 0
        var index = 0
        while index < definitions.count {
            // Student stages depend only on upstream stages, so a run of them can train at once.
            var group = [definitions[index]]
            // (Not under mpirun: there the ranks train one network at a time together.)
            if case .student = definitions[index].name, options.jobs > 1, slurm == nil, ranks == nil {
                while index + group.count < definitions.count, case .student = definitions[index + group.count].name {
                    group.append(definitions[index + group.count])
                }
            }
            defer { index += group.count }
            var pending: [(definition: StageDefinition, forced: Bool, state: StageState)] = []
            for d in group {
                let name = d.name.description
                if let only = options.only, only != name { continue }
                let position = definitions.firstIndex { $0.name == d.name }!
                // --force with --from forces that stage and what follows; upstream stages run only if stale.
                let forced = fromIndex.map { position >= $0 } ?? options.force
                var state = try checker.state(of: d, lock: lock)
                if state == .upToDate, let slurm {
                    let reasons = SlurmExecutor.otherRankCounts(d, spec: spec, layout: layout, checker: checker, ranks: slurm.settings.studentRanks)
                    if !reasons.isEmpty { state = .stale(reasons) }
                }
                if !forced, state == .upToDate {
                    console.info("==> \(name): up to date, skipping")
                    continue
                }
                pending.append((d, forced, state))
            }
            guard !pending.isEmpty else { continue }
            // Under Slurm, from the first stage the driver does not run itself on, every stage to run is submitted at once.
            let ahead = slurm != nil && !pending.contains { $0.definition.name == .prepare || ($0.definition.name == .teachers && spec.teacherSource != nil) }
            if ahead {
                pending = try aheadStages(Array(definitions[index...]), checker: checker, lock: lock, fromIndex: fromIndex.map { $0 - index },
                                          ranks: slurm!.settings.studentRanks)
            }
            // Teachers taken from another pipeline: checked, and its folder held, before the first
            // stage that reads them, or before preparing (which leads there), so a run that cannot
            // use them stops before doing anything.
            if let source = spec.teacherSource, sourceLock == nil, pending.contains(where: { p in
                let readsMembers = p.definition.inputs.contains { $0.hasPrefix(source.pipeline.artifactsDirectory + "/") }
                return readsMembers || (p.definition.name == .prepare && options.only == nil)
            }) {
                sourceLock = try holdTeacherSource(source)
            }
            if Interruption.requested {
                throw Interruption.Stopped(message: "interrupted; `mtkd run` continues with \(pending[0].definition.name)")
            }
            if ahead {
                ran += try runAhead(pending, among: Array(definitions[index...]), slurm: slurm!, checker: checker, lock: &lock, timings: &timings)
                break
            }
            var results = [(StageLock, Timings.Stage)?](repeating: nil, count: pending.count)
            var failure: Error?
            do {
                try WorkerPool.run(count: pending.count, jobs: options.jobs) { i in
                    let p = pending[i]
                    // A student stage alone uses the workers for its replicates; several share them.
                    results[i] = try runStage(p.definition, forced: p.forced, state: p.state, previous: lock.stages[p.definition.name.description],
                                              checker: checker, studentJobs: pending.count == 1 ? options.jobs : 1,
                                              dataset: { try loadDataset() })
                }
            } catch {
                failure = error
            }
            // Record every stage that succeeded, even when another of the group failed.
            for (i, p) in pending.enumerated() {
                guard let (entry, timing) = results[i] else { continue }
                let name = p.definition.name.description
                lock.stages[name] = entry
                timings.stages[name] = timing
                ran += 1
            }
            if results.contains(where: { $0 != nil }) || lock != recordedLock {
                try lock.write(to: layout.lock)
                try timings.write(to: layout.timings)
            }
            if let failure {
                if let f = failure as? StageFailure, let stopped = f.underlying as? Interruption.Stopped { throw stopped }
                if Interruption.requested { throw Interruption.Stopped(message: interruptedMessage(pending.map(\.definition))) }
                throw failure
            }
        }
        if ran == 0 { console.info("mtkd: pipeline \(spec.name) is up to date") }
        guard options.only == nil || options.only == "evaluate", FileManager.default.fileExists(atPath: layout.metrics) else { return nil }
        let report = try EvaluationReport.read(from: layout.metrics)
        console.result("\n" + ComparisonTable.markdown(report))
        return report
    }

    /// Holds the folder of the pipeline whose teachers this one uses for reading (a run of that
    /// pipeline is refused meanwhile, so no member changes under this run), after checking
    /// that its teachers are up to date; throws `TeacherSourceError` (exit 1) saying what to run.
    private func holdTeacherSource(_ source: TeacherSource) throws -> RunLock? {
        let other = ArtifactLayout(root: source.pipeline.artifactsDirectory)
        var lock: RunLock?
        if FileManager.default.fileExists(atPath: other.root) {
            do { lock = try RunLock.shared(path: other.runLock) } catch let busy as RunLock.Busy {
                throw TeacherSourceError(message: "\(source.pipeline.name), whose teachers this pipeline uses, is being run "
                                         + "(\(busy.owner)): wait for that run to finish, its teachers may change")
            }
        }
        do {
            if let problem = try TeacherSourceStage.problem(source, hasher: hasher) { throw TeacherSourceError(message: problem) }
        } catch {
            lock?.release()
            throw error
        }
        return lock
    }

    /// "interrupted; `mtkd run` resumes …" for the stages that were running.
    private func interruptedMessage(_ stages: [StageDefinition]) -> String {
        let resumes = stages.flatMap { d in
            PipelineStatus.resumePoints(d, spec: spec, layout: layout).map { p in
                "\(d.name) \(p.network) " + (p.epoch.map { "at epoch \($0)" } ?? "from scratch")
            }
        }
        guard !resumes.isEmpty else {
            return "interrupted; `mtkd run` runs \(stages.map(\.name.description).joined(separator: ", ")) again"
        }
        return "interrupted; `mtkd run` resumes \(resumes.joined(separator: ", "))"
    }

    /// The "==> stage (why)" line of a stage about to run.
    func announce(_ name: String, forced: Bool, state: StageState) {
        switch state {
        case _ where forced: console.stage("\(name) (forced)")
        case .neverRun: console.stage("\(name)")
        case .stale(let reasons): console.stage("\(name) (stale: \(reasons.prefix(3).joined(separator: "; "))\(reasons.count > 3 ? "; …" : ""))")
        default: console.stage(name)
        }
    }

    /// Carries out one stage; returns its lock entry and timing (written by the caller).
    private func runStage(_ d: StageDefinition, forced: Bool, state: StageState, previous: StageLock?,
                          checker: StageChecker, studentJobs: Int = 1,
                          dataset: () throws -> PreparedDataset) throws -> (StageLock, Timings.Stage) {
        let name = d.name.description
        announce(name, forced: forced, state: state)
        let clock = ContinuousClock()
        let start = clock.now
        let networks = NetworkTimings()
        let entry: StageLock
        do {
            let inputs = try checker.inputHashes(d)
            let fingerprint = Fingerprint.of(stage: name, params: d.params, inputs: inputs)
            var context = StageContext(spec: spec, layout: layout, console: console, timings: networks)
            context.ranks = ranks
            // An existing output is trusted for reuse only if it is what the lock recorded
            // (or the stage never completed, e.g. it was killed after writing some of its files).
            let work = UnitWork(context: context, definition: d, inputs: inputs, force: forced,
                                isTrusted: UnitWork.trust(previous: previous, layout: layout, hasher: hasher))
            switch d.name {
            case .prepare:
                let prepared = try PrepareStage(spec: spec).run(writingTo: layout.dataset, log: { self.console.info("  " + $0) })
                let sizes = zip(PreparedDataset.splitNames, prepared.rows).map { "\($0) \($1)" }.joined(separator: ", ")
                console.info("  \(prepared.features.count) features; rows: \(sizes)")
            case .teachers where spec.teacherSource != nil:
                try TeacherSourceStage(context: context, source: spec.teacherSource!).run(hasher: hasher)
            case .teachers:
                try work.teachers.run(dataset: try dataset(), jobs: options.jobs)
            case .softTargets, .transfer, .evaluate:
                try work.runStage(d.name, dataset: try dataset(), jobs: options.jobs)
            case .student(let variant):
                try work.student(variant).run(dataset: try dataset(), jobs: studentJobs)
            }
            var outputs: [String: FileHash] = [:]
            for path in d.outputs {
                guard let h = try hasher.hash(path) else { throw ArtifactError(path: path, "the stage did not write this output") }
                outputs[layout.relative(path)] = h
            }
            entry = StageLock(fingerprint: fingerprint, params: d.params, inputs: inputs, outputs: outputs)
        } catch let error as SpecError {
            throw error
        } catch {
            throw StageFailure(stage: name, underlying: error)
        }
        let seconds = (clock.now - start).seconds
        console.info("  \(name) done in \(Format.seconds(seconds))")
        return (entry, Timings.Stage(seconds: seconds, finished: ISO8601DateFormatter().string(from: Date()), networks: networks.all))
    }

    /// This process's executable (what Slurm jobs run as `mtkd unit`).
    static func executablePath() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// Removes temporary files left by writes that were interrupted (they were never renamed into place).
    func removeDebris() throws {
        let fm = FileManager.default
        guard let walker = fm.enumerator(atPath: layout.root) else { return }
        var debris: [String] = []
        for case let relative as String in walker where (relative as NSString).lastPathComponent.hasPrefix(AtomicWrite.marker) {
            debris.append(relative)
        }
        for relative in debris {
            try fm.removeItem(atPath: layout.path(relative))
            console.info("  removed \(relative) (left by an interrupted write)")
        }
    }
}

extension PipelineSpec {
    /// Reads and validates a pipeline file, reading data files' headers with mtkd's CSV reader.
    public static func load(path: String, artifactsRoot: String? = nil) throws -> PipelineSpec {
        try load(path: path, artifactsRoot: artifactsRoot) { file, delimiter, header in
            try CSVTable.readHeader(file, options: CSVOptions(delimiter: UInt8(ascii: delimiter.unicodeScalars.first!), header: header))
        }
    }
}
