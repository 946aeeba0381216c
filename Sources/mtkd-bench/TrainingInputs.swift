import Artifacts
import Foundation
import MultiTask
import Tensor

/// The kd student of pipelines/census-income.yaml, as both sides of the training measures train it.
enum StudentRecipe {
    static let hidden = [256, 128]
    static let dropout: Float = 0.1
    static let batchSize = 256
    static let learningRate: Float = 1e-3
    static let alpha: Float = 0.5
    static let temperature: Float = 1
    static let seed: UInt64 = 42

    /// The same recipe as arguments of bench/torch_step.py.
    static var torchArguments: [String] {
        ["--hidden"] + hidden.map(String.init)
            + ["--dropout", "\(dropout)", "--batch-size", "\(batchSize)", "--lr", "\(learningRate)",
               "--alpha", "\(alpha)", "--temperature", "\(temperature)", "--seed", "\(seed)"]
    }

    static var json: JSONValue {
        ["architecture": "hard-sharing", "hidden": .array(hidden.map { .number(Double($0)) }),
         "dropout": .number(Double(dropout)), "batch_size": .number(Double(batchSize)), "optimizer": "adam",
         "learning_rate": .number(Double(learningRate)), "alpha": .number(Double(alpha)),
         "temperature": .number(Double(temperature)), "heads": "one 2-logit head per task",
         "loss": "per task (1-α)·CE(y, p) + α·T²·KL(q_T ‖ p_T), summed"]
    }
}

/// The training arrays of the training measures: the census training split of a prepared
/// `dataset.h5` (or a synthetic matrix of its shape and one-hot sparsity), with soft targets.
///
/// The soft targets are synthetic (rows summing to 1, leaning to the label): their values do not
/// change the work of a step. The same arrays are written as `.npy` files for bench/torch_step.py,
/// so both sides see identical inputs.
struct TrainingInputs {
    /// (N, F)
    var x: Matrix
    var tasks: [String]
    /// Per task, N class indices (0 or 1).
    var labels: [[Int32]]
    /// Per task, (N, 2) target probabilities.
    var soft: [Matrix]
    /// The dataset file, or "synthetic".
    var source: String
    /// Folder of the `.npy` copies.
    var folder: String
    /// Fraction of x's elements that are not zero.
    var density: Double

    var rows: Int { x.rows }

    var trainingSet: LabelledSet {
        LabelledSet(x: x, targets: tasks.indices.map { TaskTargets(labels: .classes(labels[$0]), soft: soft[$0]) })
    }

    /// No rows: the trainer's per-epoch validation then costs nothing.
    var emptySet: LabelledSet {
        LabelledSet(x: Matrix(rows: 0, cols: x.cols), targets: tasks.map { _ in TaskTargets(labels: .classes([])) })
    }

    var heads: [TaskHead] { tasks.map { TaskHead(name: $0, kind: .classification, outputs: 2) } }

    var json: JSONValue {
        ["source": .string(source), "rows": .number(Double(x.rows)), "features": .number(Double(x.cols)),
         "tasks": .array(tasks.map { .string($0) }),
         "nonzero_per_row": .number(density * Double(x.cols)),
         "soft_targets": "synthetic (values do not change the work)", "npy_folder": .string(folder)]
    }

    /// Census rows of the training split and their shape.
    static let censusRows = 179_571, censusFeatures = 494

    static func load(dataset: String?, folder: String, log: (String) -> Void) throws -> TrainingInputs {
        var rng = RNG(seed: 2024)
        var x: Matrix, tasks: [String], labels: [[Int32]]
        if let dataset {
            let prepared = try PreparedDataset.read(from: dataset)
            guard let train = prepared.split("train") else { throw BenchError("\(dataset) has no train split") }
            x = train.x
            tasks = prepared.tasks.map(\.name)
            labels = try train.labels.map { l in
                guard case .classes(let c) = l else { throw BenchError("\(dataset): the benchmark expects classification tasks") }
                return c.map { max($0, 0) }
            }
        } else {
            (x, tasks, labels) = synthetic(&rng)
        }
        let soft = labels.map { y -> Matrix in
            var q = Matrix(rows: y.count, cols: 2)
            for i in y.indices {
                let p1 = y[i] == 1 ? 0.6 + 0.4 * rng.uniform() : 0.4 * rng.uniform()
                q.storage[2 * i] = 1 - p1
                q.storage[2 * i + 1] = p1
            }
            return q
        }
        let density = Double(x.storage.lazy.filter { $0 != 0 }.count) / Double(max(x.count, 1))
        let inputs = TrainingInputs(x: x, tasks: tasks, labels: labels, soft: soft, source: dataset ?? "synthetic", folder: folder,
                                    density: density)
        try inputs.writeNumpy()
        log("  training inputs: \(x.rows) × \(x.cols) from \(dataset ?? "a synthetic matrix"), tasks \(tasks.joined(separator: ", "))")
        return inputs
    }

    /// A census-shaped matrix: 7 standard-normal columns, then 32 one-hot groups over 487 columns.
    private static func synthetic(_ rng: inout RNG) -> (Matrix, [String], [[Int32]]) {
        let n = censusRows, numeric = 7, groups = 32
        let oneHot = censusFeatures - numeric
        var x = Matrix(rows: n, cols: censusFeatures)
        var income = [Int32](repeating: 0, count: n), marital = [Int32](repeating: 0, count: n)
        for r in 0..<n {
            for j in 0..<numeric { x[r, j] = rng.normal() }
            var start = numeric
            for g in 0..<groups {
                let size = oneHot / groups + (g < oneHot % groups ? 1 : 0)
                x[r, start + rng.int(below: size)] = 1
                start += size
            }
            income[r] = rng.uniform() < 0.062 ? 1 : 0
            marital[r] = rng.uniform() < 0.434 ? 1 : 0
        }
        return (x, ["income", "marital"], [income, marital])
    }

    /// x.npy, y_<task>.npy (int32), q_<task>.npy (float32) in `folder`.
    private func writeNumpy() throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Numpy.write(x.storage, shape: [x.rows, x.cols], to: "\(folder)/x.npy")
        for (t, name) in tasks.enumerated() {
            try Numpy.write(labels[t], shape: [labels[t].count], to: "\(folder)/y_\(name).npy")
            try Numpy.write(soft[t].storage, shape: [soft[t].rows, soft[t].cols], to: "\(folder)/q_\(name).npy")
        }
        let names = tasks.map { "\"\($0)\"" }.joined(separator: ", ")
        try Data("{\"tasks\": [\(names)]}\n".utf8).write(to: URL(fileURLWithPath: "\(folder)/tasks.json"))
    }
}

/// Writing NumPy's `.npy` format (version 1.0, little-endian, C order).
enum Numpy {
    static func write<T>(_ values: [T], shape: [Int], to path: String) throws {
        let descr: String
        switch T.self {
        case is Float.Type: descr = "<f4"
        case is Int32.Type: descr = "<i4"
        default: throw BenchError("no .npy type for \(T.self)")
        }
        let dims = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(dims), }"
        // Magic (6) + version (2) + length (2) + header, padded with spaces to a multiple of 64, ending in \n.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let length = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
        data.append(contentsOf: Array(header.utf8))
        values.withUnsafeBytes { data.append(contentsOf: $0) }
        try data.write(to: URL(fileURLWithPath: path))
    }
}
