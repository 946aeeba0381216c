import Artifacts
import Foundation
import MultiTask
import Tabular
import Tensor

/// The splits' rows as `prepare` sets them aside (a record per row in a temporary file per
/// split), the statistics fitted on the training records, and the rows encoded a block at a
/// time for `PreparedDataset.write`.
final class PreparedRows: DatasetRows {
    let spec: PipelineSpec
    /// Per split (train, val, test): the file its rows come from, its records, its row count.
    let scans: [SourceScan]
    let spills: [RowSpill]
    let record: RowRecord
    let counts: [Int]

    private(set) var encoder = FeatureEncoder(columns: [], features: [], missingPolicy: .dropRow)
    private(set) var tasks: [TaskInfo] = []
    /// Per split: how its file's category codes encode, and each classification task's label per code.
    private var plans: [FeatureEncoder.Plan] = []
    private var labelOfCode: [[[Int32]]] = []

    init(spec: PipelineSpec, scans: [SourceScan], spills: [RowSpill], record: RowRecord, counts: [Int]) {
        self.spec = spec; self.scans = scans; self.spills = spills; self.record = record; self.counts = counts
    }

    // MARK: - Fitting on the training records

    /// Fits the features' statistics and the tasks on the training split, in the order of its
    /// rows (as the whole-file prepare summed them), and checks the labels: throws `SpecError`
    /// for a task without training labels or with a single class, a positive value training
    /// never has, a validation or test label training never has, or a label cell that is bad.
    func fit() throws {
        let train = scans[0]
        // Every numeric value (feature or regression label) and every category code of a record.
        var numberOffsets: [Int] = [], codeOffsets: [Int] = [], codeCounts: [[Int]] = []
        var featureSlot: [Int] = [], taskSlot: [Int] = []
        func slot(_ offset: Int, column: String, numeric: Bool) -> Int {
            if numeric { numberOffsets.append(offset); return numberOffsets.count - 1 }
            codeOffsets.append(offset)
            codeCounts.append([Int](repeating: 0, count: train.coders[train.columnIndex(column)!]!.count))
            return codeOffsets.count - 1
        }
        for (f, offset) in zip(spec.data.features, record.featureOffsets) {
            featureSlot.append(slot(offset, column: f.column, numeric: f.kind == .numeric))
        }
        for (t, offset) in zip(spec.tasks, record.taskOffsets) {
            taskSlot.append(slot(offset, column: t.column, numeric: t.kind == .regression))
        }
        var stats = [FeatureEncoder.MeanStd](repeating: .init(), count: numberOffsets.count)
        let size = record.bytes
        try spills[0].read(0..<counts[0]) { _, records in
            for r in 0..<(records.count / size) {
                let base = r * size
                for (k, offset) in numberOffsets.enumerated() {
                    let v = records.loadUnaligned(fromByteOffset: base + offset, as: Double.self)
                    if !v.isNaN { stats[k].add(v) }
                }
                for (k, offset) in codeOffsets.enumerated() {
                    let code = records.loadUnaligned(fromByteOffset: base + offset, as: Int32.self)
                    if code >= 0 { codeCounts[k][Int(code)] += 1 }
                }
            }
        }
        for k in stats.indices { stats[k].finishMean() }
        try spills[0].read(0..<counts[0]) { _, records in
            for r in 0..<(records.count / size) {
                for (k, offset) in numberOffsets.enumerated() {
                    let v = records.loadUnaligned(fromByteOffset: r * size + offset, as: Double.self)
                    if !v.isNaN { stats[k].addSquare(v) }
                }
            }
        }
        encoder = FeatureEncoder.fit(spec: spec, statistics: zip(spec.data.features, featureSlot).map { f, k in
            if f.kind == .numeric {
                let (mean, std) = stats[k].result
                let (min, max) = stats[k].range
                return .numeric(mean: mean, std: std, min: min, max: max)
            }
            return .categorical(names: train.coders[train.columnIndex(f.column)!]!.categories(), counts: codeCounts[k])
        })
        tasks = try zip(spec.tasks, taskSlot).enumerated().map { t, pair in
            let (task, k) = pair
            return try fitTask(task, index: t, numbers: task.kind == .regression ? stats[k] : nil,
                               counts: task.kind == .classification ? codeCounts[k] : [])
        }
    }

