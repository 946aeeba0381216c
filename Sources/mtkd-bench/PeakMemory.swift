import Foundation

/// Measure 6 (issue 5, item 5): peak RSS of the census pipeline (`--jobs 2`) at its size and with
/// the training rows repeated 4× (`data/census/x4/`, a copy of the pipeline file named
/// `<name>-x4`), from `/usr/bin/time -v`. Stages that read data in blocks keep the growth far
/// below the data's 4×.
enum PeakMemory: Measure {
    static let name = "memory"
    static let summary = "peak RSS of the census pipeline, training rows ×4 vs ×1"
    static let isSlow = true
    /// Far less than the data's growth (4×): at most half of it.
    static let goal = 2.0
    static let factor = 4

    static func run(in bench: Bench) throws -> [Measurement] {
        let one = try EndToEnd.freshRun(bench)
        let pipeline = try repeatedPipeline(bench)
        let root = bench.path("x\(factor)")
        if FileManager.default.fileExists(atPath: root) { try FileManager.default.removeItem(atPath: root) }
        let big = try bench.runMtkd(["--artifacts", root, "--jobs", "2"], pipeline: pipeline, log: "memory-x\(factor)")
        guard big.exitStatus == 0 else { throw BenchError("the ×\(factor) pipeline failed (exit \(big.exitStatus)); see \(big.log)") }
        let notes = [one, big].enumerated().map { i, run in
            "peak RSS by stage, sampled every 0.1 s (×\(i == 0 ? 1 : factor)): "
                + run.stages.compactMap { s in s.sampledPeakRSSKB.map { "\(s.name) \(Format.number($0 / 1024))" } }.joined(separator: ", ")
                + " MiB"
        }
        return [Measurement(
            measure: name, key: "growth", title: "peak RSS, training rows ×\(factor) (MiB)", unit: "MiB",
            mtkd: big.maxRSSMiB, reference: one.maxRSSMiB, referenceLabel: "the same at ×1 rows",
            ratioLabel: "×\(factor) peak / ×1 peak", ratio: big.maxRSSMiB / one.maxRSSMiB, goal: .ratioAtMost(goal),
            cpuOverWall: big.cpuOverWall, cores: 2, loadBefore: big.loadBefore, loadAfter: big.loadAfter,
            details: ["x1": one.json, "x\(factor)": big.json, "pipeline_copy": .string(pipeline)],
            notes: notes)]
    }

    /// `data/census/x4/census-income.train.csv` (the training file's rows 4 times) and a copy of
    /// the pipeline file that reads it; returns the copy's path.
    static func repeatedPipeline(_ bench: Bench) throws -> String {
        let fm = FileManager.default
        let census = "\(bench.root)/data/census"
        let source = "\(census)/census-income.train.csv"
        guard let attributes = try? fm.attributesOfItem(atPath: source), let size = attributes[.size] as? Int else {
            throw BenchError("no \(source): run scripts/fetch-census")
        }
        let folder = "\(census)/x\(factor)"
        let target = "\(folder)/census-income.train.csv"
        if (try? fm.attributesOfItem(atPath: target)[.size] as? Int) != size * factor {
            bench.log("  writing \(target) (the training rows ×\(factor))")
            try fm.createDirectory(atPath: folder, withIntermediateDirectories: true)
            guard var data = fm.contents(atPath: source) else { throw BenchError("cannot read \(source)") }
            if data.last != UInt8(ascii: "\n") { data.append(UInt8(ascii: "\n")) }
            _ = fm.createFile(atPath: target, contents: nil)
            let out = FileHandle(forWritingAtPath: target)!
            for _ in 0..<factor { out.write(data) }
            try out.close()
        }
        let text = try String(contentsOfFile: bench.pipeline, encoding: .utf8)
        let copy = try PipelineFile.copy(of: text, name: "\(bench.pipelineName)-x\(factor)",
                                         files: ["train": target, "test": "\(census)/census-income.test.csv"])
        let path = bench.path("\(bench.pipelineName)-x\(factor).yaml")
        try copy.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
