import Artifacts
import Foundation
import MultiTask
import Predict
import Tabular
import Tensor

/// `transfer`: augmented copies of the training rows (`multiplier` per row), and every teacher
/// member's outputs on them, written to `transfer.h5` a block at a time.
///
/// Augmentation happens in the encoded feature space, where numeric features are scaled (as
/// the pipeline's `scaling:` says) and categorical ones one-hot, in this order per row: mixup
/// with another row of the block (probability `mixup`, λ ~ U(0.5, 1)), MUNGE-style swaps with
/// the nearest of 64 sampled rows of the block (each feature with probability `munge`),
/// categorical values redrawn from their training distribution (probability `resample`),
/// Gaussian noise on numeric features (`noise` of the feature's training standard deviations,
/// whatever its scaling). Each (block, copy) has its own seeded generator, so the file is the
/// same whatever the order of work.
public struct TransferStage {
    public let context: StageContext
    public init(context: StageContext) { self.context = context }

    /// Rows generated and labelled at once.
    static let blockRows = 8_192

    public func run(dataset: PreparedDataset) throws {
        let spec = context.spec
        guard let settings = spec.transfer else { return }
        let source = try SplitRows(path: context.layout.dataset, split: "train")
        let n = source.rows, m = settings.multiplier
        let augmenter = try Augmenter(features: dataset.features, settings: settings, source: source)
        // Every member of every teacher (MLP or GBDT), in memory (small next to the rows).
        let teachers = try spec.teacherTasks.map { task -> (task: TaskInfo, nets: [TeacherPredictor]) in
            let info = dataset.tasks[dataset.taskIndex(task)!]
            let nets = try spec.teacherMembers.filter { $0.teacher.task == task }.map {
                try TeacherMemberFile.read(from: context.spec.teacherMemberFile(task: task, member: $0.member)).makePredictor()
            }
            return (info, nets)
        }
        let attributes = ["multiplier": Double(m), "noise": settings.noise, "resample": settings.resample,
                          "munge": settings.munge, "mixup": settings.mixup]
        func label(_ rows: Matrix) throws -> [[Matrix]] {
            try teachers.map { t in
                try t.nets.map { t.task.inLabelUnits(try $0.predict(rows)) }
            }
        }
        // Unlabelled rows: counted first (the file's datasets have a fixed size), every cell checked.
        let unlabelled = try settings.unlabelled.map { try UnlabelledRows(path: $0, spec: spec, dataset: dataset) }
        let extra = try unlabelled?.count() ?? 0
        try TransferFile.write(to: context.layout.transfer, rows: n * m + extra, features: source.cols, attributes: attributes,
                               tasks: teachers.map { ($0.task.name, $0.task.kind, $0.nets.count, $0.task.head.outputs) }) { writer in
            var start = 0, block = 0
            while start < n {
                let range = start..<min(start + Self.blockRows, n)
                let x = try source.read(range)
                for copy in 0..<m {
                    if Interruption.requested { throw Interruption.Stopped(message: "interrupted; `mtkd run` makes the transfer set again") }
                    var rng = RNG(seed: RNG.derive(seed: spec.seed, stream: Seeds.fnv("transfer/block-\(block)/copy-\(copy)")))
                    let rows = augmenter.augment(x, rng: &rng)
                    try writer.append(rows, sourceRows: range.map(Int32.init), outputs: try label(rows))
                }
                start = range.upperBound
                block += 1
            }
            try unlabelled?.forEachBlock { rows in
                try writer.append(rows, sourceRows: [Int32](repeating: -1, count: rows.rows), outputs: try label(rows))
            }
        }
        let made = m > 0 ? "\(n * m) augmented (\(m) per training row)" : "no augmented"
        context.console.info("  \(made) and \(extra) unlabelled transfer rows, labelled by \(teachers.reduce(0) { $0 + $1.nets.count }) teacher members")
    }
}

/// Makes augmented copies of encoded rows.
struct Augmenter {
    let settings: TransferSpec
    /// Numeric feature columns.
    let numeric: [Int]
    /// Per numeric feature column: the noise's standard deviation in its transformed units,
    /// `noise × std / divisor` (`noise` itself for standard features).
    let noiseScales: [Float]
    /// One-hot groups: the columns of one categorical feature, and the training frequency of each.
    let groups: [(columns: [Int], cumulative: [Double])]

