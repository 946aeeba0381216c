import Foundation
import HDF5
import MultiTask
import Tensor

/// One column of the model's input after encoding.
public struct FeatureInfo: Equatable, Sendable, Codable {
    public enum Kind: String, Equatable, Sendable, Codable { case numeric, categorical }
    /// Encoded name: the column for numeric features, "column=value" for one-hot ones.
    public var name: String
    public var column: String
    public var kind: Kind
    /// Numeric: training mean and standard deviation (std 1 for a constant column); one-hot: 0 and 1.
    public var mean: Double
    public var std: Double
    /// Numeric: how the column is scaled and what a missing cell becomes (categorical: `.standard`, unused).
    public var scaling: FeatureScaling
    public init(name: String, column: String, kind: Kind, mean: Double, std: Double, scaling: FeatureScaling = .standard) {
        self.name = name; self.column = column; self.kind = kind; self.mean = mean; self.std = std; self.scaling = scaling
    }

    /// Numeric: the map from raw values to the input.
    public var transform: NumericTransform {
        NumericTransform(scaling.method, mean: mean, std: std, min: scaling.min, max: scaling.max)
    }
}

/// A task as prepared: its labels' meaning.
public struct TaskInfo: Equatable, Sendable, Codable {
    public var name: String
    public var column: String
    public var kind: TaskHead.Kind
    /// Classification: class names, index = label value.
    public var classes: [String]
    /// Regression: training mean and standard deviation of the label (models see standardised labels).
    public var labelMean: Double
    public var labelStd: Double
    public init(name: String, column: String, kind: TaskHead.Kind, classes: [String], labelMean: Double = 0, labelStd: Double = 1) {
        self.name = name; self.column = column; self.kind = kind; self.classes = classes
        self.labelMean = labelMean; self.labelStd = labelStd
    }

    public var head: TaskHead { TaskHead(name: name, kind: kind, outputs: kind == .classification ? classes.count : 1) }

    /// A network's outputs in label units: regression outputs are standardised (value · std + mean);
    /// classification outputs (logits) are returned as they are.
    public func inLabelUnits(_ m: Matrix) -> Matrix {
        guard kind == .regression else { return m }
        var m = m
        let (s, c) = (Float(labelStd), Float(labelMean))
        for i in 0..<m.count { m.storage[i] = m.storage[i] * s + c }
        return m
    }

    /// Label-unit values standardised as the networks learn them (classification: unchanged).
    public func standardised(_ m: Matrix) -> Matrix {
        guard kind == .regression else { return m }
        var m = m
        let (s, c) = (Float(labelStd), Float(labelMean))
        for i in 0..<m.count { m.storage[i] = (m.storage[i] - c) / s }
        return m
    }
}

/// The rows of one split.
public struct SplitData: Sendable {
    public var name: String
    /// (N, F) encoded features: numeric scaled (standard, minmax or none), categorical one-hot.
    public var x: Matrix
    /// Per task (in task order): class indices (−1 missing) or raw regression values (NaN missing).
    public var labels: [TaskTargets.Labels]
    /// Index of each row among the source file's data rows (0-based), for tracing back (empty
    /// when read without features: stages do not need it).
    public var sourceRows: [Int32]
    /// Rows of the split (also when `x` and `sourceRows` were not loaded).
    public let rowCount: Int
    public init(name: String, x: Matrix, labels: [TaskTargets.Labels], sourceRows: [Int32]) {
        self.name = name; self.x = x; self.labels = labels; self.sourceRows = sourceRows; self.rowCount = sourceRows.count
    }

    /// A split read without its features and source rows.
    init(name: String, rowCount: Int, labels: [TaskTargets.Labels]) {
        self.name = name; self.x = Matrix(rows: rowCount, cols: 0); self.labels = labels; self.sourceRows = []; self.rowCount = rowCount
    }
}

/// Reads rows of one split's features from `data/dataset.h5` on demand, so training and
/// evaluation hold one block of rows in memory instead of the whole split.
public final class SplitRows: @unchecked Sendable {
    public let path: String
    public let split: String
    public let rows: Int
    public let cols: Int
    private let dataset: H5Dataset

