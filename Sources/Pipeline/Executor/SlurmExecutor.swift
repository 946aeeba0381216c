import Artifacts
import Foundation

/// Runs a pipeline's stages as Slurm jobs (`mtkd run --executor slurm`): one job array per
/// stage (`sbatch --parsable --array=0-(n-1)`), each task running `mtkd unit PIPELINE ID`
/// against the shared artifacts folder — a network of a training stage, or a cheap stage whole
/// (`stage/soft-targets`). The driver (this process) keeps the run lock, runs prepare itself,
/// submits every stale stage at once, each job after the jobs of the stages it reads
/// (`--dependency=afterok`), then follows them in order through their state files
/// (`units/<id>.json`) and `squeue`, printing their log lines as they come.
///
/// Submitted jobs are recorded in `slurm/jobs.json`: a driver killed and started again finds
/// its stage's job still queued or running (checked with `squeue`) and waits for it instead of
/// submitting twice. A unit that was cancelled, preempted or killed leaves its checkpoint; the
/// next `mtkd run` submits it again and it resumes from there.
///
/// With `student_ranks` N > 1 each student replicate is a job of N tasks whose script runs
/// `mpirun -np $SLURM_NTASKS mtkd unit …`: the replicate trains data-parallel as under
/// `mpirun -np N mtkd run`, and replicates trained over another number of ranks are stale.
final class SlurmExecutor: @unchecked Sendable {
    let spec: PipelineSpec
    let layout: ArtifactLayout
    let console: Console
    let settings: ExecutorSpec
    /// The mtkd binary the jobs run (this one, on the shared filesystem).
    let binary: String
    let threads: Int
    /// Seconds between looks at state and log files, and between `squeue` calls.
    let filePoll: Double
    let queuePoll: Double
    private let lock = NSLock()

    init(spec: PipelineSpec, layout: ArtifactLayout, console: Console, settings: ExecutorSpec, binary: String, threads: Int,
         filePoll: Double = 0.1, queuePoll: Double = 1) {
        self.spec = spec; self.layout = layout; self.console = console; self.settings = settings
        self.binary = binary; self.threads = threads; self.filePoll = filePoll; self.queuePoll = queuePoll
    }

    // MARK: - The record of submitted jobs

    /// `slurm/jobs.json`: per stage, the job array last submitted and its units (task i runs units[i]).
    struct Submission: Codable, Equatable {
        var job: String
        var units: [String]
        var submitted: String
        /// The `sbatch` command line (arguments after `sbatch`).
        var sbatch: [String]?
    }

    struct Record: Codable, Equatable {
        var stages: [String: Submission] = [:]
    }

    static func recordPath(_ layout: ArtifactLayout) -> String { layout.path("slurm/jobs.json") }

    static func readRecord(_ layout: ArtifactLayout) -> Record {
        guard let data = FileManager.default.contents(atPath: recordPath(layout)),
              let record = try? JSONDecoder().decode(Record.self, from: data) else { return Record() }
        return record
    }

    private func updateRecord(_ change: (inout Record) -> Void) throws {
        try lock.withLock {
            var record = Self.readRecord(layout)
            change(&record)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try AtomicWrite.write(try encoder.encode(record), to: Self.recordPath(layout))
        }
    }

    /// Jobs recorded in `slurm/jobs.json` that Slurm still has queued or running, by stage
    /// (empty when nothing was recorded or `squeue` is not there).
    static func activeJobs(_ layout: ArtifactLayout) -> [String: String] {
        let record = readRecord(layout)
        var active: [String: String] = [:]
        for (stage, submission) in record.stages
        where Slurm.queueState(job: submission.job, name: jobName(pipeline: layout, stage: stage)) == .active {
            active[stage] = submission.job
        }
        return active
    }

    // MARK: - Running a stage's units

    /// The jobs of the stages after the one being followed (submitted ahead): named when the
    /// driver is interrupted, cancelled when that stage fails.
    var later: [String] = []