    init(features: [FeatureInfo], settings: TransferSpec, source: SplitRows) throws {
        self.settings = settings
        numeric = features.indices.filter { features[$0].kind == .numeric }
        noiseScales = Self.noiseScales(features: numeric.map { features[$0] }, noise: settings.noise)
        var byColumn: [String: [Int]] = [:], order: [String] = []
        for (i, f) in features.enumerated() where f.kind == .categorical {
            if byColumn[f.column] == nil { order.append(f.column) }
            byColumn[f.column, default: []].append(i)
        }
        // Category frequencies over the training rows, read a block at a time.
        var counts = [Double](repeating: 0, count: features.count)
        if !order.isEmpty {
            var start = 0
            while start < source.rows {
                let range = start..<min(start + TransferStage.blockRows, source.rows)
                let x = try source.read(range)
                for r in 0..<x.rows { for c in 0..<x.cols where features[c].kind == .categorical { counts[c] += Double(x[r, c]) } }
                start = range.upperBound
            }
        }
        groups = order.map { column in
            let cols = byColumn[column]!
            let total = max(cols.reduce(0) { $0 + counts[$1] }, 1)
            var running = 0.0
            return (cols, cols.map { running += counts[$0] / total; return running })
        }
    }

    func augment(_ x: Matrix, rng: inout RNG) -> Matrix {
        var out = x
        let n = x.rows, f = x.cols
        guard n > 0 else { return out }
        for r in 0..<n {
            if settings.mixup > 0, rng.uniformDouble() < settings.mixup {
                let other = rng.int(below: n)
                let lambda = Float(0.5 + 0.5 * rng.uniformDouble())
                for c in 0..<f { out[r, c] = lambda * x[r, c] + (1 - lambda) * x[other, c] }
            }
            if settings.munge > 0 {
                let neighbour = nearest(to: r, in: x, rng: &rng)
                for c in numeric where rng.uniformDouble() < settings.munge { out[r, c] = x[neighbour, c] }
                for g in groups where rng.uniformDouble() < settings.munge {
                    for c in g.columns { out[r, c] = x[neighbour, c] }
                }
            }
            if settings.resample > 0 {
                for g in groups where rng.uniformDouble() < settings.resample {
                    let u = rng.uniformDouble()
                    let pick = g.cumulative.firstIndex { u < $0 } ?? g.columns.count - 1
                    for (i, c) in g.columns.enumerated() { out[r, c] = i == pick ? 1 : 0 }
                }
            }
            if settings.noise > 0 {
                for (c, s) in zip(numeric, noiseScales) { out[r, c] += s * rng.normal() }
            }
        }
        return out
    }

    /// `noise` training standard deviations of each numeric feature in its transformed units:
    /// `noise × (std / divisor)`, which is `noise` exactly for a standard feature.
    static func noiseScales(features: [FeatureInfo], noise: Double) -> [Float] {
        features.map { Float(noise * ($0.std / $0.transform.divisor)) }
    }

    /// The nearest row to `r` (Euclidean) among 64 rows of the block drawn at random.
    func nearest(to r: Int, in x: Matrix, rng: inout RNG) -> Int {
        var best = r, bestDistance = Float.infinity
        for _ in 0..<min(64, x.rows) {
            let j = rng.int(below: x.rows)
            guard j != r else { continue }
            var d: Float = 0
            for c in 0..<x.cols { let e = x[r, c] - x[j, c]; d += e * e }
            if d < bestDistance { bestDistance = d; best = j }
        }
        return best
    }
}

/// A user's CSV of rows without labels, encoded block by block with the training split's
/// statistics and vocabularies (as `mtkd predict` encodes rows); missing cells imputed.
struct UnlabelledRows {
    let path: String
    let options: CSVOptions
    let preprocessing: Preprocessing

    init(path: String, spec: PipelineSpec, dataset: PreparedDataset) throws {
        self.path = path
        let data = spec.data
        options = CSVOptions(delimiter: UInt8(ascii: data.delimiter.unicodeScalars.first!), header: data.header,
                             columnNames: data.columnNames, missingValues: data.missingValues, trimWhitespace: true)
        preprocessing = Preprocessing(spec: spec, dataset: dataset, taskIndices: Array(dataset.tasks.indices))
    }

    /// Rows in the file, every feature cell checked (a bad cell is bad input: exit 64, file:line:column).
    func count() throws -> Int {
        var rows = 0
        try forEachBlock { rows += $0.rows }
        return rows
    }

    /// Calls `body` with each block's encoded rows, in file order.
    func forEachBlock(_ body: (Matrix) throws -> Void) throws {
        do {
            let reader = try CSVBlockReader(path, options: options)
            let encoder = try RowEncoder(preprocessing, columnNames: reader.columnNames, source: path, imputeMissing: true)
            var x = Matrix.empty
            while let table = try reader.next() {
                try encoder.encode(table, into: &x)
                try body(x)
            }
        } catch let e as PredictError {
            throw SpecError(file: path, line: nil, key: "transfer.unlabelled", message: e.errorDescription ?? "\(e)")
        } catch let e as CSVError {
            throw SpecError(file: path, line: nil, key: "transfer.unlabelled", message: e.errorDescription ?? "\(e)")
        }
    }
}
