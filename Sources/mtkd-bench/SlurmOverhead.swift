import Foundation

/// Measure: the census teachers through `mtkd run --executor slurm` (one CPU per unit, a Slurm
/// of 2 CPUs) against `--jobs 2` in one process, on prepared data. The scheduler's overhead per
/// unit is the wall time the Slurm run loses, spread over the units each CPU ran:
/// (slurm wall − local wall) × CPUs / units. Needs a Slurm that `sinfo` reaches (scripts/slurm-local start).
enum SlurmOverhead: Measure {
    static let name = "slurm"
    static let summary = "census teachers through the Slurm executor vs --jobs 2: the scheduler's overhead per unit"
    static let isSlow = true
    /// Seconds lost per unit.
    static let goal = 2.0
    static let cpus = 2

    static func run(in bench: Bench) throws -> [Measurement] {
        guard try bench.preparedDataset() != nil else { throw BenchError("the slurm measure needs the census data (scripts/fetch-census)") }
        let sinfo = try Subprocess.run(["sinfo", "-h", "-o", "%t %c"], in: bench.root, passStandardError: true)
        guard sinfo.status == 0, !sinfo.stdout.isEmpty else {
            throw BenchError("the slurm measure needs a Slurm: scripts/slurm-local start, then eval \"$(scripts/slurm-local env)\"")
        }
        let local = try bench.runMtkd(["--artifacts", bench.preparedRoot, "--only", "teachers", "--force", "--jobs", "\(cpus)"],
                                      log: "slurm-local-jobs2")
        guard local.exitStatus == 0 else { throw BenchError("teachers --jobs \(cpus) failed (exit \(local.exitStatus)); see \(local.log)") }
        let slurm = try bench.runMtkd(["--artifacts", bench.preparedRoot, "--only", "teachers", "--force", "--executor", "slurm",
                                       "--cpus-per-unit", "1"], log: "slurm-executor")
        guard slurm.exitStatus == 0 else { throw BenchError("teachers --executor slurm failed (exit \(slurm.exitStatus)); see \(slurm.log)") }
        let spans = try unitSpans(bench)
        let units = spans.count
        let overhead = (slurm.wallSeconds - local.wallSeconds) * Double(cpus) / Double(units)
        // Within the Slurm run alone: CPU time no unit process held, per unit (queueing, launching,
        // the driver noticing the end), whatever the load during the local run.
        let busy = spans.map { $0.1 - $0.0 }.reduce(0, +)
        let idle = (slurm.wallSeconds * Double(cpus) - busy) / Double(units)
        return [Measurement(
            measure: name, key: "overhead", title: "Slurm overhead per unit (s)", unit: "s",
            mtkd: overhead, reference: nil, referenceLabel: "teachers --jobs \(cpus): \(Format.number(local.wallSeconds)) s",
            ratioLabel: "(slurm wall − local wall) × \(cpus) CPUs / \(units) units", ratio: nil, goal: .valueAtMost(goal),
            cpuOverWall: local.cpuOverWall, cores: cpus, loadBefore: local.loadBefore, loadAfter: slurm.loadAfter,
            details: ["local_jobs_2": local.json, "slurm": slurm.json, "units": .number(Double(units)),
                      "unit_seconds": .array(spans.map { .number($0.1 - $0.0) }), "idle_cpu_seconds_per_unit": .number(idle),
                      "slurm_node": .string(sinfo.stdout.trimmingCharacters(in: .whitespacesAndNewlines))],
            notes: ["slurm: teachers \(Format.number(slurm.wallSeconds)) s wall through Slurm vs \(Format.number(local.wallSeconds)) s with --jobs \(cpus) (\(units) units)",
                    "slurm: CPU time no unit held during the Slurm run: \(Format.number(idle)) s per unit (units ran \(spans.map { Format.number($0.1 - $0.0) }.joined(separator: ", ")) s)"])]
    }

    /// When each teacher unit's process started and ended (seconds since 1970), from its state file.
    static func unitSpans(_ bench: Bench) throws -> [(Double, Double)] {
        let state = "\(bench.preparedRoot)/\(bench.pipelineName)/units/teachers"
        let files = (FileManager.default.enumerator(atPath: state)?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".json") }
        let parser = ISO8601DateFormatter()
        parser.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let spans = try files.map { file -> (Double, Double) in
            guard let data = FileManager.default.contents(atPath: "\(state)/\(file)"),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let started = (object["started"] as? String).flatMap(parser.date(from:)),
                  let finished = (object["finished"] as? String).flatMap(parser.date(from:)) else {
                throw BenchError("\(state)/\(file): no start and end times")
            }
            return (started.timeIntervalSince1970, finished.timeIntervalSince1970)
        }
        guard !spans.isEmpty else { throw BenchError("no unit state files under \(state)") }
        return spans
    }
}
