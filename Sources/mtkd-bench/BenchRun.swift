import ArgumentParser
import Foundation

/// One run of the benchmark: machine facts, the measures in turn, the table, the results file.
struct BenchRun {
    var options: BenchOptions
    /// The selection as given on the command line (recorded in the results).
    var flags: [String]
    /// A selection of measures (--only, or a measure's subcommand): results go to the scratch
    /// folder unless --out says otherwise, so bench/results.json stays a whole run.
    var isSelection: Bool

    func run(_ measures: [Measure.Type]) throws {
        let bench = try Bench(options: options)
        let started = Date()
        let loadBefore = LoadAverage.now()
        bench.log("mtkd-bench: \(measures.map { $0.name }.joined(separator: ", ")); load average \(String(format: "%.2f", loadBefore.one))")
        let machine = MachineInfo.collect(bench: bench)
        var rows: [Measurement] = []
        var failures: [(String, String)] = []
        for m in measures {
            bench.log("==> \(m.name): \(m.summary)")
            do {
                rows += try m.run(in: bench)
            } catch {
                bench.log("  \(m.name) failed: \(error)")
                failures.append((m.name, "\(error)"))
            }
        }
        let loadAfter = LoadAverage.now()
        print(ResultsTable.text(rows, loadBefore: loadBefore, loadAfter: loadAfter))
        for (name, message) in failures { print("FAILED \(name): \(message)") }

        let command = (["scripts/benchmark"] + flags + (options.merge ? ["--merge"] : [])).joined(separator: " ")
        var results: JSONValue = [
            "tool": "mtkd-bench", "command": .string(command),
            "started": .string(ISO8601DateFormatter().string(from: started)),
            "wall_seconds": .number(Date().timeIntervalSince(started)),
            "load_before": loadBefore.json, "load_after": loadAfter.json, "machine": machine,
            "rows": .array(rows.map(\.json)),
            "failures": .array(failures.map { ["measure": .string($0.0), "error": .string($0.1)] }),
        ]
        // A merge that failed does not touch the results file: its rows go to the scratch folder.
        let merging = options.merge && failures.isEmpty
        let out = options.out.map { Bench.absolute($0, base: bench.root) }.flatMap { options.merge && !merging ? nil : $0 }
            ?? (isSelection && !merging ? bench.path("results-only.json") : Bench.absolute("bench/results.json", base: bench.root))
        if merging, let data = FileManager.default.contents(atPath: out),
           let existing = try? JSONDecoder().decode(JSONValue.self, from: data) {
            results = Self.merged(results, into: existing, measures: measures.map { $0.name })
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try FileManager.default.createDirectory(atPath: (out as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try (encoder.encode(results) + Data("\n".utf8)).write(to: URL(fileURLWithPath: out), options: .atomic)
        print("wrote \(out.replacingOccurrences(of: bench.root + "/", with: ""))")
        if !failures.isEmpty { throw ExitCode(1) }
    }
}

extension BenchRun {
    /// `existing` with the rows of `measures` replaced by those of `run`, and `run` (without its
    /// rows and machine) appended to `merged_runs`.
    static func merged(_ run: JSONValue, into existing: JSONValue, measures: [String]) -> JSONValue {
        guard case .object(var pairs) = existing, case .object(let runPairs) = run else { return run }
        let replaced = Set(measures)
        let kept = (existing["rows"]?.array ?? []).filter { !replaced.contains($0["measure"]?.string ?? "") }
        let summary: JSONValue = .object(runPairs.filter { $0.key != "rows" && $0.key != "machine" }
                                         + [(key: "measures", value: .array(measures.map { .string($0) }))])
        func set(_ key: String, _ value: JSONValue) {
            if let i = pairs.firstIndex(where: { $0.key == key }) { pairs[i].value = value } else { pairs.append((key, value)) }
        }
        set("rows", .array(kept + (run["rows"]?.array ?? [])))
        set("merged_runs", .array((existing["merged_runs"]?.array ?? []).filter { run in
            !(run["measures"]?.array ?? []).contains { replaced.contains($0.string ?? "") }
        } + [summary]))
        return .object(pairs)
    }
}

/// The table a run prints: one row per measurement, then the notes.
enum ResultsTable {
    static func text(_ rows: [Measurement], loadBefore: LoadAverage, loadAfter: LoadAverage) -> String {
        let header = ["measure", "mtkd", "reference", "ratio", "goal", "", "CPU/wall", "load", "reference is"]
        let cells = rows.map { r -> [String] in
            [r.title, Format.number(r.mtkd), r.reference.map(Format.number) ?? "—", r.ratioText, r.goal.text(unit: r.unit),
             r.met.map { $0 ? "met" : "NOT MET" } ?? "?", r.cpuOverWall.map { String(format: "%.2f", $0) } ?? "—",
             String(format: "%.2f", r.loadBefore.one), r.referenceLabel]
        }
        let widths = header.indices.map { c in ([header] + cells).map { $0[c].count }.max()! }
        let rightAligned: Set<Int> = [1, 2, 3, 6, 7]
        func line(_ row: [String]) -> String {
            row.enumerated().map { c, s in
                let pad = String(repeating: " ", count: widths[c] - s.count)
                return rightAligned.contains(c) ? pad + s : s + pad
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        var out = [line(header), String(repeating: "-", count: widths.reduce(0, +) + 2 * (widths.count - 1))]
        out += cells.map(line)
        out.append("")
        out.append("ratio: bigger is better for mtkd (reference time / mtkd time, mtkd rate / reference rate), "
                   + "except memory (growth). CPU/wall: mtkd's side, ≈ 1 at one thread (≈ 2 with --jobs 2) on a quiet machine; "
                   + "load: 1-min load average before the measure (2 cores).")
        out.append(String(format: "load average before %.2f %.2f %.2f, after %.2f %.2f %.2f",
                          loadBefore.one, loadBefore.five, loadBefore.fifteen, loadAfter.one, loadAfter.five, loadAfter.fifteen))
        let crowded = rows.filter(\.wasCrowded).map(\.title)
        if !crowded.isEmpty {
            out.append("WARNING: other work shared the cores (CPU/wall well below 1 per core used) in: "
                       + crowded.joined(separator: "; ") + ". Those timings are inflated: run again on a quiet machine.")
        }
        for r in rows where !r.notes.isEmpty {
            out.append("")
            out += r.notes
        }
        return out.joined(separator: "\n")
    }
}
