import ArgumentParser
import Artifacts
import Foundation
import Pipeline

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show each stage: up to date, stale (and why), never run, or interrupted.")

    @OptionGroup var pipeline: PipelineOptions

    @Flag(name: .long, help: "Print machine-readable JSON.")
    var json = false

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
        }
    }
}