    /// Submits the units of `stage` that need to run, each job after `after` (`--dependency=afterok`),
    /// unless a job of this stage that a previous driver submitted is still queued or running:
    /// then returns that one. `work` is the stage set up against its final inputs, when they are
    /// final (no job it depends on is still to run): only units that are not current are submitted
    /// then; otherwise every unit is (each exits at once if it finds its output current).
    /// Returns nil when there is nothing to run.
    func start(stage: StageName, units: [WorkUnit], work: UnitWork?, forced: Bool, after: [String]) throws -> Submission? {
        let name = stage.description
        if let previous = Self.readRecord(layout).stages[name] {
            let queue = Slurm.queue(job: previous.job, name: Self.jobName(pipeline: layout, stage: name))
            if queue.state == .active && !queue.neverSatisfied {
                console.info("  \(previous.units.count) unit\(previous.units.count == 1 ? "" : "s") still queued or running under Slurm (job \(previous.job)): waiting for them, not submitting again")
                return previous
            }
            // Pending for ever (a job it waited for failed): replaced by a new job.
            if queue.neverSatisfied { _ = try? Slurm.command("scancel", [previous.job]) }
        }
        if forced {
            for unit in units {
                for path in [unit.output(layout), unit.checkpoint(layout)].compactMap({ $0 }) where FileManager.default.fileExists(atPath: path) {
                    try FileManager.default.removeItem(atPath: path)
                }
            }
        }
        var todo = units
        if let work {
            let current = UnitWork(context: work.context, definition: work.definition, inputs: work.inputs, force: false,
                                   isTrusted: work.isTrusted, studentRanks: settings.studentRanks)
            todo = units.filter { !current.isCurrent($0) }
            for unit in units where !todo.contains(unit) {
                console.info("  \(unit.network): unchanged, reusing \(layout.relative(unit.output(layout)))")
            }
        }
        guard !todo.isEmpty else { return nil }
        cancelUnrecorded(stage: name)
        for unit in todo { try? FileManager.default.removeItem(atPath: UnitState.path(unit, layout)) }
        return try submit(stage: stage, units: todo, after: after)
    }

    /// Cancels the jobs of `stage` that Slurm has queued or running but `slurm/jobs.json` does not
    /// name: a driver killed between `sbatch` and recording the job left them, and they would run
    /// beside the job submitted now (known by their name and their script, `slurm/<stage>.sh`).
    func cancelUnrecorded(stage: String) {
        let script = layout.path("slurm/\(Self.slug(stage)).sh")
        let recorded = Self.readRecord(layout).stages[stage]?.job
        guard let r = try? Slurm.command("squeue", ["-h", "-n", Self.jobName(pipeline: layout, stage: stage), "-o", "%A|%o"]), r.code == 0 else { return }
        let orphans = Set(r.out.split(separator: "\n").compactMap { line -> String? in
            let fields = line.split(separator: "|", maxSplits: 1).map(String.init)
            return fields.count == 2 && fields[1] == script && fields[0] != recorded ? fields[0] : nil
        }).sorted()
        guard !orphans.isEmpty, (try? Slurm.command("scancel", orphans))?.code == 0 else { return }
        console.info("  cancelled job \(orphans.joined(separator: ", ")) of \(stage), submitted by a driver stopped before it recorded the job")
    }

    /// Waits for `submission` (when there is one) and checks that the stage's outputs are what
    /// this run would make: the units read the pipeline file and their inputs when they start, and
    /// files of other settings must not be recorded under this run's fingerprint.
    func follow(stage: StageName, submission: Submission?, units: [WorkUnit], work: UnitWork, timings: NetworkTimings) throws {
        if let submission { try wait(stage: stage.description, submission: submission, timings: timings) }
        let expected = UnitWork(context: work.context, definition: work.definition, inputs: work.inputs, force: false,
                                isTrusted: { _ in true }, studentRanks: settings.studentRanks)
        let other = units.filter { !expected.isCurrent($0) }
        if !other.isEmpty {
            let made = other.contains { if case .stage = $0.kind { return true } else { return false } } ? "made" : "trained"
            throw SlurmError(message: "\(other.map(\.id).joined(separator: ", ")) \(other.count == 1 ? "was" : "were") \(made) with other settings "
                             + "than this run's (was the pipeline file or its data changed while the units ran?); `mtkd run --executor slurm` again \(made == "made" ? "runs" : "trains") \(other.count == 1 ? "it" : "them")")
        }
    }