    public init(path: String, split: String) throws {
        self.path = path
        self.split = split
        let file = try H5File.open(path)
        // A chunk cache of 8 MiB: a block of consecutive rows touches each chunk once.
        dataset = try file.root.dataset("\(split)/x", chunkCacheBytes: 8 << 20)
        guard dataset.shape.count == 2 else {
            throw ArtifactError(path: path, "/\(split)/x has shape \(dataset.shape), expected (N, F)")
        }
        rows = dataset.shape[0]
        cols = dataset.shape[1]
    }

    /// Rows `range` as a (range.count, F) matrix: from the block cache or the blocks set aside
    /// decoded (`DecodedSpill`) when they hold them, else inflated from the file and set aside.
    /// - Parameter cached: false for a block read once (a single pass): it neither comes from nor
    ///   goes into either, which then keep what later passes read again.
    public func read(_ range: Range<Int>, cached: Bool = true) throws -> Matrix {
        guard cached else { return Matrix(rows: range.count, cols: cols, storage: try dataset.readRows(range, as: Float.self)) }
        let key = BlockCache.Key(path: path, split: split, start: range.lowerBound, end: range.upperBound)
        if let hit = BlockCache.shared.get(key) { return hit }
        if let set = try DecodedSpill.shared.get(path: path, split: split, rows: range, cols: cols) {
            BlockCache.shared.put(key, set)
            return set
        }
        let m = Matrix(rows: range.count, cols: cols, storage: try dataset.readRows(range, as: Float.self))
        DecodedSpill.shared.put(path: path, split: split, rows: range, m)
        BlockCache.shared.put(key, m)
        return m
    }

    /// Rows `range` as their non-zeros, when the decoded block was set aside that way (one-hot
    /// features) and is not in the block cache; nil otherwise (then `read` gives it dense).
    public func readNonZeros(_ range: Range<Int>) throws -> SparseRows? {
        let key = BlockCache.Key(path: path, split: split, start: range.lowerBound, end: range.upperBound)
        guard BlockCache.shared.get(key) == nil else { return nil }
        return try DecodedSpill.shared.getNonZeros(path: path, split: split, rows: range, cols: cols)
    }
}

/// Decoded feature blocks kept in memory across epochs and networks, up to a byte budget (least
/// recently used out first). Off by default: `DecodedSpill` already gives a block read again back
/// without inflating it, at any size, from the page cache rather than the process's memory; a
/// budget (`MTKD_BLOCK_CACHE_MB`) saves the copy back, for memory that grows with the data. Entries are immutable values; a file rewritten by a
/// later stage is a different key only if its path differs, so `invalidate(path:)` is called
/// whenever a dataset file is written.
public final class BlockCache: @unchecked Sendable {
    public struct Key: Hashable, Sendable { var path: String; var split: String; var start: Int; var end: Int }

    public static let shared = BlockCache()

    /// Bytes of decoded features kept at most (default 0; `MTKD_BLOCK_CACHE_MB` sets it in MiB).
    public var budget: Int
    private let lock = NSLock()
    private var entries: [Key: (matrix: Matrix, used: UInt64)] = [:]
    private var bytes = 0
    private var clock: UInt64 = 0

    init() {
        let mb = ProcessInfo.processInfo.environment["MTKD_BLOCK_CACHE_MB"].flatMap(Int.init) ?? 0
        budget = max(0, mb) << 20
    }

    func get(_ key: Key) -> Matrix? {
        lock.withLock {
            guard let e = entries[key] else { return nil }
            clock += 1
            entries[key] = (e.matrix, clock)
            return e.matrix
        }
    }

    func put(_ key: Key, _ m: Matrix) {
        let size = m.count * 4
        lock.withLock {
            guard size <= budget, entries[key] == nil else { return }
            while bytes + size > budget, let oldest = entries.min(by: { $0.value.used < $1.value.used }) {
                bytes -= oldest.value.matrix.count * 4
                entries[oldest.key] = nil
            }
            clock += 1
            entries[key] = (m, clock)
            bytes += size
        }
    }

    /// Forgets every block of `path` (called when the file is rewritten).
    public func invalidate(path: String) {
        lock.withLock {
            for key in entries.keys where key.path == path {
                bytes -= entries[key]!.matrix.count * 4
                entries[key] = nil
            }
        }
    }
}