    /// The task as the training split defines it: classes are the labels seen in training
    /// (sorted), or other/positive.
    private func fitTask(_ task: TaskSpec, index t: Int, numbers: FeatureEncoder.MeanStd?, counts: [Int]) throws -> TaskInfo {
        let train = scans[0]
        let col = train.columnIndex(task.column)!
        let key = "tasks.\(task.name)"
        switch task.kind {
        case .classification:
            try train.requireCategorical(col, key: "\(key).column")
            let names = train.coders[col]!.categories()
            guard counts.contains(where: { $0 > 0 }) else {
                throw SpecError(file: spec.file, key: key, message: "column '\(task.column)' has no labels in the training split")
            }
            let seen = names.indices.filter { counts[$0] > 0 }.sorted { counts[$0] != counts[$1] ? counts[$0] > counts[$1] : names[$0] < names[$1] }
            /// `male (120), female (110), … and 3 more`: the training values, most frequent first.
            let valuesSeen = SpecSuggest.join(seen.map { "\(CSVText.shown(names[$0])) (\(counts[$0]))" }, limit: 10)
            if !task.positiveValues.isEmpty {
                let trainingValues = Set(seen.map { names[$0] })
                if let absent = task.positiveValues.first(where: { !trainingValues.contains($0) }) {
                    let near = SpecSuggest.nearest(to: absent, in: seen.map { names[$0] }, within: 2)
                    throw SpecError(file: spec.file, key: "\(key).positive",
                                    message: "positive value '\(CSVText.shown(absent))' never occurs in column '\(task.column)' "
                                        + "of the training split\(near.map { "; did you mean '\(CSVText.shown($0))'?" } ?? ""); "
                                        + "values seen: \(valuesSeen)")
                }
                guard seen.contains(where: { !task.positiveValues.contains(names[$0]) }) else {
                    throw SpecError(file: spec.file, key: "\(key).positive",
                                    message: "every labelled training row of column '\(task.column)' is positive; "
                                        + "a task needs both positive and other rows; values seen: \(valuesSeen)")
                }
                return TaskInfo(name: task.name, column: task.column, kind: .classification,
                                classes: ["other", task.positiveValues.joined(separator: " | ")])
            }
            // Canonically equal spellings (é and e + ◌́) are one class.
            let classes = Set(seen.map { names[$0] }).sorted()
            guard classes.count >= 2 else {
                throw SpecError(file: spec.file, key: key,
                                message: "column '\(task.column)' has a single class '\(CSVText.shown(classes[0]))' in the training split; "
                                    + "classification needs at least 2")
            }
            try requireTrainingClasses(classes, of: task, index: t)
            return TaskInfo(name: task.name, column: task.column, kind: .classification, classes: classes)
        case .regression:
            try train.requireNumeric(col, key: "\(key).column")
            guard let numbers, numbers.count > 0 else {
                throw SpecError(file: spec.file, key: key, message: "column '\(task.column)' has no labels in the training split")
            }
            let (mean, std) = numbers.result
            return TaskInfo(name: task.name, column: task.column, kind: .regression, classes: [], labelMean: mean, labelStd: std)
        }
    }

