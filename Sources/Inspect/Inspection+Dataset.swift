import Artifacts
import Foundation
import MultiTask

/// What `data/dataset.h5` means: splits, features and their normalisation, and per task the
/// class balance and missing labels of every split.
public struct DatasetMeaning: Codable, Equatable, Sendable {
    public struct Split: Codable, Equatable, Sendable {
        public var name: String
        public var rows: Int
    }

    /// A numeric feature and its scaling, with training statistics: `standard` (x − mean) / std,
    /// `minmax` (x − min) / (max − min), `none` x.
    public struct NumericFeature: Codable, Equatable, Sendable {
        public var name: String
        public var scaling: String
        public var mean: Double
        public var std: Double
        /// `minmax`: the training range.
        public var min: Double?
        public var max: Double?
        /// What a missing value becomes under impute-mean: the training mean, transformed.
        public var impute: Double
    }

    /// The one-hot columns of one categorical source column.
    public struct OneHotGroup: Codable, Equatable, Sendable {
        public var column: String
        public var categories: [String]

        /// `island: 3 categories (Biscoe, Dream, Torgersen)`
        public var summary: String {
            "\(column): \(categories.count) categor\(categories.count == 1 ? "y" : "ies") (\(categories.joined(separator: ", ")))"
        }
    }

    /// One task's labels in one split.
    public struct TaskSplit: Codable, Equatable, Sendable {
        public var split: String
        public var rows: Int
        /// Rows with a label (class ≥ 0, or a value that is not NaN).
        public var labelled: Int
        /// Rows without a label (−1 or NaN).
        public var missing: Int
        /// Classification: rows per class, in class order.
        public var classCounts: [Int]?
        /// Classification: labels outside 0..<classes (a damaged file; normally 0).
        public var outOfRange: Int?
        /// Regression: mean and standard deviation of the labelled values (label units).
        public var mean: Double?
        public var std: Double?
    }

    public struct Task: Codable, Equatable, Sendable {
        public var name: String
        public var column: String
        /// "classification" or "regression".
        public var kind: String
        public var classes: [String]
        /// Regression: the training mean and std the models' labels are standardised with.
        public var labelMean: Double?
        public var labelStd: Double?
        public var splits: [TaskSplit]
    }

    public var source: String
    public var seed: UInt64
    public var splits: [Split]
    /// Columns of the model's input (numeric features + one-hot columns).
    public var featureCount: Int
    public var numericFeatures: [NumericFeature]
    public var oneHotGroups: [OneHotGroup]
    public var tasks: [Task]

    /// The meaning of a dataset read with `PreparedDataset.read`.
    public init(_ data: PreparedDataset) {
        source = data.source
        seed = data.seed
        splits = data.splits.map { Split(name: $0.name, rows: $0.x.rows) }
        featureCount = data.features.count
        numericFeatures = data.features.filter { $0.kind == .numeric }.map { f in
            let minmax = f.scaling.method == .minmax
            return NumericFeature(name: f.name, scaling: f.scaling.method.rawValue, mean: f.mean, std: f.std,
                                  min: minmax ? f.scaling.min : nil, max: minmax ? f.scaling.max : nil, impute: f.scaling.impute)
        }
        var groups: [OneHotGroup] = []
        for feature in data.features where feature.kind == .categorical {
            let prefix = feature.column + "="
            let category = feature.name.hasPrefix(prefix) ? String(feature.name.dropFirst(prefix.count)) : feature.name
            if let i = groups.firstIndex(where: { $0.column == feature.column }) {
                groups[i].categories.append(category)
            } else {
                groups.append(OneHotGroup(column: feature.column, categories: [category]))
            }
        }
        oneHotGroups = groups
        tasks = data.tasks.enumerated().map { t, task in
            let isRegression = task.kind == .regression
            return Task(name: task.name, column: task.column, kind: task.kind.rawValue, classes: task.classes,
                        labelMean: isRegression ? task.labelMean : nil, labelStd: isRegression ? task.labelStd : nil,
                        splits: data.splits.map { split in
                            DatasetMeaning.taskSplit(split.labels[t], split: split.name, classCount: task.classes.count)
                        })
        }
    }

    static func taskSplit(_ labels: TaskTargets.Labels, split: String, classCount: Int) -> TaskSplit {
        switch labels {
        case .classes(let y):
            var counts = [Int](repeating: 0, count: classCount)
            var missing = 0, outOfRange = 0
            for label in y {
                if label < 0 { missing += 1 } else if Int(label) < classCount { counts[Int(label)] += 1 } else { outOfRange += 1 }
            }
            return TaskSplit(split: split, rows: y.count, labelled: y.count - missing, missing: missing,
                             classCounts: counts, outOfRange: outOfRange)
        case .values(let v):
            let present = v.filter { !$0.isNaN }.map(Double.init)
            let mean = present.isEmpty ? nil : present.reduce(0, +) / Double(present.count)
            let std = mean.map { m in (present.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(present.count)).squareRoot() }
            return TaskSplit(split: split, rows: v.count, labelled: present.count, missing: v.count - present.count,
                             mean: mean, std: std)
        }
    }

    /// The headline for a folder listing: `train 239 · val 51 · test 52 rows, 4 features, 3 tasks`.
    static func headline(splits: [Split], features: Int, tasks: Int) -> String {
        splits.map { "\($0.name) \(Format.count($0.rows))" }.joined(separator: " · ")
            + " rows, \(features) feature\(features == 1 ? "" : "s"), \(tasks) task\(tasks == 1 ? "" : "s")"
    }

    // MARK: - Text

