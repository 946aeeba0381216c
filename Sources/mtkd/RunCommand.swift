import ArgumentParser
import Foundation
import Pipeline

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Carry out a pipeline: prepare, teachers, soft targets, students, evaluation.")

    @OptionGroup var pipeline: PipelineOptions

    @Option(name: .long, help: "OpenBLAS threads for matrix products (1 is deterministic and fastest per core).")
    var threads: Int = 1

    @Option(name: .long, help: "Networks trained at once: teacher members, and independent student stages (use the cores). Under mpirun, students train one at a time over the ranks.")
    var jobs: Int = 1

    @Flag(name: .long, help: "Run the selected stages even if they are up to date.")
    var force = false

    @Option(name: .long, help: "Re-run this stage and everything after it (e.g. teachers, soft-targets, student:kd).")
    var from: String?

    @Option(name: .long, help: "Run only this stage (when stale, or always with --force).")
    var only: String?

    @Flag(name: .long, help: "Print only the final table.")
    var quiet = false

    @Option(name: .long, help: "Where training units run: local (this process, --jobs at a time) or slurm (one job per unit; overrides the file's executor.kind).")
    var executor: ExecutorSpec.Kind?

    @Option(name: .long, help: "Slurm partition for the units (executor.partition).")
    var partition: String?

    @Option(name: .long, help: "Slurm time limit of one unit, e.g. 30, 1:30:00 or 2-00:00:00 (executor.time_limit).")
    var timeLimit: String?

    @Option(name: .long, help: "CPUs Slurm gives one unit (executor.cpus_per_unit).")
    var cpusPerUnit: Int?

    @Option(name: .long, help: "MPI ranks that train each student replicate under Slurm: one job of N tasks running mpirun -np N (executor.student_ranks; default 1).")
    var studentRanks: Int?

    @Option(name: .long, parsing: .unconditionalSingleValue, help: ArgumentHelp("One more sbatch argument, e.g. --sbatch-arg=--qos=short (repeatable; executor.sbatch_args).", valueName: "arg"))
    var sbatchArg: [String] = []

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1, got \(threads)") }
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1, got \(jobs)") }
        if let timeLimit, !ExecutorSpec.isTimeLimit(timeLimit) {
            throw ValidationError("--time-limit \(timeLimit) is not a Slurm time limit: minutes (30), H:M:S (1:30:00) or D-H:M:S (2-00:00:00)")
        }
        for (flag, value, range) in [("--cpus-per-unit", cpusPerUnit, ExecutorSpec.cpusPerUnitRange),
                                     ("--student-ranks", studentRanks, ExecutorSpec.studentRanksRange)] {
            if let value, !range.contains(value) {
                throw ValidationError("\(flag) must be between \(range.lowerBound) and \(range.upperBound), got \(value)")
            }
        }
    }

    func run() throws {
        let world = try MPIRun.world()
        if let world, world.rank != 0 { MPIRun.follower(world, pipeline: pipeline, threads: threads) }
        try CLIError.handle {
            guard let world else { return try runPipeline(ranks: nil) }
            try MPIRun.driver(world) { try runPipeline(ranks: world) }
        }
    }

    /// Runs the pipeline in this process; `ranks`: under mpirun, rank 0's group.
    private func runPipeline(ranks: RankGroup?) throws {
        let spec = try pipeline.load()
        Interruption.install(artifactsRoot: spec.artifactsDirectory)
        let options = RunOptions(threads: threads, force: force, from: from, only: only, jobs: jobs,
                                 executor: try executorSettings(spec.executor))
        if ranks != nil, options.executor?.kind == .slurm {
            throw CLIError.usage("--executor slurm submits units from one driver; run it outside mpirun")
        }
        do {
            try PipelineRunner.validate(options, spec: spec)
        } catch let e as RunOptionError {
            throw CLIError.usage(e.message)
        }
        let runner = PipelineRunner(spec: spec, console: Console(quiet: quiet), options: options)
        runner.ranks = ranks
        try runner.run()
    }

    /// The file's `executor:` with the command line's options over it; Slurm options without Slurm are bad usage.
    func executorSettings(_ file: ExecutorSpec) throws -> ExecutorSpec {
        var e = file
        if let executor { e.kind = executor }
        if let partition { e.partition = partition }
        if let timeLimit { e.timeLimit = timeLimit }
        if let cpusPerUnit { e.cpusPerUnit = cpusPerUnit }
        if let studentRanks { e.studentRanks = studentRanks }
        if !sbatchArg.isEmpty { e.sbatchArgs = sbatchArg }
        let given = [("--partition", partition != nil), ("--time-limit", timeLimit != nil), ("--cpus-per-unit", cpusPerUnit != nil),
                     ("--sbatch-arg", !sbatchArg.isEmpty)].filter(\.1).map(\.0)
        if e.kind != .slurm, studentRanks != nil {
            throw CLIError.usage("--student-ranks applies to the Slurm executor: add --executor slurm, or run `mpirun -np N mtkd run …` to train students over N ranks here")
        }
        if e.kind != .slurm, let first = given.first {
            throw CLIError.usage("\(first) applies to the Slurm executor: add --executor slurm (or executor: {kind: slurm} in the pipeline file)")
        }
        return e
    }
}

extension ExecutorSpec.Kind: ExpressibleByArgument {}