    /// Throws when a label of the validation or test split is none of the training classes,
    /// naming the label, the split, the first line holding it and the training classes.
    private func requireTrainingClasses(_ classes: [String], of task: TaskSpec, index t: Int) throws {
        let known = Set(classes)
        for s in [1, 2] {
            let name = PreparedDataset.splitNames[s]
            let scan = scans[s]
            let col = scan.columnIndex(task.column)!
            try scan.requireCategorical(col, key: "tasks.\(task.name).column")
            let names = scan.coders[col]!.categories()
            let isKnown = names.map { known.contains($0) }
            var first: (row: Int, code: Int32)?
            var unseen = Set<Int32>()
            let size = record.bytes, at = record.taskOffsets[t], sourceAt = record.sourceRowOffset
            try spills[s].read(0..<counts[s]) { _, records in
                for r in 0..<(records.count / size) {
                    let code = records.loadUnaligned(fromByteOffset: r * size + at, as: Int32.self)
                    guard code >= 0 && !isKnown[Int(code)] else { continue }
                    unseen.insert(code)
                    let row = Int(records.loadUnaligned(fromByteOffset: r * size + sourceAt, as: Int32.self))
                    if row < first?.row ?? Int.max { first = (row, code) }
                }
            }
            guard let first else { continue }
            let label = names[Int(first.code)]
            let others = unseen.count > 1 ? " (and \(unseen.count - 1) other labels)" : ""
            throw SpecError(file: spec.file, key: "tasks.\(task.name)",
                            message: "\(try scan.location(row: first.row, column: col)): label '\(CSVText.shown(label))'\(others) of column "
                                + "'\(task.column)' occurs in the \(name) split but not in the training split; classes are fitted "
                                + "on the training split, whose classes are: \(SpecSuggest.list(classes))")
        }
    }

    // MARK: - Encoding for the dataset file

    /// How each split's category codes encode and label (after `fit`).
    func makePlans() {
        plans = scans.map { scan in
            encoder.plan { i in scan.coders[scan.columnIndex(self.spec.data.features[i].column)!]!.categories() }
        }
        labelOfCode = scans.map { scan in
            zip(spec.tasks, tasks).map { taskSpec, task -> [Int32] in
                guard task.kind == .classification else { return [] }
                let names = scan.coders[scan.columnIndex(task.column)!]!.categories()
                let positive = Set(taskSpec.positiveValues)
                let index = Dictionary(task.classes.enumerated().map { ($1, Int32($0)) }, uniquingKeysWith: { a, _ in a })
                return names.map { positive.isEmpty ? index[$0] ?? -1 : (positive.contains($0) ? 1 : 0) }
            }
        }
    }

    func features(split: Int, rows: Range<Int>) throws -> Matrix {
        var x = Matrix(rows: rows.count, cols: encoder.features.count)
        try spills[split].read(rows) { part, records in
            encoder.encode(records, record: record, plan: plans[split], into: &x, at: part.lowerBound - rows.lowerBound)
        }
        return x
    }

    func labels(split: Int, task t: Int, rows: Range<Int>) throws -> TaskTargets.Labels {
        let size = record.bytes, at = record.taskOffsets[t]
        if tasks[t].kind == .regression {
            var values: [Float] = []
            values.reserveCapacity(rows.count)
            try spills[split].read(rows) { _, records in
                for r in 0..<(records.count / size) {
                    values.append(Float(records.loadUnaligned(fromByteOffset: r * size + at, as: Double.self)))
                }
            }
            return .values(values)
        }
        let label = labelOfCode[split][t]
        var classes: [Int32] = []
        classes.reserveCapacity(rows.count)
        try spills[split].read(rows) { _, records in
            for r in 0..<(records.count / size) {
                let code = records.loadUnaligned(fromByteOffset: r * size + at, as: Int32.self)
                classes.append(code < 0 ? -1 : label[Int(code)])
            }
        }
        return .classes(classes)
    }

    func sourceRows(split: Int, rows: Range<Int>) throws -> [Int32] {
        let size = record.bytes, at = record.sourceRowOffset
        var out: [Int32] = []
        out.reserveCapacity(rows.count)
        try spills[split].read(rows) { _, records in
            for r in 0..<(records.count / size) { out.append(records.loadUnaligned(fromByteOffset: r * size + at, as: Int32.self)) }
        }
        return out
    }
}
