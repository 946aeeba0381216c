import Artifacts
import Foundation
import MultiTask
import Tabular
import Tensor

/// `prepare`: CSV → `data/dataset.h5`.
///
/// Numeric features are standardised and categorical ones one-hot encoded with statistics
/// fitted on the training split only; rows are split with the pipeline seed (or come from
/// given files); labels that are missing stay missing (−1 / NaN), and rows with a missing
/// *feature* are dropped or imputed as the pipeline says.
public struct PrepareStage {
    public let spec: PipelineSpec
    public init(spec: PipelineSpec) { self.spec = spec }

    /// One source table with the rows that survive the missing-feature policy.
    struct Part {
        var table: CSVTable
        var rows: [Int]
        /// Decoded columns of `table`, shared by every part cut from it (train and val often are).
        var columns: ColumnCache
    }

    /// Prepares the dataset and writes it to `path`, encoding features one block of rows at a
    /// time. Returns the dataset without its features (`x` has 0 columns).
    @discardableResult
    public func run(writingTo path: String, log: (String) -> Void = { _ in }) throws -> PreparedDataset {
        let (dataset, parts, encoder) = try build(log: log)
        try dataset.write(to: path) { split, rows in
            let part = parts[split]
            return try encoder.encode(PrepareStage.Part(table: part.table, rows: Array(part.rows[rows]), columns: part.columns))
        }
        return dataset
    }

