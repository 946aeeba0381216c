import Artifacts
import Foundation
import MultiTask
import Tabular
import Tensor

/// `prepare`: CSV → `data/dataset.h5`, streaming: memory holds a block of rows, a few bytes
/// per row for the split assignment and the vocabularies, never a whole file.
///
/// Numeric features are scaled (`standard`, `minmax` or `none` per column) and categorical ones
/// one-hot encoded with statistics fitted on the training split only; rows are split with the
/// pipeline seed (or come from given files); labels that are missing stay missing (−1 / NaN),
/// and rows with a missing *feature* are dropped or imputed as the pipeline says.
///
/// Each file is read twice, a block at a time. The first pass checks every cell and counts the
/// rows, which fixes each row's split and place in it; the second puts each kept row's values,
/// as a fixed-size record, at its place in a temporary file per split (`RowSpill`). The training
/// statistics are then summed over the training records in split order, and the dataset is
/// written from the records a block at a time. Every check happens before anything is written,
/// and the bytes written are those of the whole-file prepare that came before.
public struct PrepareStage {
    public let spec: PipelineSpec
    /// Text per block of a CSV file, about (internal: tests make blocks tiny).
    var blockBytes = 4 << 20
    /// Rows per bucket of the temporary record files (what reading them back holds in memory).
    var bucketRows = 16_384

    public init(spec: PipelineSpec) { self.spec = spec }

    /// What `prepare` wrote: the features, the tasks and the rows of each split.
    public struct Summary: Sendable {
        public var features: [FeatureInfo]
        public var tasks: [TaskInfo]
        /// Rows per split, in `PreparedDataset.splitNames` order.
        public var rows: [Int]
    }

    /// Prepares the dataset and writes it to `path`.
    @discardableResult
    public func run(writingTo path: String, log: (String) -> Void = { _ in }) throws -> Summary {
        let rows = try build(temporaryFolder: Self.existingFolder(of: path), log: log)
        try PreparedDataset.write(to: path, source: Self.sourceDescription(spec.data.source), seed: spec.seed,
                                  features: rows.encoder.features, tasks: rows.tasks,
                                  splitRows: zip(PreparedDataset.splitNames, rows.counts).map { ($0, $1) }, rows: rows)
        return Summary(features: rows.encoder.features, tasks: rows.tasks, rows: rows.counts)
    }

    /// A file read for one or more splits, and where its kept rows go.
    struct Source {
        var scan: SourceScan
        var placement: () -> RowPlacement
    }

