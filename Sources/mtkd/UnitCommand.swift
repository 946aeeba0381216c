import ArgumentParser
import Foundation
import Pipeline

/// `mtkd unit PIPELINE ID`: one network or cheap stage of a pipeline, on its own (what a Slurm job runs).
/// Under `mpirun -np N` a student replicate trains data-parallel: rank 0 runs the unit (lock,
/// state file, checkpoints, output), the other ranks follow it as under `mtkd run`.
struct UnitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unit",
        abstract: "Run one unit of a pipeline (a teacher member, a student replicate or a cheap stage) against its artifacts folder.",
        discussion: """
        Ids name the unit's output without .h5: teachers/<task>/member-<k>, students/<variant>/replicate-<k>; \
        stage/soft-targets, stage/transfer and stage/evaluate run those stages. \
        The stages the unit reads from must have run (`mtkd run --only prepare`, …). A unit whose output is current \
        exits at once; one with a matching checkpoint resumes from it. It takes its own lock (units/<id>.lock), \
        never the run lock, and records how it ended in units/<id>.json. `mtkd run --executor slurm` runs units this way. \
        Under `mpirun -np N`, a student replicate trains data-parallel over the N ranks.
        """,
        shouldDisplay: false)

    @OptionGroup var pipeline: PipelineOptions

    @Argument(help: "The unit, e.g. teachers/species/member-0, students/kd/replicate-2 or stage/soft-targets.")
    var unit: String

    @Option(name: .long, help: "OpenBLAS threads for matrix products (per rank under mpirun).")
    var threads: Int = 1

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }

    func run() throws {
        let world = try MPIRun.world()
        if let world, world.rank != 0 { MPIRun.follower(world, pipeline: pipeline, threads: threads) }
        try CLIError.handle {
            guard let world else { return try runUnit(ranks: nil) }
            try MPIRun.driver(world) { try runUnit(ranks: world) }
        }
    }

    /// Runs the unit in this process; `ranks`: under mpirun, rank 0's group.
    private func runUnit(ranks: RankGroup?) throws {
        let spec = try pipeline.load()
        Interruption.install(artifactsRoot: spec.artifactsDirectory)
        var runner = UnitRunner(spec: spec, console: Console(), threads: threads)
        runner.ranks = ranks
        do {
            try runner.run(try WorkUnit.named(self.unit, in: spec))
        } catch let e as UnitError {
            throw CLIError.usage(e.message)
        }
    }
}
