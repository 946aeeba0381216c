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

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1, got \(threads)") }
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1, got \(jobs)") }
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
        let options = RunOptions(threads: threads, force: force, from: from, only: only, jobs: jobs)
        do {
            try PipelineRunner.validate(options, spec: spec)
        } catch let e as RunOptionError {
            throw CLIError.usage(e.message)
        }
        let runner = PipelineRunner(spec: spec, console: Console(quiet: quiet), options: options)
        runner.ranks = ranks
        try runner.run()
    }
}