    /// Everything but the encoded features: the parts (train, val, test) and the fitted encoder.
    func build(log: (String) -> Void) throws -> (PreparedDataset, [Part], FeatureEncoder) {
        let data = spec.data
        let options = CSVOptions(delimiter: UInt8(ascii: data.delimiter.unicodeScalars.first!), header: data.header,
                                 columnNames: data.columnNames, missingValues: data.missingValues, trimWhitespace: true)
        var parts: [String: Part] = [:]   // train / val / test
        var caches: [String: ColumnCache] = [:]
        func cache(_ t: CSVTable) -> ColumnCache {
            if let c = caches[t.source] { return c }
            let c = ColumnCache(table: t)
            caches[t.source] = c
            return c
        }
        func load(_ path: String, key: String) throws -> CSVTable {
            let t: CSVTable
            do { t = try CSVTable.read(path, options: options) } catch {
                throw SpecError(file: spec.file, line: nil, key: key, message: "cannot read \(path): \(error.localizedDescription)")
            }
            log("read \(t.rowCount) rows × \(t.columnNames.count) columns from \(Self.display(path))")
            return t
        }
        switch data.source {
        case .single(let path, let split):
            let table = try load(path, key: "data.csv")
            let kept = try keptRows(table)
            var rng = RNG(seed: RNG.derive(seed: spec.seed, stream: 0x5eed_5911))
            let order = rng.permutation(kept.count).map { kept[$0] }
            let nTrain = Int((split.train * Double(order.count)).rounded())
            let nVal = Int((split.val * Double(order.count)).rounded())
            let nTest = order.count - nTrain - nVal
            guard nTrain > 0, nVal > 0, nTest > 0 else {
                throw SpecError(file: spec.file, line: nil, key: "data.split",
                                message: "\(order.count) usable rows cannot be split into train \(nTrain), val \(nVal), test \(nTest): every split needs rows")
            }
            parts["train"] = Part(table: table, rows: Array(order[0..<nTrain]), columns: cache(table))
            parts["val"] = Part(table: table, rows: Array(order[nTrain..<(nTrain + nVal)]), columns: cache(table))
            parts["test"] = Part(table: table, rows: Array(order[(nTrain + nVal)...]), columns: cache(table))
        case .files(let trainPath, let valPath, let testPath, let valFraction):
            let train = try load(trainPath, key: "data.files.train")
            let trainRows = try keptRows(train)
            if let valPath {
                let val = try load(valPath, key: "data.files.val")
                parts["train"] = Part(table: train, rows: trainRows, columns: cache(train))
                parts["val"] = Part(table: val, rows: try keptRows(val), columns: cache(val))
            } else {
                var rng = RNG(seed: RNG.derive(seed: spec.seed, stream: 0x5eed_5911))
                let order = rng.permutation(trainRows.count).map { trainRows[$0] }
                let nVal = max(1, Int((valFraction * Double(order.count)).rounded()))
                guard nVal < order.count else {
                    throw SpecError(file: spec.file, line: nil, key: "data.val_fraction", message: "\(order.count) training rows leave none after holding out \(nVal) for validation")
                }
                // Keep the training rows in file order (the hold-out is random).
                parts["val"] = Part(table: train, rows: Array(order[0..<nVal]).sorted(), columns: cache(train))
                parts["train"] = Part(table: train, rows: Array(order[nVal...]).sorted(), columns: cache(train))
            }
            let test = try load(testPath, key: "data.files.test")
            parts["test"] = Part(table: test, rows: try keptRows(test), columns: cache(test))
        }
        for name in PreparedDataset.splitNames where parts[name]!.rows.isEmpty {
            throw SpecError(file: spec.file, line: nil, key: "data", message: "the \(name) split has no rows left after dropping rows with missing features")
        }
        let encoder = try FeatureEncoder.fit(spec: spec, train: parts["train"]!)
        let tasks = try fitTasks(parts)
        var splits: [SplitData] = []
        for name in PreparedDataset.splitNames {
            let part = parts[name]!
            let labels = try tasks.map { try labelsOf($0, part) }
            splits.append(SplitData(name: name, x: Matrix(rows: part.rows.count, cols: 0), labels: labels,
                                    sourceRows: part.rows.map { Int32($0) }))
        }
        let dataset = PreparedDataset(source: Self.sourceDescription(data.source), seed: spec.seed,
                                      features: encoder.features, tasks: tasks, splits: splits)
        return (dataset, PreparedDataset.splitNames.map { parts[$0]! }, encoder)
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

    /// Rows kept under the missing-feature policy, in file order.
    func keptRows(_ table: CSVTable) throws -> [Int] {
        let columns = try spec.data.features.map { f -> Int in
            guard let i = table.columnIndex(f.column) else {
                throw SpecError(file: spec.file, line: nil, key: "data.features", message: "no column '\(f.column)' in \(table.source)")
            }
            return i
        }
        for t in spec.tasks where table.columnIndex(t.column) == nil {
            throw SpecError(file: spec.file, line: nil, key: "tasks.\(t.name).column", message: "no column '\(t.column)' in \(table.source)")
        }
        guard spec.data.missingFeatures == .dropRow else { return Array(0..<table.rowCount) }
        return (0..<table.rowCount).filter { r in !columns.contains { table.isMissing(row: r, column: $0) } }
    }

    func fitTasks(_ parts: [String: Part]) throws -> [TaskInfo] {
        let train = parts["train"]!
        return try spec.tasks.map { task in
            let col = train.table.columnIndex(task.column)!
            switch task.kind {
            case .classification:
                let classes: [String]
                if !task.positiveValues.isEmpty {
                    classes = ["other", task.positiveValues.joined(separator: " | ")]
                } else {
                    var seen = Set<String>()
                    for name in PreparedDataset.splitNames {
                        let p = parts[name]!
                        let c = p.table.columnIndex(task.column)!
                        for r in p.rows where !p.table.isMissing(row: r, column: c) { seen.insert(p.table.string(row: r, column: c)) }
                    }
                    classes = seen.sorted()
                }
                let labelled = train.rows.filter { !train.table.isMissing(row: $0, column: col) }.count
                guard labelled > 0 else {
                    throw SpecError(file: spec.file, line: nil, key: "tasks.\(task.name)",
                                    message: "column '\(task.column)' has no labels in the training split")
                }
                guard classes.count >= 2 else {
                    throw SpecError(file: spec.file, line: nil, key: "tasks.\(task.name)",
                                    message: "column '\(task.column)' has a single class '\(classes.first ?? "")'; classification needs at least 2")
                }
                return TaskInfo(name: task.name, column: task.column, kind: .classification, classes: classes)
            case .regression:
                let values = try numeric(train.columns, col, rows: train.rows, key: "tasks.\(task.name).column")
                let present = values.filter { !$0.isNaN }
                guard !present.isEmpty else {
                    throw SpecError(file: spec.file, line: nil, key: "tasks.\(task.name)",
                                    message: "column '\(task.column)' has no labels in the training split")
                }
                let (mean, std) = FeatureEncoder.meanStd(present)
                return TaskInfo(name: task.name, column: task.column, kind: .regression, classes: [], labelMean: mean, labelStd: std)
            }
        }
    }

    func labelsOf(_ task: TaskInfo, _ part: Part) throws -> TaskTargets.Labels {
        let col = part.table.columnIndex(task.column)!
        let taskSpec = spec.tasks.first { $0.name == task.name }!
        switch task.kind {
        case .classification:
            let index = Dictionary(uniqueKeysWithValues: task.classes.enumerated().map { ($1, Int32($0)) })
            let positive = Set(taskSpec.positiveValues)
            return .classes(part.rows.map { r in
                if part.table.isMissing(row: r, column: col) { return -1 }
                let v = part.table.string(row: r, column: col)
                if !positive.isEmpty { return positive.contains(v) ? 1 : 0 }
                return index[v] ?? -1
            })
        case .regression:
            return .values(try numeric(part.columns, col, rows: part.rows, key: "tasks.\(task.name).column").map { Float($0) })
        }
    }

    func numeric(_ columns: ColumnCache, _ col: Int, rows: [Int], key: String) throws -> [Double] {
        let all: [Double]
        do { all = try columns.numeric(col) } catch {
            throw SpecError(file: spec.file, line: nil, key: key, message: error.localizedDescription)
        }
        return rows.map { all[$0] }
    }
}

/// Decoded columns of one CSV table, each decoded once however many splits and passes use it.
final class ColumnCache {
    let table: CSVTable
    private var numeric: [Int: [Double]] = [:]
    private var categorical: [Int: (codes: [Int32], categories: [String])] = [:]

    init(table: CSVTable) { self.table = table }

    func numeric(_ column: Int) throws -> [Double] {
        if let v = numeric[column] { return v }
        let v = try table.numericColumn(column)
        numeric[column] = v
        return v
    }

    func categorical(_ column: Int) -> (codes: [Int32], categories: [String]) {
        if let v = categorical[column] { return v }
        let v = table.categoricalColumn(column)
        categorical[column] = v
        return v
    }
}