    /// Cancels the jobs of the stages after a failed one (they would wait for ever: Slurm's
    /// DependencyNeverSatisfied) and says so.
    func cancelLater() {
        guard !later.isEmpty else { return }
        let cancelled = (try? Slurm.command("scancel", later))?.code == 0
        let jobs = later.joined(separator: " ")
        console.info(cancelled ? "  cancelled the jobs submitted after it: scancel \(jobs)"
                               : "  the jobs submitted after it can never start: cancel them with scancel \(jobs)")
        later = []
    }

    /// A student stage whose lock entry is up to date may still hold replicates trained over
    /// another number of MPI ranks than `ranks` (N ranks give other bytes than one process, so the
    /// count is part of each replicate's fingerprint): for those, why the stage is stale (empty when none).
    /// The Slurm driver, which decides the rank count, retrains them; a local run keeps them.
    static func otherRankCounts(_ d: StageDefinition, spec: PipelineSpec, layout: ArtifactLayout, checker: StageChecker,
                                ranks: Int) -> [String] {
        guard case .student(let variant) = d.name, let inputs = try? checker.inputHashes(d) else { return [] }
        let work = UnitWork(context: StageContext(spec: spec, layout: layout, console: Console(quiet: true)), definition: d,
                            inputs: inputs, force: false, isTrusted: { _ in true }, studentRanks: ranks)
        let stage = work.student(variant)
        // By the rank count the files hold: "students/kd/replicate-0.h5, replicate-1.h5 were trained over 2 MPI ranks, …".
        var byCount: [Int: [Int]] = [:]
        for k in 0..<stage.student.replicates where !stage.isCurrent(replicate: k) {
            byCount[((try? ModelFile.read(from: layout.student(variant, replicate: k)))?.ranks) ?? 1, default: []].append(k)
        }
        return byCount.keys.sorted().map { trained in
            let replicates = byCount[trained]!
            let files = replicates.enumerated().map { i, k in
                i == 0 ? layout.relative(layout.student(variant, replicate: k)) : (layout.student(variant, replicate: k) as NSString).lastPathComponent
            }.joined(separator: ", ")
            let how = trained == ranks ? "with another number of MPI ranks" : trained > 1 ? "over \(trained) MPI ranks" : "in one process"
            return "\(files) \(replicates.count == 1 ? "was" : "were") trained \(how), student_ranks is \(ranks)"
        }
    }

    /// The file name of a stage in `slurm/`: `teachers`, `student-kd`.
    static func slug(_ stage: String) -> String { stage.replacingOccurrences(of: ":", with: "-") }

    /// The name of a stage's job array, `mtkd-<pipeline>-<stage>`: a recorded job id is taken for
    /// this stage's job only when Slurm still knows it by this name (ids restart with a new Slurm).
    static func jobName(pipeline layout: ArtifactLayout, stage: String) -> String {
        "mtkd-\((layout.root as NSString).lastPathComponent)-\(slug(stage))"
    }

    /// The log of task `index` of `job` (`slurm/logs/<stage>/<job>_<index>.log`).
    func logPath(stage: String, job: String, index: Int) -> String {
        layout.path("slurm/logs/\(Self.slug(stage))/\(job)_\(index).log")
    }

    /// The processes that train one unit of `stage`: `student_ranks` MPI ranks for a student
    /// replicate, one process for a teacher member.
    func ranks(_ stage: StageName) -> Int {
        if case .student = stage { return settings.studentRanks }
        return 1
    }

