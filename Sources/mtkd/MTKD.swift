import ArgumentParser
import Artifacts
import Foundation
import Pipeline

/// `mtkd`: multi-task knowledge distillation, stage by stage.
@main
struct MTKD: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mtkd",
        abstract: "Train teacher ensembles, cache their soft targets in HDF5, and distil them into one multi-task student.",
        version: "0.1.0",
        subcommands: [RunCommand.self, UnitCommand.self, StatusCommand.self, InspectCommand.self, ReportCommand.self, PredictCommand.self, ExportCommand.self])
}

/// Options every pipeline command shares.
struct PipelineOptions: ParsableArguments {
    @Argument(help: "The pipeline file (YAML), e.g. pipelines/quickstart.yaml.")
    var pipeline: String

    @Option(name: .long, help: "Folder that holds the pipeline's artifacts folder (overrides the file's `artifacts:`).")
    var artifacts: String?

    /// Reads the pipeline; a bad file exits with 64 and one clear message.
    func load() throws -> PipelineSpec { try Self.load(pipeline, artifacts: artifacts) }

    /// Reads `pipeline` (its artifacts under `artifacts` when given); a bad file exits with 64.
    static func load(_ pipeline: String, artifacts: String?) throws -> PipelineSpec {
        do {
            return try PipelineSpec.load(path: pipeline, artifactsRoot: artifacts)
        } catch let error as SpecError {
            throw CLIError.usage(error.errorDescription ?? "\(error)")
        }
    }
}

/// How errors leave the program: a message on standard error and an exit code
/// (64 for bad input, 1 for a failed stage).
enum CLIError: Error {
    case usage(String)
    case failed(String)

    func exit() -> Never {
        switch self {
        case .usage(let m):
            FileHandle.standardError.write(Data("error: \(m)\n".utf8))
            Foundation.exit(64)
        case .failed(let m):
            FileHandle.standardError.write(Data("error: \(m)\n".utf8))
            Foundation.exit(1)
        }
    }

    /// Runs `body`, turning mtkd's errors into messages and exit codes.
    static func handle(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let e as CLIError {
            e.exit()
        } catch let e as SpecError {
            CLIError.usage(e.errorDescription ?? "\(e)").exit()
        } catch let e as RunLock.Busy {
            CLIError.failed(e.errorDescription ?? "\(e)").exit()
        } catch let e as Interruption.Stopped {
            // One line, then 128 + the signal (130 for SIGINT, 143 for SIGTERM), as shells expect.
            FileHandle.standardError.write(Data("\(e.message)\n".utf8))
            Foundation.exit(Interruption.exitCode ?? 130)
        } catch let e as ExitCode {
            throw e
        } catch let e as StageFailure {
            CLIError.failed(FileSystemError.describe(e.underlying).map { "stage \(e.stage) failed: \($0)" }
                            ?? e.errorDescription ?? "\(e)").exit()
        } catch {
            // File-system errors in plain words, never Foundation's `NSCocoaErrorDomain Code=513 …`.
            CLIError.failed(FileSystemError.message(error)).exit()
        }
    }
}
