import ArgumentParser
import Foundation
import Inspect

/// `mtkd inspect PATH`: what an artifact holds (its HDF5 tree) and what it means.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show what an artifact holds and what it means.",
        discussion: """
            PATH is a pipeline's artifacts folder (artifacts/<pipeline>) or any file in it: data/dataset.h5, soft-targets.h5, a teacher member or student model, a training checkpoint, or any other HDF5 file.

            A file shows its HDF5 tree as h5ls -rv does (shapes, types, chunks, filters, logical and stored bytes, attributes) and what its arrays mean. A folder shows the stages recorded in mtkd.lock and whether their outputs still match, key test metrics, and every file with a one-line summary.
            """)

    @Argument(help: "An artifacts folder or an artifact file.")
    var path: String

    @Flag(name: .long, help: "Print the inspection as JSON (sorted keys) instead of text.")
    var json = false

    func run() throws {
        try CLIError.handle {
            let inspection: Inspection
            do {
                inspection = try Inspector.inspect(path: path)
            } catch let error as InspectError {
                throw CLIError.usage(error.errorDescription ?? "\(error)")
            }
            let output: Data
            if json {
                output = try inspection.json() + Data("\n".utf8)
            } else {
                let colour = isatty(STDOUT_FILENO) != 0 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
                output = Data(inspection.text(colour: colour).utf8)
            }
            try FileHandle.standardOutput.write(contentsOf: output)
        }
    }
}
