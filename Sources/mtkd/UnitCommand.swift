import ArgumentParser
import Foundation
import Pipeline

/// `mtkd unit PIPELINE ID`: one network of a pipeline, on its own (what a Slurm job runs).
struct UnitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unit",
        abstract: "Train one unit of a pipeline (a teacher member or a student replicate) against its artifacts folder.",
        discussion: """
        Ids name the unit's output without .h5: teachers/<task>/member-<k>, students/<variant>/replicate-<k>. \
        The stages the unit reads from must have run (`mtkd run --only prepare`, …). A unit whose output is current \
        exits at once; one with a matching checkpoint resumes from it. It takes its own lock (units/<id>.lock), \
        never the run lock, and records how it ended in units/<id>.json. `mtkd run --executor slurm` runs units this way.
        """,
        shouldDisplay: false)

    @OptionGroup var pipeline: PipelineOptions

    @Argument(help: "The unit, e.g. teachers/species/member-0 or students/kd/replicate-2.")
    var unit: String

    @Option(name: .long, help: "OpenBLAS threads for matrix products.")
    var threads: Int = 1

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }

    func run() throws {
        try CLIError.handle {
            let spec = try pipeline.load()
            let unit: WorkUnit
            do { unit = try WorkUnit.named(self.unit, in: spec) } catch let e as UnitError {
                throw CLIError.usage(e.message)
            }
            Interruption.install(artifactsRoot: spec.artifactsDirectory)
            try UnitRunner(spec: spec, console: Console(), threads: threads).run(unit)
        }
    }
}