    /// The command line a unit's task runs (bash; `${units[$SLURM_ARRAY_TASK_ID]}` is the unit).
    /// Over N ranks, Open MPI's `mpirun` starts N copies in the job's allocation of N tasks: it
    /// reads the allocation from Slurm's environment and ends every rank when one dies.
    func unitCommand(ranks: Int) -> String {
        let unit = [binary, "unit", spec.file].map(Slurm.quote).joined(separator: " ") + " \"${units[$SLURM_ARRAY_TASK_ID]}\" "
            + ["--artifacts", spec.artifactsRoot, "--threads", String(threads)].map(Slurm.quote).joined(separator: " ")
        guard ranks > 1 else { return unit }
        // Binding left to Slurm (a rank pinned to core 0 could share it with another job's unit).
        return "mpirun -np \"$SLURM_NTASKS\" --bind-to none " + unit
    }

    /// Writes the stage's batch script and submits it as a job array, one task per unit, to start
    /// only after every task of the jobs `after` succeeded (`--dependency=afterok:…`).
    func submit(stage: StageName, units: [WorkUnit], after: [String] = []) throws -> Submission {
        let name = stage.description
        let slug = Self.slug(name)
        let script = layout.path("slurm/\(slug).sh")
        let ranks = ranks(stage)
        let command = unitCommand(ranks: ranks)
        let text = """
        #!/bin/bash
        # Units of stage \(name) of pipeline \(spec.name), submitted by `mtkd run --executor slurm`:
        # task i runs units[i] against the shared artifacts folder.
        units=(\(units.map { Slurm.quote($0.id) }.joined(separator: " ")))
        exec \(command)

        """
        try AtomicWrite.write(Data(text.utf8), to: script)
        chmod(script, 0o755)
        try FileManager.default.createDirectory(atPath: layout.path("slurm/logs/\(slug)"), withIntermediateDirectories: true)
        var arguments = ["--parsable", "--array=0-\(units.count - 1)", "--job-name=\(Self.jobName(pipeline: layout, stage: name))",
                         "--output=\(layout.path("slurm/logs/\(slug)/%A_%a.log"))", "--open-mode=append",
                         "--cpus-per-task=\(settings.cpusPerUnit)", "--chdir=\(FileManager.default.currentDirectoryPath)"]
        if ranks > 1 { arguments.insert("--ntasks=\(ranks)", at: arguments.count - 2) }
        if let partition = settings.partition { arguments.append("--partition=\(partition)") }
        if let time = settings.timeLimit { arguments.append("--time=\(time)") }
        var extra = settings.sbatchArgs
        if !after.isEmpty {
            // Both must hold: a dependency of the user's and ours.
            let ours = "afterok:" + after.joined(separator: ":")
            if let i = extra.lastIndex(where: { $0.hasPrefix("--dependency=") }) { extra[i] += "," + ours } else { arguments.append("--dependency=" + ours) }
        }
        arguments += extra
        arguments.append(script)
        let result = try Slurm.command("sbatch", arguments)
        guard result.code == 0, let job = result.out.split(separator: "\n").first?.split(separator: ";").first.map(String.init),
              !job.isEmpty, job.allSatisfy(\.isNumber) else {
            throw SlurmError(message: "sbatch failed (exit \(result.code)): \(result.err.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        let submission = Submission(job: job, units: units.map(\.id), submitted: ISO8601DateFormatter().string(from: Date()),
                                    sbatch: arguments)
        try updateRecord { $0.stages[name] = submission }
        let place = settings.partition.map { " to partition \($0)" } ?? ""
        let cpus = "\(settings.cpusPerUnit) CPU\(settings.cpusPerUnit == 1 ? "" : "s")"
        console.info("  submitted \(units.count) unit\(units.count == 1 ? "" : "s") as Slurm job array \(job) (0-\(units.count - 1))\(place), "
                     + (ranks > 1 ? "each \(ranks) MPI ranks of \(cpus)" : "\(cpus) each")
                     + (after.isEmpty ? "" : ", after job\(after.count == 1 ? "" : "s") \(after.joined(separator: ", "))"))
        return submission
    }

    /// How one unit of a submission ended.
    enum Ending { case done(UnitState), failed(String) }

    /// Waits until every unit of `submission` ended, printing their log lines; throws when one did not succeed.
    func wait(stage: String, submission: Submission, timings: NetworkTimings) throws {
        let units = submission.units.compactMap { id in try? WorkUnit.named(id, in: spec) }
        guard units.count == submission.units.count else {
            throw SlurmError(message: "slurm/jobs.json names units that are no longer in the pipeline (job \(submission.job)); cancel it with scancel \(submission.job)")
        }
        var offsets = [UInt64](repeating: 0, count: units.count)
        var partial = [String](repeating: "", count: units.count)
        func stream() {
            for i in units.indices {
                let path = logPath(stage: stage, job: submission.job, index: i)
                guard let handle = FileHandle(forReadingAtPath: path) else { continue }
                defer { try? handle.close() }
                try? handle.seek(toOffset: offsets[i])
                guard let data = try? handle.readToEnd(), !data.isEmpty else { continue }
                offsets[i] += UInt64(data.count)
                let text = partial[i] + String(decoding: data, as: UTF8.self)
                var lines = text.components(separatedBy: "\n")
                partial[i] = lines.removeLast()
                for line in lines where !line.isEmpty { console.info(line.hasPrefix("  ") ? line : "  " + line) }
            }
        }
        /// A unit's ending, when its state file (of this job) says it ended.
        func ended(_ i: Int) -> UnitState? {
            guard let state = UnitState.read(units[i], layout), state.job == "\(submission.job)_\(i)", state.state != .running else { return nil }
            return state
        }
        var lastQueueCheck = Date.distantPast
        var queueGoneSince: Date?
        var endings = [Ending?](repeating: nil, count: units.count)
        while true {
            stream()
            for i in units.indices where endings[i] == nil {
                if let state = ended(i) { endings[i] = state.state == .done ? .done(state) : .failed(state.message ?? "it \(state.state.rawValue)") }
            }
            if endings.allSatisfy({ $0 != nil }) { break }
            if Interruption.requested {
                let after = later.isEmpty ? "" : ", the stages after it too (job\(later.count == 1 ? "" : "s") \(later.joined(separator: ", ")))"
                throw Interruption.Stopped(message: "interrupted; the units of \(stage) keep running under Slurm (job \(submission.job))\(after): "
                                           + "`mtkd run` again waits for them, `scancel \(([submission.job] + later).joined(separator: " "))` stops them")
            }
            if Date().timeIntervalSince(lastQueueCheck) >= queuePoll {
                lastQueueCheck = Date()
                let queue = Slurm.queue(job: submission.job, name: Self.jobName(pipeline: layout, stage: stage))
                if queue.neverSatisfied {
                    // Pending for ever otherwise: stop the units that have not started, and say why.
                    let cancelled = (try? Slurm.command("scancel", [submission.job]))?.code == 0
                    throw SlurmError(message: "the units of \(stage) (job \(submission.job)) can never start: a job they depend on "
                                     + "(--dependency in sbatch_args) did not succeed (Slurm: DependencyNeverSatisfied); "
                                     + (cancelled ? "cancelled them with scancel \(submission.job)" : "cancel them with scancel \(submission.job)"))
                }
                if queue.state == .gone {
                    // Give the last state files a moment to show (a shared filesystem may lag).
                    if let since = queueGoneSince, Date().timeIntervalSince(since) > 3 {
                        for i in units.indices where endings[i] == nil {
                            endings[i] = .failed("it ended without finishing: cancelled, preempted, out of time or killed")
                        }
                        break
                    }
                    queueGoneSince = queueGoneSince ?? Date()
                }
            }
            Thread.sleep(forTimeInterval: filePoll)
        }
        stream()
        for i in units.indices where !partial[i].isEmpty { console.info("  " + partial[i]) }
        var failed: [String] = []
        for (i, ending) in endings.enumerated() {
            switch ending! {
            case .done(let state):
                for (network, timing) in state.networks {
                    if let s = timing.trainingSeconds, let r = timing.examplesPerSecond { timings.record(network: network, seconds: s, examplesPerSecond: r) }
                    if let r = timing.inferenceExamplesPerSecond { timings.record(network: network, inferenceExamplesPerSecond: r) }
                }
            case .failed(let reason):
                failed.append(units[i].id)
                let log = logPath(stage: stage, job: submission.job, index: i)
                console.info("  unit \(units[i].id) (job \(submission.job)_\(i)) failed: \(reason)")
                let tail = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").suffix(15)
                if tail.isEmpty {
                    console.info("  (its log \(layout.relative(log)) is empty or missing)")
                } else {
                    console.info("  last lines of \(layout.relative(log)):")
                    for line in tail { console.info("    | " + line) }
                }
            }
        }
        if !failed.isEmpty {
            throw SlurmError(message: "\(failed.count) of \(units.count) unit\(units.count == 1 ? "" : "s") failed (\(failed.joined(separator: ", "))); "
                             + "`mtkd run --executor slurm` submits \(failed.count == 1 ? "it" : "them") again, resuming from the last checkpoint")
        }
    }
}

/// A Slurm command that failed, or units that did not succeed.
struct SlurmError: Error, LocalizedError {
    var message: String
    var errorDescription: String? { message }
}

/// The Slurm commands mtkd calls.
enum Slurm {
    /// Quoted for bash, when needed.
    static func quote(_ s: String) -> String {
        let plain = s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "/._-=:,+".contains($0)) }
        return plain && !s.isEmpty ? s : "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    struct Result { var code: Int32; var out: String; var err: String }