    /// Everything but the encoded features: the splits' records, the fitted encoder and tasks.
    ///
    /// Every check of the data happens here, before anything is written: the splits' sizes,
    /// every feature cell (numbers finite, texts free of control characters), the labels
    /// (classes fitted on the training split, positive values present), and whether the
    /// networks fit in memory at the encoded width.
    /// - Parameter temporaryFolder: where the records are set aside (files unlinked at once).
    func build(temporaryFolder: String, log: (String) -> Void) throws -> PreparedRows {
        let data = spec.data
        let options = CSVOptions(delimiter: UInt8(ascii: data.delimiter.unicodeScalars.first!), header: data.header,
                                 columnNames: data.columnNames, missingValues: data.missingValues, trimWhitespace: true)
        func scan(_ path: String, key: String) throws -> SourceScan {
            let s = try SourceScan(spec: spec, path: path, key: key, options: options, blockBytes: blockBytes)
            log("read \(s.rows) rows × \(s.columnNames.count) columns from \(Self.display(path))")
            return s
        }
        /// `5 rows of data.csv after dropping 2 with missing features`
        func origin(_ kept: Int, of source: SourceScan, _ what: String = "rows") -> String {
            let dropped = source.rows - kept
            return "\(kept) \(what) of \(Self.display(source.path))"
                + (dropped > 0 ? " after dropping \(dropped) with missing features" : "")
        }
        var sources: [Source] = []
        /// Per split (train, val, test): the index of its source, and its rows.
        var sourceOf: [Int] = []
        var counts: [Int] = []
        let seed = spec.seed
        switch data.source {
        case .single(let path, let split):
            let table = try scan(path, key: "data.csv")
            let n = table.kept
            let nTrain = Int((split.train * Double(n)).rounded())
            let nVal = min(Int((split.val * Double(n)).rounded()), n - nTrain)
            let nTest = n - nTrain - nVal
            try Self.requireSplitSizes(["train": nTrain, "val": nVal, "test": nTest]) { name, count, minimum in
                let fraction = name == "train" ? split.train : name == "val" ? split.val : split.test
                var advice = ""
                if n >= Self.minimumRows.values.reduce(0, +) {
                    // The smallest fraction (in thousandths) that gives the split its minimum.
                    var needed = (Double(minimum) / Double(n) * 1000).rounded(.up) / 1000
                    while Int((needed * Double(n)).rounded()) < minimum { needed += 0.001 }
                    advice = "; raise split.\(name) to at least \(SpecDataDraft.format(needed))"
                }
                return SpecError(file: spec.file, key: "data.split",
                                 message: "the \(name) split would get \(count) row\(count == 1 ? "" : "s") (\(SpecDataDraft.format(fraction)) of "
                                     + "\(origin(n, of: table, "usable rows"))); it needs at least \(minimum)\(advice)")
            }
            sources = [Source(scan: table, placement: { .permuted(count: n, train: nTrain, val: nVal, seed: seed) })]
            sourceOf = [0, 0, 0]
            counts = [nTrain, nVal, nTest]
        case .files(let trainPath, let valPath, let testPath, let valFraction):
            let train = try scan(trainPath, key: "data.files.train")
            let val = try valPath.map { try scan($0, key: "data.files.val") }
            let test = try scan(testPath, key: "data.files.test")
            if let val {
                let tables = ["train": train, "val": val, "test": test]
                try Self.requireSplitSizes(["train": train.kept, "val": val.kept, "test": test.kept]) { name, count, minimum in
                    SpecError(file: spec.file, key: "data.files.\(name)",
                              message: "the \(name) split has \(origin(count, of: tables[name]!)); it needs at least \(minimum)")
                }
                sources = [Source(scan: train, placement: { RowPlacement(.whole(split: 0)) }),
                           Source(scan: val, placement: { RowPlacement(.whole(split: 1)) })]
                sourceOf = [0, 1, 2]
                counts = [train.kept, val.kept, test.kept]
            } else {
                let n = train.kept
                let nVal = min(max(1, Int((valFraction * Double(n)).rounded())), n)
                try Self.requireSplitSizes(["train": n - nVal, "val": nVal, "test": test.kept]) { name, count, minimum in
                    if name == "test" {
                        return SpecError(file: spec.file, key: "data.files.test",
                                         message: "the test split has \(origin(count, of: test)); it needs at least \(minimum)")
                    }
                    return SpecError(file: spec.file, key: "data.val_fraction",
                                     message: "holding out \(nVal) for validation from \(origin(n, of: train)) "
                                         + "leaves \(n - nVal) for training; the \(name) split needs at least \(minimum)")
                }
                // The training rows stay in file order (the hold-out is random).
                sources = [Source(scan: train, placement: { .heldOut(count: n, validation: nVal, seed: seed) })]
                sourceOf = [0, 0, 1]
                counts = [n - nVal, nVal, test.kept]
            }
            sources.append(Source(scan: test, placement: { RowPlacement(.whole(split: 2)) }))
        }
        let scans = sourceOf.map { sources[$0].scan }
        try checkFeatureCells(scans)

        // Second pass: each kept row's record at its place in its split.
        let record = RowRecord(spec: spec)
        let spills = try PreparedDataset.splitNames.indices.map { s in
            try RowSpill(directory: temporaryFolder, name: "prepare-\(PreparedDataset.splitNames[s])", rows: counts[s],
                         recordBytes: record.bytes, bucketRows: bucketRows)
        }
        for source in sources {
            var placement = source.placement()
            try setAside(source.scan, placement: &placement, record: record, into: spills)
        }
        for spill in spills { try spill.finish() }

        let rows = PreparedRows(spec: spec, scans: scans, spills: spills, record: record, counts: counts)
        try rows.fit()
        try checkMemory(encoder: rows.encoder, tasks: rows.tasks, trainingRows: counts[0])
        // Every split's labels can be read (the training file's were checked when fitting).
        for scan in scans {
            for task in spec.tasks {
                let column = scan.columnIndex(task.column)!
                let key = "tasks.\(task.name).column"
                if task.kind == .classification { try scan.requireCategorical(column, key: key) } else { try scan.requireNumeric(column, key: key) }
            }
        }
        rows.makePlans()
        return rows
    }

