import Artifacts
import Foundation

/// Measure: one census student trained data-parallel by `mpirun -np 2` (one OpenBLAS thread
/// per rank) against one process at one thread: examples per second of the student's training
/// (mtkd's own figure, timings.json), 3 repeats each; and the two settings' validation scores
/// over the pipeline's first 3 replicate seeds (the "within seed noise" claim).
enum DataParallelSpeed: Measure {
    static let name = "mpi"
    static let summary = "a census student's examples/s on mpirun -np 2 (1 thread per rank) vs 1 process; val scores of both over 3 seeds"
    static let isSlow = true
    static let goal = 1.7
    /// Labels only: the stage needs prepare alone (no teachers to train first).
    static let student = "baseline"
    static let seeds = 3
    static let repeats = 3

    static func mpirun() -> String? {
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            .map { "\($0)/mpirun" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func run(in bench: Bench) throws -> [Measurement] {
        guard try bench.preparedDataset() != nil else { throw BenchError("the mpi measure needs the census data (scripts/fetch-census)") }
        guard let mpirun = mpirun() else { throw BenchError("the mpi measure needs Open MPI's mpirun (scripts/setup installs openmpi-bin)") }
        if getuid() == 0 {  // Open MPI refuses root without consent (containers)
            setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1)
            setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1)
        }
        // The census pipeline with 3 replicates, under its own name (prepare's artifacts are shared).
        let text = try String(contentsOfFile: bench.pipeline, encoding: .utf8)
        let data = "\(bench.root)/data/census"
        var copy = try PipelineFile.copy(of: text, name: bench.pipelineName,
                                         files: ["train": "\(data)/census-income.train.csv", "test": "\(data)/census-income.test.csv"])
        copy = PipelineFile.setting("replicates", to: "\(seeds)", in: copy)
        let file = bench.path("mpi/census-mpi.yaml")
        try FileManager.default.createDirectory(atPath: bench.path("mpi"), withIntermediateDirectories: true)
        try copy.write(toFile: file, atomically: true, encoding: .utf8)
        let artifacts = "\(bench.preparedRoot)/\(bench.pipelineName)"

        var rates: [Int: [Double]] = [1: [], 2: []]
        var runs: [Int: [TimedRun]] = [1: [], 2: []]
        var scores: [Int: [Double]] = [:]
        for r in 1...repeats {
            for ranks in [1, 2] {
                let launcher = ranks == 1 ? [] : [mpirun, "-np", "\(ranks)", "--bind-to", "none"]
                let run = try bench.runMtkd(["--artifacts", bench.preparedRoot, "--only", "student:\(student)", "--force", "--threads", "1"],
                                            pipeline: file, launcher: launcher, log: "mpi-ranks\(ranks)-\(r)")
                guard run.exitStatus == 0 else { throw BenchError("\(ranks) rank(s) failed (exit \(run.exitStatus)); see \(run.log)") }
                let rate = try meanRate(timings: "\(artifacts)/timings.json")
                bench.log("    \(ranks) rank(s): \(Format.number(rate)) examples/s (mean over \(seeds) replicates)")
                rates[ranks]!.append(rate)
                runs[ranks]!.append(run)
                scores[ranks] = try (0..<seeds).map { k in
                    let m = try ModelFile.read(from: "\(artifacts)/students/\(student)/replicate-\(k).h5")
                    return m.history[m.bestEpoch - 1].validationScore
                }
            }
        }
        func median(_ v: [Double]) -> Double { let s = v.sorted(); return s[s.count / 2] }
        let one = median(rates[1]!), two = median(rates[2]!)
        let twoRun = runs[2]!.last!
        let range: ([Double]) -> String = { "\(Format.number($0.min()!))–\(Format.number($0.max()!))" }
        let speed = Measurement(
            measure: name, key: "speed", title: "census student, mpirun -np 2 (ex/s)", unit: "ex/s",
            mtkd: two, reference: one, referenceLabel: "mtkd, 1 process, 1 thread",
            ratioLabel: "2 ranks / 1 rank (medians of \(repeats))", ratio: two / one, goal: .ratioAtLeast(goal),
            cpuOverWall: twoRun.cpuOverWall, cores: 2, loadBefore: runs[1]!.first!.loadBefore, loadAfter: runs[2]!.last!.loadAfter,
            details: ["ranks_1_examples_per_second": .array(rates[1]!.map { .number($0) }),
                      "ranks_2_examples_per_second": .array(rates[2]!.map { .number($0) }),
                      "ranks_1_runs": .array(runs[1]!.map(\.json)), "ranks_2_runs": .array(runs[2]!.map(\.json))],
            notes: ["mpi: examples/s over \(repeats) repeats: 1 rank \(range(rates[1]!)), 2 ranks \(range(rates[2]!))"])

        // Seeds: replicate k of both settings shares its seed (same initial weights, batches, masks).
        let s1 = scores[1]!, s2 = scores[2]!
        let mean1 = s1.reduce(0, +) / Double(seeds), mean2 = s2.reduce(0, +) / Double(seeds)
        let sd = (s1.map { ($0 - mean1) * ($0 - mean1) }.reduce(0, +) / Double(seeds - 1)).squareRoot()
        let metrics = Measurement(
            measure: name, key: "metrics", title: "val score, |2 ranks − 1 rank|, mean of \(seeds) seeds (points)", unit: "points",
            mtkd: 100 * abs(mean2 - mean1), reference: 100 * sd, referenceLabel: "standard deviation over seeds, 1 rank (points)",
            ratioLabel: "—", ratio: nil, goal: .valueAtMost(100 * sd),
            cpuOverWall: nil, cores: 2, loadBefore: runs[1]!.first!.loadBefore, loadAfter: runs[2]!.last!.loadAfter,
            details: ["ranks_1_validation_scores": .array(s1.map { .number($0) }),
                      "ranks_2_validation_scores": .array(s2.map { .number($0) })],
            notes: ["mpi: val scores per seed, 1 rank " + s1.map { String(format: "%.4f", $0) }.joined(separator: " ")
                    + "; 2 ranks " + s2.map { String(format: "%.4f", $0) }.joined(separator: " ")])
        return [speed, metrics]
    }

    /// Mean over the student's replicates of their examples/s (the last epoch's) in timings.json.
    static func meanRate(timings path: String) throws -> Double {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let stages = root["stages"] as? [String: Any], let stage = stages["student:\(student)"] as? [String: Any],
              let networks = stage["networks"] as? [String: Any] else { throw BenchError("\(path): no student:\(student) timings") }
        let rates = networks.values.compactMap { ($0 as? [String: Any])?["examples_per_second"] as? Double }
        guard rates.count == seeds else { throw BenchError("\(path): \(rates.count) networks' timings, expected \(seeds)") }
        return rates.reduce(0, +) / Double(rates.count)
    }
}
