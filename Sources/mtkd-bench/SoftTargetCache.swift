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
/// (with the same fsync and rename; its time without them is in the details). Best of the repeats.
enum SoftTargetCache: Measure {
    static let name = "soft-targets"
    static let summary = "soft-target cache write and read (s), SoftTargetsFile vs h5py"
    static let isSlow = false
    static let goal = 1.0

    static func run(in bench: Bench) throws -> [Measurement] {
        let folder = bench.path("soft-targets")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let (file, source) = try arrays(bench)
        let path = "\(folder)/mtkd.h5"
        let loadBefore = LoadAverage.now()
        var writes: [(wall: Double, cpu: Double)] = [], reads: [(wall: Double, cpu: Double)] = []
        for _ in 1...bench.options.repeats {
            let w = Stopwatch.start()
            try file.write(to: path)
            writes.append((w.wallSeconds, w.cpuSeconds))
        }
        for _ in 1...bench.options.repeats {
            let r = Stopwatch.start()
            let back = try SoftTargetsFile.read(from: path)
            reads.append((r.wallSeconds, r.cpuSeconds))
            guard back.tasks.count == file.tasks.count else { throw BenchError("read back \(back.tasks.count) tasks") }
        }
        let loadMiddle = LoadAverage.now()
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
        bench.log("  mtkd: write \(Format.number(writes.map(\.wall).min()!)) s, read \(Format.number(reads.map(\.wall).min()!)) s, "
                  + "\(Format.number(Double(size ?? 0) / 1_048_576)) MiB")

        let h5py = try bench.pythonJSON("h5py_soft_targets.py", ["--source", path, "--folder", folder,
                                                                 "--repeats", "\(bench.options.repeats)"])
        guard let hWrite = h5py["write_seconds"]?.double, let hRead = h5py["read_seconds"]?.double else {
            throw BenchError("h5py_soft_targets.py gave no write_seconds/read_seconds")
        }
        let version = h5py["h5py"]?.string ?? "?", hdf5 = h5py["hdf5"]?.string ?? "?"
        let label = "h5py \(version) (HDF5 \(hdf5)), same settings"
        let k = file.tasks.first?.memberOutputs.count ?? 0, n = file.tasks.first?.targets.rows ?? 0
        let shared: JSONValue = [
            "arrays": .string(source), "tasks": .number(Double(file.tasks.count)), "members": .number(Double(k)),
            "rows": .number(Double(n)), "classes": 2, "mtkd_file_bytes": .number(size.map(Double.init)),
            "mtkd_write_seconds": .numbers(writes.map(\.wall)), "mtkd_read_seconds": .numbers(reads.map(\.wall)),
            "h5py": h5py]
        let best = { (runs: [(wall: Double, cpu: Double)]) in runs.min { $0.wall < $1.wall }! }
        let bw = best(writes), br = best(reads)
        return [
            Measurement(measure: name, key: "write", title: "soft-target cache write (s)", unit: "s",
                        mtkd: bw.wall, reference: hWrite, referenceLabel: label, ratioLabel: "h5py time / mtkd time",
                        ratio: hWrite / bw.wall, goal: .ratioAtLeast(goal), cpuOverWall: bw.cpu / bw.wall,
                        loadBefore: loadBefore, loadAfter: loadMiddle, details: shared),
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