/// What `PreparedDataset.write(to:…rows:)` asks for: a block of one split's rows at a time.
public protocol DatasetRows {
    /// (rows.count, F) encoded features of rows `rows` of split `split` (0 train, 1 val, 2 test).
    func features(split: Int, rows: Range<Int>) throws -> Matrix
    /// The labels of task `task` (in task order) for those rows.
    func labels(split: Int, task: Int, rows: Range<Int>) throws -> TaskTargets.Labels
    /// The 0-based data row of the source file each of those rows came from.
    func sourceRows(split: Int, rows: Range<Int>) throws -> [Int32]
}

/// `data/dataset.h5`: the prepared splits, features and tasks.
///
/// ```
/// /                    attrs mtkd_format="dataset", mtkd_version, source, seed
/// /features/name       (F) string      encoded feature names
/// /features/column     (F) string      source column of each feature
/// /features/kind       (F) string      numeric | categorical
/// /features/mean, std  (F) f64         training mean and std of numeric features (one-hot: 0, 1)
/// /features/scaling, min, max, impute   per feature (`ScalingArrays`), only when some numeric
///                                       feature is not `standard`
/// /tasks               attr order: task names in pipeline order
/// /tasks/<task>        group, attrs column, kind, classes, label_mean, label_std
/// /<split>/x           (N, F) f32      split ∈ train, val, test; chunked, shuffle+deflate
/// /<split>/y/<task>    (N) i32 (−1 = missing) or f32 (NaN = missing)
/// /<split>/source_row  (N) i32
/// ```
public struct PreparedDataset: Sendable {
    public static let format = "dataset"
    public static let splitNames = ["train", "val", "test"]

    public var source: String
    public var seed: UInt64
    public var features: [FeatureInfo]
    public var tasks: [TaskInfo]
    /// train, val, test
    public var splits: [SplitData]

    public init(source: String, seed: UInt64, features: [FeatureInfo], tasks: [TaskInfo], splits: [SplitData]) {
        self.source = source; self.seed = seed; self.features = features; self.tasks = tasks; self.splits = splits
    }

    public func split(_ name: String) -> SplitData? { splits.first { $0.name == name } }

    public func taskIndex(_ name: String) -> Int? { tasks.firstIndex { $0.name == name } }

    /// Writes the dataset atomically to `path`, each split's `x` from its matrix.
    public func write(to path: String) throws {
        try Self.write(to: path, source: source, seed: seed, features: features, tasks: tasks,
                       splitRows: splits.map { ($0.name, $0.rowCount) }, rows: InMemoryRows(splits: splits))
    }

