import ArgumentParser
import Artifacts
import Foundation
import Pipeline

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show each stage: up to date, stale (and why), never run, interrupted, or running.")

    @OptionGroup var pipeline: PipelineOptions

    @Flag(name: .long, help: "Print machine-readable JSON.")
    var json = false

    @Flag(name: .long, help: "Exit with 1 when `mtkd run` would run any stage (as `git diff --exit-code`), 0 when up to date.")
    var exitCode = false

    func run() throws {
        try CLIError.handle {
            let spec = try pipeline.load()
            let status = try PipelineStatus.of(spec)
            if json {
                print(String(decoding: try JSONEncoder.sorted.encode(status), as: UTF8.self))
            } else {
                print("pipeline \(spec.name) (\(status.artifacts))")
                print(status.text)
            }
            if exitCode && !status.upToDate { throw ExitCode(1) }
        }
    }
}
