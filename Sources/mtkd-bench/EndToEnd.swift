import Foundation

/// Measure 5: the whole census pipeline from an empty artifacts folder with `--jobs 2`, against
/// the same recipe in PyTorch at one thread (199 s quoted in issue 5, or bench/torch_reference.py
/// run now with `--with-torch-e2e`) and on an H100 GPU (99.7 s, quoted).
enum EndToEnd: Measure {
    static let name = "end-to-end"
    static let summary = "census pipeline end to end (s), --jobs 2, vs PyTorch CPU and an H100 (quoted)"
    static let isSlow = true
    /// Issue 5: PyTorch CPU at one thread on this machine kind, and on an H100 GPU.
    static let quotedPyTorchCPU = 199.0, quotedH100 = 99.7
    /// "As fast as PyTorch on a data-centre GPU".
    static let goalSeconds = 100.0

    static func artifactsRoot(_ bench: Bench) -> String { bench.path("e2e") }

    /// The pipeline from scratch under /usr/bin/time -v (also memory's 1× run).
    static func freshRun(_ bench: Bench) throws -> TimedRun {
        if let run = bench.endToEndRun { return run }
        let root = artifactsRoot(bench)
        if FileManager.default.fileExists(atPath: root) { try FileManager.default.removeItem(atPath: root) }
        let run = try bench.runMtkd(["--artifacts", root, "--jobs", "2"], log: "end-to-end")
        guard run.exitStatus == 0 else { throw BenchError("the census pipeline failed (exit \(run.exitStatus)); see \(run.log)") }
        bench.endToEndRun = run
        return run
    }

    static func run(in bench: Bench) throws -> [Measurement] {
        let run = try freshRun(bench)
        var cpuReference = quotedPyTorchCPU
        var cpuLabel = "PyTorch CPU 1 thread (quoted, issue 5)"
        var torch: JSONValue = .null
        if bench.options.withTorchEndToEnd {
            let out = bench.path("torch_reference.json")
            bench.log("  $ python3 bench/torch_reference.py --threads 1 --out \(out)")
            let result = try Subprocess.run([bench.options.python, "\(bench.root)/bench/torch_reference.py", "--threads", "1", "--out", out],
                                            in: bench.root, passStandardError: true, showOutput: true)
            guard result.status == 0, let data = FileManager.default.contents(atPath: out),
                  let json = try? JSONDecoder().decode(JSONValue.self, from: data),
                  let wall = json["timings"]?["total_wall_seconds"]?.double else {
                throw BenchError("bench/torch_reference.py failed (exit \(result.status))")
            }
            torch = ["timings": json["timings"] ?? .null, "students": json["students"] ?? .null, "file": .string(out)]
            cpuReference = wall
            cpuLabel = "PyTorch CPU 1 thread (torch_reference.py, now)"
        }
        let details: JSONValue = ["run": run.json, "pytorch_reference": torch,
                                  "quoted": ["pytorch_cpu_1_thread_seconds": .number(quotedPyTorchCPU),
                                             "h100_seconds": .number(quotedH100)]]
        return [
            Measurement(measure: name, key: "cpu", title: "census end to end (s)", unit: "s",
                        mtkd: run.wallSeconds, reference: cpuReference, referenceLabel: cpuLabel,
                        ratioLabel: "PyTorch time / mtkd time", ratio: cpuReference / run.wallSeconds,
                        goal: .valueAtMost(goalSeconds), cpuOverWall: run.cpuOverWall, cores: 2,
                        loadBefore: run.loadBefore, loadAfter: run.loadAfter, details: details,
                        notes: stageNotes(run)),
            Measurement(measure: name, key: "h100", title: "census end to end vs H100 (s)", unit: "s",
                        mtkd: run.wallSeconds, reference: quotedH100, referenceLabel: "PyTorch on an H100 (quoted)",
                        ratioLabel: "H100 time / mtkd time", ratio: quotedH100 / run.wallSeconds,
                        goal: .valueAtMost(goalSeconds), cpuOverWall: run.cpuOverWall, cores: 2,
                        loadBefore: run.loadBefore, loadAfter: run.loadAfter, details: ["see": "the previous row's details"]),
        ]
    }

    /// mtkd's own per-stage times of a run (stages overlap with --jobs 2).
    static func stageNotes(_ run: TimedRun) -> [String] {
        ["end-to-end stages (mtkd's own times; students overlap with --jobs 2): "
            + run.stages.map { "\($0.name) \($0.seconds.map { Format.number($0) } ?? "?") s" }.joined(separator: ", ")]
    }
}
