import Foundation

/// Measure 8 (issue 13, item 4): data larger than memory. The census pipeline with its training
/// file repeated ×1, ×4 and ×16 (3.2 million rows, 1.6 GB of CSV), every stage run alone
/// (`mtkd run --only <stage>`, one process each, `--jobs 1 --threads 1`) under `/usr/bin/time -v`
/// for its peak RSS and wall time. A copy of the pipeline trains every network 1 epoch and every
/// student once, so that ×16 takes minutes: what is measured is how a stage's memory and time
/// grow with the rows, not accuracy.
///
/// Rows per stage: peak RSS at ×16 against ×1 (goal: at most 1.5×), and time per training row at
/// ×16 against ×1 (goal: not growing, at most 1.1×). ×4 is in the details and notes.
enum DataScaling: Measure {
    static let name = "scaling"
    static let summary = "peak RSS and time per row of every stage, training rows ×1, ×4, ×16"
    static let isSlow = true
    static let factors = [1, 4, 16]
    /// Peak RSS at ×16 within 1.5× of ×1; time per row not growing (10% for noise).
    static let memoryGoal = 1.5, timeGoal = 1.1

    struct StageRun {
        var stage: String
        var run: TimedRun
    }

    static func run(in bench: Bench) throws -> [Measurement] {
        let trainingRows = 199_523
        var runs: [Int: [StageRun]] = [:]
        for factor in factors {
            let pipeline = try pipelineCopy(bench, factor: factor)
            let root = bench.path("scaling/x\(factor)/artifacts")
            if FileManager.default.fileExists(atPath: root) { try FileManager.default.removeItem(atPath: root) }
            let stages = try stageNames(bench, pipeline: pipeline, artifacts: root)
            bench.log("  ×\(factor): \(factor * trainingRows) training-file rows; stages \(stages.joined(separator: ", "))")
            var list: [StageRun] = []
            for stage in stages {
                let run = try bench.runMtkd(["--artifacts", root, "--only", stage, "--jobs", "1", "--threads", "1"], pipeline: pipeline,
                                            log: "scaling-x\(factor)-\(stage.replacingOccurrences(of: ":", with: "-"))")
                guard run.exitStatus == 0 else { throw BenchError("×\(factor) \(stage) failed (exit \(run.exitStatus)); see \(run.log)") }
                list.append(StageRun(stage: stage, run: run))
            }
            runs[factor] = list
        }
        let small = runs[factors.first!]!, large = runs[factors.last!]!
        let (lo, hi) = (factors.first!, factors.last!)
        var rows: [Measurement] = []
        /// Microseconds of wall time per row of the training file.
        func perRow(_ r: TimedRun, _ factor: Int) -> Double { r.wallSeconds * 1e6 / Double(factor * trainingRows) }
        func details(_ stage: String) -> JSONValue {
            .object(factors.map { f in (key: "x\(f)", value: runs[f]!.first { $0.stage == stage }!.run.json) })
        }
        for (a, b) in zip(small, large) {
            rows.append(Measurement(
                measure: name, key: "rss-\(a.stage)", title: "peak RSS of \(a.stage), training rows ×\(hi) (MiB)", unit: "MiB",
                mtkd: b.run.maxRSSMiB, reference: a.run.maxRSSMiB, referenceLabel: "the same at ×\(lo)",
                ratioLabel: "×\(hi) peak / ×\(lo) peak", ratio: b.run.maxRSSMiB / a.run.maxRSSMiB, goal: .ratioAtMost(memoryGoal),
                cpuOverWall: b.run.cpuOverWall, cores: 1, loadBefore: b.run.loadBefore, loadAfter: b.run.loadAfter,
                details: details(a.stage)))
            rows.append(Measurement(
                measure: name, key: "time-\(a.stage)", title: "time of \(a.stage) per training row, ×\(hi) (µs)", unit: "µs",
                mtkd: perRow(b.run, hi), reference: perRow(a.run, lo), referenceLabel: "the same at ×\(lo)",
                ratioLabel: "×\(hi) / ×\(lo) (µs per row)", ratio: perRow(b.run, hi) / perRow(a.run, lo), goal: .ratioAtMost(timeGoal),
                cpuOverWall: b.run.cpuOverWall, cores: 1, loadBefore: b.run.loadBefore, loadAfter: b.run.loadAfter,
                details: details(a.stage)))
        }
        // One line per stage with every factor, under the table.
        var notes = ["data scaling, training file ×\(factors.map(String.init).joined(separator: "/×")) "
                     + "(\(factors.map { Format.grouped($0 * trainingRows) }.joined(separator: " / ")) rows), 1 epoch, 1 replicate, "
                     + "each stage alone (--jobs 1 --threads 1): peak RSS MiB | wall s | µs per row"]
        for (i, s) in small.enumerated() {
            let cells = factors.map { f -> String in
                let r = runs[f]![i].run
                return "×\(f) \(Format.number(r.maxRSSMiB)) | \(Format.number(r.wallSeconds)) | \(Format.number(perRow(r, f)))"
            }
            notes.append("  \(s.stage): " + cells.joined(separator: "; "))
        }
        if !rows.isEmpty { rows[rows.count - 1].notes = notes }
        return rows
    }