    /// Reads `scan`'s file again and puts each kept row's record into its split's spill.
    func setAside(_ scan: SourceScan, placement: inout RowPlacement, record: RowRecord, into spills: [RowSpill]) throws {
        let features = spec.data.features.map { scan.columnIndex($0.column)! }
        let dropRows = spec.data.missingFeatures == .dropRow
        let missingColumns = Array(Set(features)).sorted()
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: record.bytes, alignment: 8)
        defer { buffer.deallocate() }
        buffer.initializeMemory(as: UInt8.self, repeating: 0, count: record.bytes)
        var k = 0
        /// The file changed between the two readings (`rows`: the usable rows the second found).
        func changed(_ rows: String) -> SpecError {
            SpecError(file: spec.file, key: scan.key,
                      message: "\(scan.path) changed while prepare read it: \(scan.kept) usable rows the first time, \(rows) the second")
        }
        try scan.forEachBlock { block, first in
            let n = block.rowCount
            // Each column decoded once per block; a label column with a bad cell is left missing (its error comes later).
            var numbers: [Int: [Double]] = [:], codes: [Int: [Int32]] = [:]
            for c in scan.numericColumns {
                numbers[c] = scan.isValidNumeric(c) ? try block.numericColumn(c) : [Double](repeating: .nan, count: n)
            }
            for c in scan.categoricalColumns {
                codes[c] = scan.isValidCategorical(c) ? try block.categoricalColumn(c, coder: scan.coders[c]!) : [Int32](repeating: -1, count: n)
            }
            let numberSlots = zip(record.featureOffsets, spec.data.features).filter { $0.1.kind == .numeric }
                .map { ($0.0, numbers[scan.columnIndex($0.1.column)!]!) }
                + zip(record.taskOffsets, spec.tasks).filter { $0.1.kind == .regression }.map { ($0.0, numbers[scan.columnIndex($0.1.column)!]!) }
            let codeSlots = zip(record.featureOffsets, spec.data.features).filter { $0.1.kind == .categorical }
                .map { ($0.0, codes[scan.columnIndex($0.1.column)!]!) }
                + zip(record.taskOffsets, spec.tasks).filter { $0.1.kind == .classification }.map { ($0.0, codes[scan.columnIndex($0.1.column)!]!) }
            for r in 0..<n {
                if dropRows && missingColumns.contains(where: { block.isMissing(row: r, column: $0) }) { continue }
                for (offset, values) in numberSlots { buffer.storeBytes(of: values[r], toByteOffset: offset, as: Double.self) }
                for (offset, values) in codeSlots { buffer.storeBytes(of: values[r], toByteOffset: offset, as: Int32.self) }
                buffer.storeBytes(of: Int32(truncatingIfNeeded: first + r), toByteOffset: record.sourceRowOffset, as: Int32.self)
                guard k < scan.kept else { throw changed("more") }
                let (split, row) = placement.place(k)
                k += 1
                try spills[split].put(row, buffer)
            }
        }
        guard k == scan.kept else { throw changed("\(k)") }
    }

    /// Every feature cell of every file (train, val, test) is valid before anything is
    /// fitted or written: numbers are finite, categories are text without control characters.
    func checkFeatureCells(_ scans: [SourceScan]) throws {
        var checked = Set<ObjectIdentifier>()
        for scan in scans where checked.insert(ObjectIdentifier(scan)).inserted {
            for feature in spec.data.features {
                let c = scan.columnIndex(feature.column)!
                switch feature.kind {
                case .numeric: try scan.requireNumeric(c, key: "data.features.numeric")
                case .categorical: try scan.requireCategorical(c, key: "data.features.categorical")
                }
            }
        }
    }

    /// The fewest rows each split may have, however the splits are made (fractions of one csv,
    /// given files, a hold-out of the training file): a network learns nothing from fewer
    /// than 10 rows, and validation and test need at least one row to measure anything.
    static let minimumRows = ["train": 10, "val": 1, "test": 1]

    /// Throws `error(split, rows, minimum)` for the first split (train, val, test) with fewer rows than `minimumRows`.
    static func requireSplitSizes(_ counts: [String: Int],
                                  error: (_ split: String, _ rows: Int, _ minimum: Int) -> SpecError) throws {
        for name in PreparedDataset.splitNames {
            let count = counts[name]!, minimum = minimumRows[name]!
            if count < minimum { throw error(name, count, minimum) }
        }
    }

    /// Every network fits in memory now that the encoded width and the classes are known
    /// (the pipeline file's check assumed one input per feature column), and so do the
    /// teachers' outputs on the training split that soft targets are made of.
    func checkMemory(encoder: FeatureEncoder, tasks: [TaskInfo], trainingRows: Int,
                     available: Double = NetworkMemory.available) throws {
        let inputs = encoder.features.count
        let outputs = tasks.map(\.head.outputs)
        let needs = NetworkMemory.needs(inputs: inputs, outputs: outputs, tasks: spec.tasks,
                                        teachers: spec.teachers, students: spec.students)
        if let need = needs.max(by: { $0.bytes < $1.bytes }), need.bytes > available {
            var widest = ""
            if let (column, count) = encoder.categoryCounts.max(by: { $0.count < $1.count }), count > 1 {
                widest = " (column '\(CSVText.shown(column))' alone has \(count) categories; max_categories caps them)"
            }
            throw SpecError(file: spec.file, key: "data.features",
                            message: "the features encode to \(inputs) inputs\(widest): \(need.network) would need about "
                                + "\(NetworkMemory.format(bytes: need.bytes)) to train, more than this machine's "
                                + "\(NetworkMemory.format(bytes: available)) of memory")
        }
        let softTargets = spec.teachers.reduce(0.0) { sum, teacher in
            let t = spec.tasks.firstIndex { $0.name == teacher.task }!
            return sum + Double(teacher.members) * Double(trainingRows) * Double(outputs[t]) * 4
        }
        if softTargets > available {
            throw SpecError(file: spec.file, key: "teachers",
                            message: "the teachers' outputs on \(trainingRows) training rows would need about "
                                + "\(NetworkMemory.format(bytes: softTargets)) (members × rows × classes × 4 bytes), more than this "
                                + "machine's \(NetworkMemory.format(bytes: available)) of memory; use fewer members")
        }
    }

    static func display(_ path: String) -> String {
        let cwd = FileManager.default.currentDirectoryPath + "/"
        return path.hasPrefix(cwd) ? String(path.dropFirst(cwd.count)) : path
    }

    static func sourceDescription(_ s: DataSpec.Source) -> String {
        switch s {
        case .single(let p, let f): return "\(display(p)) split \(f.train)/\(f.val)/\(f.test)"
        case .files(let t, let v, let te, let vf):
            return "train \(display(t)), val \(v.map(display) ?? "\(vf) of train"), test \(display(te))"
        }
    }


    /// The nearest folder of `path`'s that exists (its own, unless the run has not made it yet).
    static func existingFolder(of path: String) -> String {
        var folder = (path as NSString).deletingLastPathComponent
        while !folder.isEmpty && folder != "/" && !FileManager.default.fileExists(atPath: folder) {
            folder = (folder as NSString).deletingLastPathComponent
        }
        return folder.isEmpty ? "." : folder
    }
}