    func sections(style: TextStyle) -> [[String]] {
        var overview = TextTable([.left, .left])
        overview.add("source", "\(source)  (seed \(seed))")
        let total = splits.reduce(0) { $0 + $1.rows }
        overview.add("rows", splits.map { "\($0.name) \(Format.count($0.rows))" }.joined(separator: " · ")
                     + "  (\(Format.count(total)) in all)")
        var out: [[String]] = [overview.render(indent: 2)]

        var features = [style.heading("features") + "  \(featureCount) input column\(featureCount == 1 ? "" : "s"): "
                        + "\(numericFeatures.count) numeric"
                        + (oneHotGroups.isEmpty ? "" : ", \(featureCount - numericFeatures.count) one-hot")]
        features += scalingLines(style: style)
        features += oneHotGroups.map { "  " + $0.summary }
        out.append(features)

        for task in tasks { out.append(taskLines(task, style: style)) }
        return out
    }

    /// Rows shown per scaling method; `--json` lists every column.
    static let scalingRows = 10

    /// The numeric features grouped by scaling method (standard, minmax, none), each with its
    /// formula and the training statistics it uses, at most `scalingRows` columns per method.
    private func scalingLines(style: TextStyle) -> [String] {
        var lines: [String] = []
        for method in NumericScaling.allCases {
            let group = numericFeatures.filter { $0.scaling == method.rawValue }
            guard !group.isEmpty else { continue }
            let what: String
            switch method {
            case .standard: what = "with the training mean and std"
            case .minmax: what = "with the training min and max; missing → the mean, scaled"
            case .none: what = "as they are; missing → the mean"
            }
            lines.append("  " + style.bold(method.rawValue) + "  \(method.formula) \(what): \(group.count) column\(group.count == 1 ? "" : "s")")
            var table = TextTable([.left, .left, .right, .left, .right, .left, .right, .left])
            for f in group.prefix(Self.scalingRows) {
                switch method {
                case .standard, .none:
                    table.add(f.name, "mean", Format.number(f.mean), "std", Format.number(f.std))
                case .minmax:
                    let (low, high) = (f.min ?? 0, f.max ?? 0)
                    table.add(f.name, "min", Format.number(low), "max", Format.number(high), "missing →", Format.number(f.impute),
                              low == high ? "(constant: x − min)" : "")
                }
            }
            lines += table.render(indent: 4)
            if group.count > Self.scalingRows {
                let rest = group.dropFirst(Self.scalingRows).map(\.name)
                lines.append("    … and \(rest.count) more: " + (rest.count > 2 ? "\(rest.first!) … \(rest.last!)" : rest.joined(separator: ", ")))
            }
        }
        return lines
    }

    private func taskLines(_ task: Task, style: TextStyle) -> [String] {
        var lines: [String] = []
        let columnNote = task.column == task.name ? "" : " (column \(task.column))"
        if task.kind == TaskHead.Kind.regression.rawValue {
            lines.append(style.heading("task \(task.name)") + "  regression\(columnNote)")
            if let mean = task.labelMean, let std = task.labelStd {
                lines.append("  label mean \(Format.number(mean)), std \(Format.number(std)) on train (models see standardised labels)")
            }
            var table = TextTable([.left] + task.splits.map { _ in .right })
            table.add([TextTable.Cell("")] + task.splits.map { TextTable.Cell($0.split, paint: style.dim) })
            table.add([TextTable.Cell("mean")] + task.splits.map { TextTable.Cell($0.mean.map(Format.number) ?? "—") })
            table.add([TextTable.Cell("std")] + task.splits.map { TextTable.Cell($0.std.map(Format.number) ?? "—") })
            table.add([TextTable.Cell("labelled")] + task.splits.map { TextTable.Cell(Format.count($0.labelled)) })
            table.add([TextTable.Cell("missing")] + task.splits.map { missingCell($0, style: style) })
            lines += table.render(indent: 2)
            return lines
        }
        lines.append(style.heading("task \(task.name)") + "  classification, \(task.classes.count) classes\(columnNote); class balance per split")
        // One cell per split, "count  share" with the share padded, so the split's name heads both.
        func cell(_ count: Int, of total: Int, paint: ((String) -> String)? = nil) -> TextTable.Cell {
            let share = total > 0 ? Format.percent(Double(count) / Double(total)) : "—"
            return TextTable.Cell(Format.count(count) + " " + String(repeating: " ", count: max(0, 6 - share.count)) + share, paint: paint)
        }
        var table = TextTable([.left] + task.splits.map { _ in .right })
        table.add([TextTable.Cell("")] + task.splits.map { TextTable.Cell($0.split, paint: style.dim) })
        for (c, name) in task.classes.enumerated() {
            table.add([TextTable.Cell(name)] + task.splits.map { cell($0.classCounts?[c] ?? 0, of: $0.labelled) })
        }
        table.add([TextTable.Cell("missing")] + task.splits.map { cell($0.missing, of: $0.rows, paint: $0.missing > 0 ? style.yellow : nil) })
        if task.splits.contains(where: { ($0.outOfRange ?? 0) > 0 }) {
            table.add([TextTable.Cell("out of range", paint: style.red)] + task.splits.map {
                TextTable.Cell(Format.count($0.outOfRange ?? 0), paint: style.red)
            })
        }
        lines += table.render(indent: 2, gap: 3)
        return lines
    }

    private func missingCell(_ s: TaskSplit, style: TextStyle) -> TextTable.Cell {
        TextTable.Cell(Format.count(s.missing), paint: s.missing > 0 ? style.yellow : nil)
    }
}
