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
    ///
    /// Every check of the data happens here, before anything is written: the splits' sizes,
    /// every feature cell (numbers finite, texts free of control characters), the labels
    /// (classes fitted on the training split, positive values present), and whether the
    /// networks fit in memory at the encoded width.
    func build(log: (String) -> Void) throws -> (PreparedDataset, [Part], FeatureEncoder) {
        let data = spec.data
        let options = CSVOptions(delimiter: UInt8(ascii: data.delimiter.unicodeScalars.first!), header: data.header,
                                 columnNames: data.columnNames, missingValues: data.missingValues, trimWhitespace: true)
        var parts: [String: Part] = [:]   // train / val / test
        var caches: [String: ColumnCache] = [:]
        func cache(_ t: CSVTable) -> ColumnCache {
            if let c = caches[t.source] { return c }
            let c = ColumnCache(table: t, file: spec.file, missingValues: data.missingValues)
            caches[t.source] = c
            return c
        }
        func load(_ path: String, key: String) throws -> CSVTable {
            let t: CSVTable
            do { t = try CSVTable.read(path, options: options) } catch {
                throw SpecError(file: spec.file, line: nil, key: key, message: "cannot read \(path): \(FileSystemError.message(error))")
            }
            log("read \(t.rowCount) rows × \(t.columnNames.count) columns from \(Self.display(path))")
            return t
        }
        /// `5 rows of data.csv after dropping 2 with missing features`
        func origin(_ kept: Int, of table: CSVTable, _ what: String = "rows") -> String {
            let dropped = table.rowCount - kept
            return "\(kept) \(what) of \(Self.display(table.source))"
                + (dropped > 0 ? " after dropping \(dropped) with missing features" : "")
        }
        switch data.source {
        case .single(let path, let split):
            let table = try load(path, key: "data.csv")
            let kept = try keptRows(table)
            var rng = RNG(seed: RNG.derive(seed: spec.seed, stream: 0x5eed_5911))
            let order = rng.permutation(kept.count).map { kept[$0] }
            let nTrain = Int((split.train * Double(order.count)).rounded())
            let nVal = min(Int((split.val * Double(order.count)).rounded()), order.count - nTrain)
            let nTest = order.count - nTrain - nVal
            try Self.requireSplitSizes(["train": nTrain, "val": nVal, "test": nTest]) { name, count, minimum in
                let fraction = name == "train" ? split.train : name == "val" ? split.val : split.test
                var advice = ""
                if order.count >= Self.minimumRows.values.reduce(0, +) {
                    // The smallest fraction (in thousandths) that gives the split its minimum.
                    var needed = (Double(minimum) / Double(order.count) * 1000).rounded(.up) / 1000
                    while Int((needed * Double(order.count)).rounded()) < minimum { needed += 0.001 }
                    advice = "; raise split.\(name) to at least \(SpecDataDraft.format(needed))"
                }
                return SpecError(file: spec.file, key: "data.split",
                                 message: "the \(name) split would get \(count) row\(count == 1 ? "" : "s") (\(SpecDataDraft.format(fraction)) of "
                                     + "\(origin(order.count, of: table, "usable rows"))); it needs at least \(minimum)\(advice)")
            }
            parts["train"] = Part(table: table, rows: Array(order[0..<nTrain]), columns: cache(table))
            parts["val"] = Part(table: table, rows: Array(order[nTrain..<(nTrain + nVal)]), columns: cache(table))
            parts["test"] = Part(table: table, rows: Array(order[(nTrain + nVal)...]), columns: cache(table))
        case .files(let trainPath, let valPath, let testPath, let valFraction):
            let train = try load(trainPath, key: "data.files.train")
            let trainRows = try keptRows(train)
            let val = try valPath.map { try load($0, key: "data.files.val") }
            let valRows = try val.map { try keptRows($0) } ?? []
            let test = try load(testPath, key: "data.files.test")
            let testRows = try keptRows(test)
            if let val {
                let tables = ["train": train, "val": val, "test": test]
                try Self.requireSplitSizes(["train": trainRows.count, "val": valRows.count, "test": testRows.count]) { name, count, minimum in
                    SpecError(file: spec.file, key: "data.files.\(name)",
                              message: "the \(name) split has \(origin(count, of: tables[name]!)); it needs at least \(minimum)")
                }
                parts["train"] = Part(table: train, rows: trainRows, columns: cache(train))
                parts["val"] = Part(table: val, rows: valRows, columns: cache(val))
            } else {
                var rng = RNG(seed: RNG.derive(seed: spec.seed, stream: 0x5eed_5911))
                let order = rng.permutation(trainRows.count).map { trainRows[$0] }
                let nVal = min(max(1, Int((valFraction * Double(order.count)).rounded())), order.count)
                try Self.requireSplitSizes(["train": order.count - nVal, "val": nVal, "test": testRows.count]) { name, count, minimum in
                    if name == "test" {
                        return SpecError(file: spec.file, key: "data.files.test",
                                         message: "the test split has \(origin(count, of: test)); it needs at least \(minimum)")
                    }
                    return SpecError(file: spec.file, key: "data.val_fraction",
                                     message: "holding out \(nVal) for validation from \(origin(order.count, of: train)) "
                                         + "leaves \(order.count - nVal) for training; the \(name) split needs at least \(minimum)")
                }
                // Keep the training rows in file order (the hold-out is random).
                parts["val"] = Part(table: train, rows: Array(order[0..<nVal]).sorted(), columns: cache(train))
                parts["train"] = Part(table: train, rows: Array(order[nVal...]).sorted(), columns: cache(train))
            }
            parts["test"] = Part(table: test, rows: testRows, columns: cache(test))
        }
        try checkFeatureCells(PreparedDataset.splitNames.map { parts[$0]!.columns })
        let encoder = try FeatureEncoder.fit(spec: spec, train: parts["train"]!)
        let tasks = try fitTasks(parts)
        try checkMemory(encoder: encoder, tasks: tasks, trainingRows: parts["train"]!.rows.count)
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

    /// Every feature cell of every table (train, val, test) is valid before anything is
    /// fitted or written: numbers are finite, categories are text without control characters.
    func checkFeatureCells(_ caches: [ColumnCache]) throws {
        var checked = Set<ObjectIdentifier>()
        for cache in caches where checked.insert(ObjectIdentifier(cache)).inserted {
            for feature in spec.data.features {
                let c = cache.table.columnIndex(feature.column)!
                switch feature.kind {
                case .numeric: _ = try cache.numeric(c, key: "data.features.numeric")
                case .categorical: _ = try cache.categorical(c, key: "data.features.categorical")
                }
            }
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

    /// The tasks as the training split defines them: classes are the labels seen in training
    /// (sorted), or other/positive. A label of validation or test that training never saw,
    /// a positive value training never saw, or a task with a single class is refused.
    func fitTasks(_ parts: [String: Part]) throws -> [TaskInfo] {
        let train = parts["train"]!
        return try spec.tasks.map { task in
            let col = train.table.columnIndex(task.column)!
            let key = "tasks.\(task.name)"
            switch task.kind {
            case .classification:
                let (codes, names) = try train.columns.categorical(col, key: "\(key).column")
                var counts = [Int](repeating: 0, count: names.count)
                for r in train.rows where codes[r] >= 0 { counts[Int(codes[r])] += 1 }
                guard counts.contains(where: { $0 > 0 }) else {
                    throw SpecError(file: spec.file, key: key,
                                    message: "column '\(task.column)' has no labels in the training split")
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
                try requireTrainingClasses(classes, of: task, in: parts)
                return TaskInfo(name: task.name, column: task.column, kind: .classification, classes: classes)
            case .regression:
                let values = try train.columns.numeric(col, key: "\(key).column")
                let present = train.rows.map { values[$0] }.filter { !$0.isNaN }
                guard !present.isEmpty else {
                    throw SpecError(file: spec.file, key: key,
                                    message: "column '\(task.column)' has no labels in the training split")
                }
                let (mean, std) = FeatureEncoder.meanStd(present)
                return TaskInfo(name: task.name, column: task.column, kind: .regression, classes: [], labelMean: mean, labelStd: std)
            }
        }
    }

    /// Throws when a label of the validation or test split is none of the training classes,
    /// naming the label, the split, the first line holding it and the training classes.
    func requireTrainingClasses(_ classes: [String], of task: TaskSpec, in parts: [String: Part]) throws {
        let known = Set(classes)
        for name in ["val", "test"] {
            let part = parts[name]!
            let col = part.table.columnIndex(task.column)!
            let (codes, names) = try part.columns.categorical(col, key: "tasks.\(task.name).column")
            let isKnown = names.map { known.contains($0) }
            var first: Int?
            var unseen = Set<Int32>()
            for r in part.rows {
                let code = codes[r]
                if code >= 0 && !isKnown[Int(code)] {
                    unseen.insert(code)
                    if r < first ?? Int.max { first = r }
                }
            }
            guard let row = first else { continue }
            let label = names[Int(codes[row])]
            let others = unseen.count > 1 ? " (and \(unseen.count - 1) other labels)" : ""
            throw SpecError(file: spec.file, key: "tasks.\(task.name)",
                            message: "\(part.table.location(row: row, column: col)): label '\(CSVText.shown(label))'\(others) of column "
                                + "'\(task.column)' occurs in the \(name) split but not in the training split; classes are fitted "
                                + "on the training split, whose classes are: \(SpecSuggest.list(classes))")
        }
    }

    func labelsOf(_ task: TaskInfo, _ part: Part) throws -> TaskTargets.Labels {
        let col = part.table.columnIndex(task.column)!
        let taskSpec = spec.tasks.first { $0.name == task.name }!
        let key = "tasks.\(task.name).column"
        switch task.kind {
        case .classification:
            let (codes, names) = try part.columns.categorical(col, key: key)
            let positive = Set(taskSpec.positiveValues)
            let index = Dictionary(task.classes.enumerated().map { ($1, Int32($0)) }, uniquingKeysWith: { a, _ in a })
            // The label of each of this table's categories, then of each row.
            let label: [Int32] = names.map { positive.isEmpty ? index[$0] ?? -1 : (positive.contains($0) ? 1 : 0) }
            return .classes(part.rows.map { r in codes[r] < 0 ? -1 : label[Int(codes[r])] })
        case .regression:
            let values = try part.columns.numeric(col, key: key)
            return .values(part.rows.map { Float(values[$0]) })
        }
    }
}

/// Decoded columns of one CSV table, each decoded once however many splits and passes use it.
/// A cell that is bad input throws a `SpecError` at the key that declared the column,
/// quoting the CSV error (`data.csv:12:3: non-finite value 'inf' in column 'age'; …`).
final class ColumnCache {
    let table: CSVTable
    /// The pipeline file, and its missing-value tokens (named in messages about numbers).
    let file: String
    let missingValues: [String]
    private var numeric: [Int: [Double]] = [:]
    private var categorical: [Int: (codes: [Int32], categories: [String])] = [:]

    init(table: CSVTable, file: String, missingValues: [String]) {
        self.table = table; self.file = file; self.missingValues = missingValues
    }

    /// A numeric column (NaN where missing); `key` names it in errors.
    func numeric(_ column: Int, key: String) throws -> [Double] {
        if let v = numeric[column] { return v }
        let v: [Double]
        do { v = try table.numericColumn(column) } catch let error as CSVError {
            let tokens = missingValues.map { "\"\(CSVText.shown($0))\"" }.joined(separator: ", ")
            let valid = missingValues.isEmpty ? "a finite number" : "a finite number or a missing value (missing_values: \(tokens))"
            var message = error.errorDescription ?? "\(error)"
            if case .nonNumericValue = error { message += "; expected \(valid)" }
            if case .nonFiniteValue = error, !missingValues.isEmpty { message += " or a missing value (missing_values: \(tokens))" }
            throw SpecError(file: file, key: key, message: message)
        }
        numeric[column] = v
        return v
    }

    /// A categorical column (codes, -1 where missing, and the texts); `key` names it in errors.
    func categorical(_ column: Int, key: String) throws -> (codes: [Int32], categories: [String]) {
        if let v = categorical[column] { return v }
        let v: (codes: [Int32], categories: [String])
        do { v = try table.categoricalColumn(column) } catch {
            throw SpecError(file: file, key: key, message: FileSystemError.message(error))
        }
        categorical[column] = v
        return v
    }
}