    /// The stages of the pipeline copy, in order, as `mtkd status --json` lists them.
    static func stageNames(_ bench: Bench, pipeline: String, artifacts: String) throws -> [String] {
        let out = try Subprocess.run([bench.mtkd, "status", pipeline, "--artifacts", artifacts, "--json"], in: bench.root)
        guard out.status == 0, let json = try? JSONDecoder().decode(JSONValue.self, from: Data(out.stdout.utf8)),
              case .array(let stages)? = json["stages"] else {
            throw BenchError("mtkd status \(pipeline) --json failed (exit \(out.status))")
        }
        return stages.compactMap { $0["stage"]?.string }
    }

    /// A copy of the census pipeline reading the training file repeated `factor` times
    /// (`<work>/scaling/x<factor>/census-income.train.csv`; ×1 reads the file itself), with every
    /// network trained 1 epoch and every student once. Returns the copy's path.
    static func pipelineCopy(_ bench: Bench, factor: Int) throws -> String {
        let census = "\(bench.root)/data/census"
        let source = "\(census)/census-income.train.csv"
        let target = factor == 1 ? source : bench.path("scaling/x\(factor)/census-income.train.csv")
        if factor > 1 { try repeatFile(source, to: target, times: factor, bench: bench) }
        var text = try String(contentsOfFile: bench.pipeline, encoding: .utf8)
        text = PipelineFile.setting("epochs", to: "1", in: text)
        text = PipelineFile.setting("replicates", to: "1", in: text)
        let copy = try PipelineFile.copy(of: text, name: "\(bench.pipelineName)-scaling-x\(factor)",
                                         files: ["train": target, "test": "\(census)/census-income.test.csv"])
        let path = bench.path("scaling/\(bench.pipelineName)-x\(factor).yaml")
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try copy.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Writes `source` `times` times into `target` (unless it is there at that size), a piece
    /// at a time; checks the free disk space first.
    static func repeatFile(_ source: String, to target: String, times: Int, bench: Bench) throws {
        let fm = FileManager.default
        guard let size = (try? fm.attributesOfItem(atPath: source))?[.size] as? Int else {
            throw BenchError("no \(source): run scripts/fetch-census")
        }
        let last = try FileHandle(forReadingFrom: URL(fileURLWithPath: source))
        try last.seek(toOffset: UInt64(size - 1))
        let endsWithNewline = try last.readToEnd() == Data([0x0A])
        try last.close()
        let expected = (size + (endsWithNewline ? 0 : 1)) * times
        if (try? fm.attributesOfItem(atPath: target))?[.size] as? Int == expected { return }
        let folder = (target as NSString).deletingLastPathComponent
        try fm.createDirectory(atPath: folder, withIntermediateDirectories: true)
        if let free = (try? fm.attributesOfFileSystem(forPath: folder))?[.systemFreeSize] as? Int, free < expected * 3 {
            throw BenchError("\(folder): \(free >> 20) MiB free; the ×\(times) file, its dataset and its temporary rows need about \(expected * 3 >> 20) MiB")
        }
        bench.log("  writing \(target) (the training rows ×\(times), \(expected >> 20) MiB)")
        _ = fm.createFile(atPath: target, contents: nil)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: target))
        defer { try? out.close() }
        for _ in 0..<times {
            let input = try FileHandle(forReadingFrom: URL(fileURLWithPath: source))
            while let piece = try input.read(upToCount: 8 << 20), !piece.isEmpty { out.write(piece) }
            try input.close()
            if !endsWithNewline { out.write(Data([0x0A])) }
        }
    }
}
