import Artifacts
import Foundation

/// Measure 7: `mtkd predict` on the census test CSV (99,762 rows, 42 columns), end to end — a
/// process that reads the CSV, encodes, predicts and writes its CSV output — against pandas
/// reading the same CSV plus onnxruntime running mtkd's ONNX export of the same student at one
/// thread (bench/predict_reference.py, in one Python process: its start and imports are not
/// counted, nor any output written). Rounds alternate the two sides; the best of each counts.
///
/// Two rows: the end-to-end time (goal: mtkd ≥ 2× faster), and rows per second once the CSV is
/// parsed (mtkd: encode + predict + write from `--timings`; reference: feeds + session + run),
/// goal ≥ 500,000 rows/s.
///
/// The student is the `kd` of the census pipeline: from this run's end-to-end measure, else
/// artifacts/census-income (a `mtkd run pipelines/census-income.yaml`), else trained here (~1 min).
enum PredictSpeed: Measure {
    static let name = "predict"
    static let summary = "mtkd predict on the census test CSV (s), vs pandas.read_csv + onnxruntime (1 thread) on mtkd's ONNX export"
    static let isSlow = true
    static let goalRatio = 2.0
    static let goalRowsPerSecond = 500_000.0
    static let minimumRounds = 3

    static func run(in bench: Bench) throws -> [Measurement] {
        let input = "\(bench.root)/data/census/census-income.test.csv"
        guard FileManager.default.fileExists(atPath: input) else {
            throw BenchError("no data/census/census-income.test.csv; run scripts/fetch-census first")
        }
        let folder = bench.path("predict")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let model = try student(bench)
        let onnx = "\(folder)/kd.onnx"
        let export = try Subprocess.run([bench.mtkd, "export", model, "--format", "onnx", "--output", onnx], in: bench.root,
                                        passStandardError: true)
        guard export.status == 0 else { throw BenchError("mtkd export failed (exit \(export.status))") }
        bench.log("  student \(model.replacingOccurrences(of: bench.root + "/", with: "")), exported to \(onnx.replacingOccurrences(of: bench.root + "/", with: ""))")

        let loadBefore = LoadAverage.now()
        var ours: [(run: TimedRun, timings: JSONValue)] = []
        var theirs: [JSONValue] = []
        for round in 1...max(bench.options.repeats, minimumRounds) {
            let command = [bench.mtkd, "predict", model, input, "--output", "\(folder)/mtkd.csv", "--timings"]
            let run = try Subprocess.timed(command, in: bench.root, log: bench.path("logs/predict"))
            guard run.exitStatus == 0 else { throw BenchError("mtkd predict failed (exit \(run.exitStatus)); see \(run.log)") }
            let log = (try? String(contentsOfFile: run.log, encoding: .utf8)) ?? ""
            guard let timings = try? JSONDecoder().decode(JSONValue.self, from: Data(log.utf8)) else {
                throw BenchError("mtkd predict --timings printed no JSON; see \(run.log)")
            }
            ours.append((run, timings))
            let reference = try bench.pythonJSON("predict_reference.py", ["--model", onnx, "--input", input, "--repeats", "1",
                                                                          "--check", "\(folder)/mtkd.csv"])
            theirs.append(reference)
            bench.log("  round \(round): mtkd \(Format.number(run.wallSeconds)) s; pandas + onnxruntime \(Format.number(reference["seconds"]?.double ?? .nan)) s")
        }
        let best = ours.min { $0.run.wallSeconds < $1.run.wallSeconds }!
        let reference = theirs.min { ($0["seconds"]?.double ?? .infinity) < ($1["seconds"]?.double ?? .infinity) }!
        guard let referenceSeconds = reference["seconds"]?.double,
              let referenceRate = reference["rows_per_second_after_parsing"]?.double,
              let rows = best.timings["rows"]?.double, let rate = best.timings["rows_per_second_after_parsing"]?.double else {
            throw BenchError("incomplete timings: \(best.timings) / \(reference)")
        }
        guard reference["rows"]?.double == rows else { throw BenchError("mtkd predicted \(rows) rows, the reference \(reference["rows"] ?? .null)") }
        // Both sides must predict the same thing (checked outside the timings on every round).
        let difference = theirs.compactMap { $0["check_max_relative_difference"]?.double }.max() ?? .nan
        let disagreements = theirs.compactMap { $0["check_class_disagreements"]?.double }.max() ?? .nan
        guard difference <= 1e-5, disagreements == 0 else {
            throw BenchError("mtkd and onnxruntime disagree: max relative difference \(difference), \(disagreements) predicted classes")
        }
        let label = "pandas \(reference["pandas"]?.string ?? "?") + onnxruntime \(reference["onnxruntime"]?.string ?? "?"), 1 thread"
        let details: JSONValue = ["rows": .number(rows), "model": .string(model), "onnx": .string(onnx),
                                  "mtkd": ["run": best.run.json, "timings": best.timings,
                                           "all_wall_seconds": .array(ours.map { .number($0.run.wallSeconds) })],
                                  "reference": reference,
                                  "reference_all_seconds": .array(theirs.map { $0["seconds"] ?? .null })]
        let phases = ["reading", "encoding", "predicting", "writing"].map {
            "\($0) \(Format.number(best.timings["\($0)_seconds"]?.double ?? .nan)) s"
        }
        let referencePhases = [("read_csv", "read_seconds"), ("feeds", "feed_seconds"), ("session", "session_seconds"), ("run", "run_seconds")]
            .map { "\($0.0) \(Format.number(reference[$0.1]?.double ?? .nan)) s" }
        let notes = ["predict: mtkd \(phases.joined(separator: ", ")) (in a \(Format.number(best.run.wallSeconds)) s process); "
                     + "pandas + onnxruntime \(referencePhases.joined(separator: ", ")); both predict the same: "
                     + String(format: "max relative difference %.1e, ", difference) + "\(Int(disagreements)) classes differ"]
        return [
            Measurement(measure: name, key: "end-to-end", title: "predict census test CSV end to end (s)", unit: "s",
                        mtkd: best.run.wallSeconds, reference: referenceSeconds, referenceLabel: label,
                        ratioLabel: "reference time / mtkd time", ratio: referenceSeconds / best.run.wallSeconds,
                        goal: .ratioAtLeast(goalRatio), cpuOverWall: best.run.cpuOverWall,
                        loadBefore: loadBefore, loadAfter: LoadAverage.now(), details: details, notes: notes),
            Measurement(measure: name, key: "after-parsing", title: "predict rows/s once the CSV is parsed", unit: "rows/s",
                        mtkd: rate, reference: referenceRate, referenceLabel: label + " (feeds, session, run)",
                        ratioLabel: "mtkd rate / reference rate", ratio: rate / referenceRate,
                        goal: .valueAtLeast(goalRowsPerSecond), cpuOverWall: best.run.cpuOverWall,
                        loadBefore: loadBefore, loadAfter: LoadAverage.now(), details: ["see": "the previous row's details"]),
        ]
    }

    /// The census pipeline's `kd` student file in the current format: found, or trained.
    static func student(_ bench: Bench) throws -> String {
        let candidates = [EndToEnd.artifactsRoot(bench), "\(bench.root)/artifacts", bench.path("predict/artifacts")]
            .map { ArtifactLayout(root: "\($0)/\(bench.pipelineName)").student("kd", replicate: 0) }
        for path in candidates where FileManager.default.fileExists(atPath: path) {
            if (try? ModelFile.read(from: path))?.preprocessing != nil { return path }
        }
        let root = bench.path("predict/artifacts")
        bench.log("  no trained census student with its preprocessing: training the pipeline (~1 min)")
        let run = try bench.runMtkd(["--artifacts", root, "--jobs", "2"], log: "predict-train")
        guard run.exitStatus == 0 else { throw BenchError("the census pipeline failed (exit \(run.exitStatus)); see \(run.log)") }
        return candidates.last!
    }
}