    /// Runs a Slurm client command found on PATH; a missing command is a `SlurmError`.
    static func command(_ name: String, _ arguments: [String]) throws -> Result {
        guard let path = which(name) else {
            throw SlurmError(message: "\(name) not found on PATH: --executor slurm needs the Slurm client commands (sbatch, squeue)")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = arguments
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(code: p.terminationStatus, out: String(decoding: o, as: UTF8.self), err: String(decoding: e, as: UTF8.self))
    }

    static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    enum QueueState { case active, gone, unknown }

    /// Whether Slurm still has any task of `job`, named `name`, queued or running.
    static func queueState(job: String, name: String) -> QueueState { queue(job: job, name: name).state }

    /// What Slurm says of `job` (named `name`): whether a task is queued or running, and whether
    /// one waits for a dependency that can never be met (a job it depends on failed: Slurm then
    /// leaves it pending for ever, with reason DependencyNeverSatisfied).
    static func queue(job: String, name: String) -> (state: QueueState, neverSatisfied: Bool) {
        guard let result = try? command("squeue", ["-h", "-j", job, "-o", "%T|%r|%j"]) else { return (.unknown, false) }
        if result.code != 0 {
            return (result.err.contains("Invalid job id") ? .gone : .unknown, false)
        }
        let finished: Set<String> = ["COMPLETED", "CANCELLED", "FAILED", "TIMEOUT", "NODE_FAIL", "PREEMPTED", "BOOT_FAIL",
                                     "DEADLINE", "OUT_OF_MEMORY"]
        let tasks = result.out.split(separator: "\n").compactMap { line -> (state: String, reason: String)? in
            let fields = line.split(separator: "|", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
            return fields.count == 3 && fields[2] == name ? (fields[0], fields[1]) : nil
        }
        let active = tasks.filter { !finished.contains($0.state) }
        return (active.isEmpty ? .gone : .active,
                active.contains { $0.state == "PENDING" && $0.reason == "DependencyNeverSatisfied" })
    }
}