    /// Writes a dataset atomically to `path`, asking `rows` for each split's features, labels and
    /// source rows one block of rows at a time, so that no split has to exist in memory whole.
    ///
    /// The bytes depend only on the values, not on how they are handed over: blocks of `blockRows`
    /// rows, each split's `x` first, then each task's labels, then the source rows.
    /// - Parameter splitRows: each split's name and row count, in file order (train, val, test).
    public static func write(to path: String, source: String, seed: UInt64, features: [FeatureInfo], tasks: [TaskInfo],
                             splitRows: [(name: String, rows: Int)], blockRows: Int = 16_384, rows: DatasetRows) throws {
        BlockCache.shared.invalidate(path: path)
        DecodedSpill.shared.invalidate(path: path)
        try AtomicWrite.write(to: path) { temp in
            let file = try H5File.create(temp)
            let root = file.root
            try ArtifactHeader.write(root, format: Self.format)
            try root.attributes.set("source", .string(source))
            try root.attributes.set("seed", .int(Int64(bitPattern: seed)))
            let f = try root.createGroup("features")
            try f.write(features.map(\.name), to: "name")
            try f.write(features.map(\.column), to: "column")
            try f.write(features.map(\.kind.rawValue), to: "kind")
            try f.write(features.map(\.mean), shape: [features.count], to: "mean")
            try f.write(features.map(\.std), shape: [features.count], to: "std")
            try ScalingArrays.write(features.map { ($0.kind == .numeric, $0.scaling) }, into: f)
            let t = try root.createGroup("tasks")
            try t.attributes.set("order", .strings(tasks.map(\.name)))
            for task in tasks {
                let g = try t.createGroup(task.name)
                try g.attributes.set("column", .string(task.column))
                try g.attributes.set("kind", .string(task.kind.rawValue))
                try g.attributes.set("classes", .strings(task.classes))
                try g.attributes.set("label_mean", .double(task.labelMean))
                try g.attributes.set("label_std", .double(task.labelStd))
            }
            /// Calls `body` with each block of `n` rows.
            func blocks(_ n: Int, _ body: (Range<Int>) throws -> Void) rethrows {
                var start = 0
                while start < n {
                    let block = start..<min(start + blockRows, n)
                    try body(block)
                    start = block.upperBound
                }
            }
            for (index, split) in splitRows.enumerated() {
                let g = try root.createGroup(split.name)
                let (n, f) = (split.rows, features.count)
                // Deflate level 1: one-hot features compress nearly as well as at 4, in a third of the time.
                let x = try g.createDataset("x", type: .float32, shape: [n, f], chunks: Self.rowChunks(rows: n, cols: f),
                                            compression: H5Compression(shuffle: true, deflateLevel: 1))
                try blocks(n) { block in
                    let m = try rows.features(split: index, rows: block)
                    guard m.rows == block.count, m.cols == f else {
                        throw ArtifactError(path: path, "features of /\(split.name) rows \(block) are \(m.rows)×\(m.cols), expected \(block.count)×\(f)")
                    }
                    try x.writeRows(block, m.storage)
                }
                let y = try g.createGroup("y")
                for (i, task) in tasks.enumerated() {
                    // Contiguous, as one write makes it: written a block at a time, the bytes are the same.
                    let d = try y.createDataset(task.name, type: task.kind == .classification ? .int32 : .float32, shape: [n])
                    try blocks(n) { block in
                        switch try rows.labels(split: index, task: i, rows: block) {
                        case .classes(let c) where task.kind == .classification: try d.writeRows(block, c)
                        case .values(let v) where task.kind == .regression: try d.writeRows(block, v)
                        default: throw ArtifactError(path: path, "labels of /\(split.name)/y/\(task.name) are not of a \(task.kind.rawValue) task")
                        }
                    }
                    try d.attributes.set("description", .string(task.kind == .classification
                        ? "class index into /tasks/\(task.name) classes; -1 = missing label"
                        : "label in label units; NaN = missing label"))
                }
                let sourceRow = try g.createDataset("source_row", type: .int32, shape: [n])
                try blocks(n) { block in try sourceRow.writeRows(block, try rows.sourceRows(split: index, rows: block)) }
                try sourceRow.attributes.set("description", .string("0-based data row of the source file this row came from"))
                try x.attributes.set("description", .string(features.contains { $0.kind == .numeric && $0.scaling != .standard }
                    ? "features (row, feature): numeric scaled as /features/scaling says (with /features/mean, std, min, max; missing → /features/impute), categorical one-hot; names in /features/name"
                    : "features (row, feature): numeric standardised with /features/mean and std, categorical one-hot; names in /features/name"))
            }
            try file.close()
        }
    }

    /// The rows of splits held in memory.
    private struct InMemoryRows: DatasetRows {
        var splits: [SplitData]
        func features(split: Int, rows: Range<Int>) throws -> Matrix { splits[split].x.rows(rows) }
        func labels(split: Int, task: Int, rows: Range<Int>) throws -> TaskTargets.Labels {
            switch splits[split].labels[task] {
            case .classes(let c): return .classes(Array(c[rows]))
            case .values(let v): return .values(Array(v[rows]))
            }
        }
        func sourceRows(split: Int, rows: Range<Int>) throws -> [Int32] { Array(splits[split].sourceRows[rows]) }
    }

    /// Chunks of whole rows, about 256 KiB each (at least one row).
    public static func rowChunks(rows: Int, cols: Int) -> [Int] {
        let perChunk = max(1, min(max(rows, 1), (256 * 1024) / max(1, cols * 4)))
        return [perChunk, max(cols, 1)]
    }

