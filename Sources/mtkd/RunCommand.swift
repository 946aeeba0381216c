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

    @Flag(name: .long, help: "Print only the final table.")
    var quiet = false

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }

    func run() throws {
        try CLIError.handle {
            let spec = try pipeline.load()
            let runner = PipelineRunner(spec: spec, console: Console(quiet: quiet), options: RunOptions(threads: threads))
            try runner.run()
        }
    }
}
