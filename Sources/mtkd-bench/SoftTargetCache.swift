import Artifacts
import Foundation
import MultiTask
import NN
import Tensor

/// Measure 3: writing and reading the soft-target cache (`SoftTargetsFile`) against h5py on
/// the same arrays and storage settings.
///
/// Two tasks, each K = 3 members' logits (K, N, 2) and the ensemble's probabilities (N, 2), with
/// N the census training rows: the arrays of a benchmark end-to-end run when there is one, else
/// synthetic teacher-like logits. mtkd writes through `SoftTargetsFile.write(to:)` (temporary
/// name, fsync, rename) and reads through `read(from:)`; bench/h5py_soft_targets.py takes the
/// arrays, attributes, chunk shapes and filters from mtkd's file and does the same with h5py
/// (with the same fsync and rename; its time without fsync is in the details). Rounds alternate
/// the two sides so both meet the same load; the best of at least 5 counts.
enum SoftTargetCache: Measure {
    static let name = "soft-targets"
    static let summary = "soft-target cache write and read (s), SoftTargetsFile vs h5py"
    static let isSlow = false
    static let goal = 1.0

    /// Rounds (at least): each an mtkd write and read, then an h5py write and read.
    static let minimumRounds = 5

    static func run(in bench: Bench) throws -> [Measurement] {
        let folder = bench.path("soft-targets")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let (file, source) = try arrays(bench)
        let path = "\(folder)/mtkd.h5"
        let loadBefore = LoadAverage.now()
        typealias Timing = (wall: Double, cpu: Double)
        var writes: [Timing] = [], reads: [Timing] = [], h5py: [JSONValue] = []
        for _ in 1...max(bench.options.repeats, minimumRounds) {
            let w = Stopwatch.start()
            try file.write(to: path)
            writes.append((w.wallSeconds, w.cpuSeconds))
            let r = Stopwatch.start()
            let back = try SoftTargetsFile.read(from: path)
            reads.append((r.wallSeconds, r.cpuSeconds))
            guard back.tasks.count == file.tasks.count else { throw BenchError("read back \(back.tasks.count) tasks") }
            h5py.append(try bench.pythonJSON("h5py_soft_targets.py", ["--source", path, "--folder", folder, "--repeats", "1"]))
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
        func times(_ key: String) throws -> [Double] {
            try h5py.map { run in
                guard let t = run[key]?.double else { throw BenchError("h5py_soft_targets.py gave no \(key)") }
                return t
            }
        }
        let hWrites = try times("write_seconds"), hReads = try times("read_seconds")
        let hWrite = hWrites.min()!, hRead = hReads.min()!
        let bw = writes.min { $0.wall < $1.wall }!, br = reads.min { $0.wall < $1.wall }!
        bench.log("  mtkd: write \(Format.number(bw.wall)) s, read \(Format.number(br.wall)) s; "
                  + "h5py: write \(Format.number(hWrite)) s, read \(Format.number(hRead)) s (best of \(writes.count))")
        let last = h5py.last ?? .null
        let label = "h5py \(last["h5py"]?.string ?? "?") (HDF5 \(last["hdf5"]?.string ?? "?")), same settings"
        let k = file.tasks.first?.memberOutputs.count ?? 0, n = file.tasks.first?.targets.rows ?? 0
        let details: JSONValue = [
            "arrays": .string(source), "tasks": .number(Double(file.tasks.count)), "members": .number(Double(k)),
            "rows": .number(Double(n)), "classes": 2, "mtkd_file_bytes": .number(size.map(Double.init)),
            "order": "rounds of an mtkd write and read, then an h5py write and read (a fresh process each)",
            "mtkd_write_seconds": .numbers(writes.map(\.wall)), "mtkd_read_seconds": .numbers(reads.map(\.wall)),
            "h5py_write_seconds": .numbers(hWrites), "h5py_read_seconds": .numbers(hReads),
            "h5py_write_without_fsync_seconds": .numbers((try? times("write_without_fsync_seconds")) ?? []),
            "h5py_last_run": last]
        return [
            Measurement(measure: name, key: "write", title: "soft-target cache write (s)", unit: "s",
                        mtkd: bw.wall, reference: hWrite, referenceLabel: label, ratioLabel: "h5py time / mtkd time",
                        ratio: hWrite / bw.wall, goal: .ratioAtLeast(goal), cpuOverWall: bw.cpu / bw.wall,
                        loadBefore: loadBefore, loadAfter: LoadAverage.now(), details: details),
            Measurement(measure: name, key: "read", title: "soft-target cache read (s)", unit: "s",
                        mtkd: br.wall, reference: hRead, referenceLabel: label, ratioLabel: "h5py time / mtkd time",
                        ratio: hRead / br.wall, goal: .ratioAtLeast(goal), cpuOverWall: br.cpu / br.wall,
                        loadBefore: loadBefore, loadAfter: LoadAverage.now(), details: ["see": "the write row's details"]),
        ]
    }

    /// The end-to-end run's soft targets when the benchmark made them, else synthetic ones of the census shape.
    static func arrays(_ bench: Bench) throws -> (SoftTargetsFile, String) {
        let real = "\(EndToEnd.artifactsRoot(bench))/\(bench.pipelineName)/soft-targets.h5"
        if FileManager.default.fileExists(atPath: real), let file = try? SoftTargetsFile.read(from: real) {
            return (file, real)
        }
        let rows = (try? bench.trainingInputs().rows) ?? TrainingInputs.censusRows
        var rng = RNG(seed: 11)
        let tasks = ["income", "marital"].map { task -> TaskSoftTargets in
            // Members agree on a per-row margin and differ a little, as seeds of one recipe do.
            let margin = (0..<rows).map { _ in 3 * rng.normal() }
            let members = (0..<3).map { _ -> Matrix in
                var z = Matrix(rows: rows, cols: 2)
                for i in 0..<rows {
                    let bias = rng.normal()
                    z.storage[2 * i] = bias - 0.5 * margin[i] + 0.2 * rng.normal()
                    z.storage[2 * i + 1] = bias + 0.5 * margin[i] + 0.2 * rng.normal()
                }
                return z
            }
            var probs = Matrix(rows: rows, cols: 2)
            for z in members {
                let p = Softmax.probabilities(z)
                probs.add(p, scale: 1 / Float(members.count))
            }
            return TaskSoftTargets(task: task, kind: .classification, memberOutputs: members, targets: probs,
                                   memberValidation: [0.95, 0.95, 0.95])
        }
        return (SoftTargetsFile(temperature: 1, combine: "mean-probs", tasks: tasks), "synthetic")
    }
}
