import ArgumentParser
import Foundation

/// Options every subcommand shares: where things are and how many repeats.
struct BenchOptions: ParsableArguments {
    @Option(help: "The repository root (pipelines/, data/, bench/); other paths are relative to it.")
    var root: String = "."

    @Option(help: "The mtkd executable to time (a release build).")
    var mtkd: String = ".build/release/mtkd"

    @Option(help: "Python 3 with numpy, h5py and torch==2.13.0+cpu.")
    var python: String = "python3"

    @Option(help: "The census pipeline file.")
    var pipeline: String = "pipelines/census-income.yaml"

    @Option(help: "Scratch folder of the benchmark (artifacts, inputs, logs; git-ignored).")
    var work: String = "artifacts/bench"

    @Option(help: "Timed repeats of the in-process measures; the best counts.")
    var repeats: Int = 3

    @Option(help: "Results file (JSON). Default: bench/results.json for all or --quick measures, <work>/results-only.json for a selection.")
    var out: String?

    @Flag(help: "Put this run's rows into the results file (bench/results.json unless --out), replacing the rows of the measures it ran and keeping the others; the run is listed under merged_runs.")
    var merge = false

    @Flag(name: .customLong("with-torch-e2e"),
          help: "Also run bench/torch_reference.py (~3 min) as the end-to-end reference instead of the quoted 199 s.")
    var withTorchEndToEnd = false

    func validate() throws {
        guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1") }
    }
}

/// What the measures of one run share: paths, the programs they call, and what earlier
/// measures found (the end-to-end run, whose peak RSS is memory's 1× figure).
final class Bench {
    let options: BenchOptions
    /// Absolute paths.
    let root: String, mtkd: String, pipeline: String, work: String
    /// The pipeline's `name:` (its artifacts folder under an artifacts root).
    let pipelineName: String

    /// The end-to-end run, when it ran in this process (its peak RSS is memory's 1× figure).
    var endToEndRun: TimedRun?
    private var inputs: TrainingInputs?
    private var prepared: String?

    init(options: BenchOptions) throws {
        self.options = options
        let cwd = FileManager.default.currentDirectoryPath
        root = Self.absolute(options.root, base: cwd)
        mtkd = Self.absolute(options.mtkd, base: root)
        pipeline = Self.absolute(options.pipeline, base: root)
        work = Self.absolute(options.work, base: root)
        guard let text = try? String(contentsOfFile: pipeline, encoding: .utf8) else {
            throw BenchError("cannot read the pipeline file \(pipeline)")
        }
        guard let name = PipelineFile.name(in: text) else { throw BenchError("\(pipeline): no `name:` line") }
        pipelineName = name
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    }

    static func absolute(_ path: String, base: String) -> String {
        URL(fileURLWithPath: path.hasPrefix("/") ? path : (base as NSString).appendingPathComponent(path)).standardized.path
    }

    func path(_ relative: String) -> String { (work as NSString).appendingPathComponent(relative) }

    /// Progress on standard error (the table goes to standard output).
    func log(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// The artifacts root of the prepare and teachers measures (`<work>/prepared`).
    var preparedRoot: String { path("prepared") }

    /// `dataset.h5` under the prepared artifacts root, brought up to date with
    /// `mtkd run … --only prepare` (mtkd skips it when its lock says so). Nil when the census
    /// data has not been fetched.
    func preparedDataset() throws -> String? {
        if let prepared { return prepared }
        guard FileManager.default.fileExists(atPath: "\(root)/data/census/census-income.train.csv") else {
            log("  no data/census (scripts/fetch-census): using synthetic inputs of the census shape")
            return nil
        }
        let run = try runMtkd(["--artifacts", preparedRoot, "--only", "prepare"], log: "prepare")
        guard run.exitStatus == 0 else { throw BenchError("mtkd prepare failed (exit \(run.exitStatus)); see \(run.log)") }
        let dataset = "\(preparedRoot)/\(pipelineName)/data/dataset.h5"
        prepared = dataset
        return dataset
    }

    /// The training arrays both sides of the training measures see (loaded once).
    func trainingInputs() throws -> TrainingInputs {
        if let inputs { return inputs }
        let loaded = try TrainingInputs.load(dataset: try preparedDataset(), folder: path("training-inputs"), log: log)
        inputs = loaded
        return loaded
    }

    /// `mtkd run <pipeline> <arguments>` under /usr/bin/time -v, logged to `<work>/logs/<log>.*`.
    /// `launcher` goes before mtkd (e.g. `mpirun -np 2`).
    func runMtkd(_ arguments: [String], pipeline: String? = nil, launcher: [String] = [], log name: String) throws -> TimedRun {
        let command = launcher + [mtkd, "run", pipeline ?? self.pipeline] + arguments
        log("  $ \(command.map { $0.replacingOccurrences(of: root + "/", with: "") }.joined(separator: " "))")
        let run = try Subprocess.timed(command, in: root, log: path("logs/\(name)"))
        log("    \(Format.number(run.wallSeconds)) s wall, CPU/wall \(String(format: "%.2f", run.cpuOverWall)), "
            + "peak RSS \(Format.number(run.maxRSSMiB)) MiB, exit \(run.exitStatus)")
        return run
    }

    /// Runs `bench/<script>` with the benchmark's Python; its last line of output is JSON.
    func pythonJSON(_ script: String, _ arguments: [String]) throws -> JSONValue {
        let command = [options.python, "\(root)/bench/\(script)"] + arguments
        let result = try Subprocess.run(command, in: root, passStandardError: true)
        guard result.status == 0 else { throw BenchError("\(script) failed (exit \(result.status))") }
        guard let last = result.stdout.split(separator: "\n").last,
              let value = try? JSONDecoder().decode(JSONValue.self, from: Data(last.utf8)) else {
            throw BenchError("\(script) printed no JSON")
        }
        return value
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ message: String) { description = message }
}