    /// Reads a dataset written by `write(to:)`. With `features: false` every split's `x` is
    /// left empty (0 columns), its source rows are not read, and only features, tasks and labels
    /// are: stages then stream rows with `SplitRows`.
    public static func read(from path: String, features loadFeatures: Bool = true) throws -> PreparedDataset {
        let file = try H5File.open(path)
        let root = file.root
        try ArtifactHeader.check(root, format: format, path: path)
        let source = try root.attributes.string("source")
        let seed = UInt64(bitPattern: try root.attributes.int("seed"))
        let f = try root.group("features")
        let names = try f.dataset("name").readStrings()
        let columns = try f.dataset("column").readStrings()
        let kinds = try f.dataset("kind").readStrings()
        let means = try f.dataset("mean").read(Double.self)
        let stds = try f.dataset("std").read(Double.self)
        guard columns.count == names.count, kinds.count == names.count, means.count == names.count, stds.count == names.count else {
            throw ArtifactError(path: path, "/features arrays have different lengths")
        }
        var features: [FeatureInfo] = []
        for i in names.indices {
            guard let kind = FeatureInfo.Kind(rawValue: kinds[i]) else {
                throw ArtifactError(path: path, "/features/kind[\(i)] is '\(kinds[i])', expected numeric or categorical")
            }
            features.append(FeatureInfo(name: names[i], column: columns[i], kind: kind, mean: means[i], std: stds[i]))
        }
        let scaling = try ScalingArrays.read(from: f, numeric: features.map { $0.kind == .numeric }, names: names) {
            ArtifactError(path: path, "/features\($0)")
        }
        for i in features.indices { features[i].scaling = scaling[i] }
        let tg = try root.group("tasks")
        var tasks: [TaskInfo] = []
        // Task order is the order of the pipeline file, kept as the "order" attribute of /tasks.
        let order = try tg.attributes.strings("order")
        for name in order {
            let g = try tg.group(name)
            let kindName = try g.attributes.string("kind")
            guard let kind = TaskHead.Kind(rawValue: kindName) else {
                throw ArtifactError(path: path, "/tasks/\(name) kind is '\(kindName)', expected classification or regression")
            }
            tasks.append(TaskInfo(name: name, column: try g.attributes.string("column"), kind: kind,
                                  classes: try g.attributes.strings("classes"),
                                  labelMean: try g.attributes.double("label_mean"), labelStd: try g.attributes.double("label_std")))
        }
        var splits: [SplitData] = []
        for s in splitNames where root.contains(s) {
            let g = try root.group(s)
            let xd = try g.dataset("x")
            guard xd.shape.count == 2, xd.shape[1] == features.count else {
                throw ArtifactError(path: path, "/\(s)/x has shape \(xd.shape), expected (N, \(features.count))")
            }
            let x = loadFeatures ? Matrix(rows: xd.shape[0], cols: xd.shape[1], storage: try xd.read(Float.self))
                                 : Matrix(rows: xd.shape[0], cols: 0)
            var labels: [TaskTargets.Labels] = []
            for task in tasks {
                let d = try g.dataset("y/\(task.name)")
                guard d.shape == [x.rows] else {
                    throw ArtifactError(path: path, "/\(s)/y/\(task.name) has shape \(d.shape), expected (\(x.rows))")
                }
                labels.append(task.kind == .classification ? .classes(try d.read(Int32.self)) : .values(try d.read(Float.self)))
            }
            splits.append(loadFeatures ? SplitData(name: s, x: x, labels: labels, sourceRows: try g.dataset("source_row").read(Int32.self))
                                       : SplitData(name: s, rowCount: x.rows, labels: labels))
        }
        return PreparedDataset(source: source, seed: seed, features: features, tasks: tasks, splits: splits)
    }
}

/// The attributes every mtkd file opens with, so a reader can tell what it holds.
public enum ArtifactHeader {
    public static func write(_ root: H5Group, format: String) throws {
        try root.attributes.set("mtkd_format", .string(format))
        try root.attributes.set("mtkd_version", .int(ArtifactFormat.version))
    }

    /// Throws unless `root` is an mtkd file of `format` at the current version.
    public static func check(_ root: H5Group, format: String, path: String) throws {
        guard root.attributes.contains("mtkd_format") else {
            throw ArtifactError(path: path, "not an mtkd artifact (no mtkd_format attribute on /)")
        }
        let found = try root.attributes.string("mtkd_format")
        guard found == format else { throw ArtifactError(path: path, "is an mtkd \(found) file, expected \(format)") }
        let version = try root.attributes.int("mtkd_version")
        guard version == ArtifactFormat.version else {
            throw ArtifactError(path: path, JSONArtifact.versionMismatch(found: version))
        }
    }
}
