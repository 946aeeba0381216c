import Foundation
import HDF5
import MultiTask

/// Everything between the raw cells of a CSV file and a network's input row, and between the
/// network's outputs and labels: stored in every model file so that it predicts on its own
/// (`mtkd predict`, `mtkd export`, `mtkd inspect` read it; `data/dataset.h5` is not needed).
///
/// Encoding a row: the features in order, each numeric column as one input scaled as its
/// `scaling` says — `(value − mean) / std` for `standard`, `(value − min) / (max − min)` for
/// `minmax`, the value for `none` (computed in double, then rounded to f32) — each categorical
/// column as a one-hot block over `categories`. A category never seen in training sets the
/// `<other>` slot when the vocabulary has one (`other_index`), else nothing (all zeros). A
/// missing cell (one of `missing_values` after trimming) is imputed: the feature's `impute`
/// value for a numeric input (the training mean in the transformed units: 0 for `standard`),
/// all zeros for a categorical block — `missing_features: drop-row` models never saw such rows,
/// so `mtkd predict` refuses them unless told to impute.
///
/// In a model file (h5py: `f["preprocessing/features/column"].asstr()[...]`):
/// ```
/// /preprocessing                   attrs delimiter, header (0/1), columns, missing_values,
///                                        trim_whitespace (0/1), missing_features
/// /preprocessing/features/column   (C) string   source column of each feature, in input order
/// /preprocessing/features/kind     (C) string   numeric | categorical
/// /preprocessing/features/mean     (C) f64      numeric: training mean (categorical: 0)
/// /preprocessing/features/std      (C) f64      numeric: training std (categorical: 1)
/// /preprocessing/features/scaling, min, max, impute   (C) per feature (`ScalingArrays`), only
///                                               when some numeric feature is not standard
/// /preprocessing/features/width    (C) i32      inputs the feature takes: 1, or its categories
/// /preprocessing/features/other_index (C) i32   index of "<other>" in its categories, −1 none
/// /preprocessing/features/categories (Σ width of categorical) string   vocabularies, feature after feature
/// /preprocessing/tasks             attr order: task names, in the network's head order
/// /preprocessing/tasks/<task>      attrs column, kind, classes, positive, label_mean, label_std
/// ```
/// As JSON (safetensors and ONNX metadata) the same value with the same snake_case keys; a
/// numeric feature that is not `standard` also has `scaling`, `min`, `max` and `impute`.
public struct Preprocessing: Codable, Equatable, Sendable {
    /// How the CSV files are read: the options of the pipeline's `data:` section.
    public struct CSVReading: Codable, Equatable, Sendable {
        /// One character.
        public var delimiter: String
        public var header: Bool
        /// Column names when `header` is false (empty: c0, c1, …).
        public var columns: [String]
        /// Cell texts, after trimming, that mean "missing".
        public var missingValues: [String]
        /// Spaces (and tabs) around cells are removed before anything else.
        public var trimWhitespace: Bool

        public init(delimiter: String = ",", header: Bool = true, columns: [String] = [],
                    missingValues: [String] = ["", "NA", "?"], trimWhitespace: Bool = true) {
            self.delimiter = delimiter; self.header = header; self.columns = columns
            self.missingValues = missingValues; self.trimWhitespace = trimWhitespace
        }

        enum CodingKeys: String, CodingKey {
            case delimiter, header, columns, missingValues = "missing_values", trimWhitespace = "trim_whitespace"
        }
    }

    /// What training did with rows whose feature is missing.
    public enum MissingFeatures: String, Codable, Equatable, Sendable {
        /// Such rows were dropped: the network never saw one.
        case dropRow = "drop-row"
        /// Numeric: the training mean (each feature's `impute`); categorical: all zeros.
        case imputeMean = "impute-mean"
    }

    /// One source column and the inputs it becomes.
    public struct Feature: Codable, Equatable, Sendable {
        public enum Kind: String, Codable, Equatable, Sendable { case numeric, categorical }
        public var column: String
        public var kind: Kind
        /// Numeric: training mean and standard deviation (categorical: 0 and 1).
        public var mean: Double
        public var std: Double
        /// Categorical: the one-hot order (empty for numeric).
        public var categories: [String]
        /// Categorical: the index of `<other>` in `categories`, which takes every category not
        /// listed (rare in training, or never seen); nil when unseen categories become all zeros.
        public var otherIndex: Int?
        /// Numeric: the scaling and the imputation value (categorical: `.standard`, unused).
        public var scaling: FeatureScaling = .standard

        public static func numeric(_ column: String, mean: Double, std: Double, scaling: FeatureScaling = .standard) -> Feature {
            Feature(column: column, kind: .numeric, mean: mean, std: std, categories: [], otherIndex: nil, scaling: scaling)
        }

        public static func categorical(_ column: String, categories: [String], otherIndex: Int? = nil) -> Feature {
            Feature(column: column, kind: .categorical, mean: 0, std: 1, categories: categories, otherIndex: otherIndex)
        }

        /// Inputs of the network this feature fills: 1, or one per category.
        public var width: Int { kind == .numeric ? 1 : categories.count }

        /// Numeric: the map from raw values to the input.
        public var transform: NumericTransform {
            NumericTransform(scaling.method, mean: mean, std: std, min: scaling.min, max: scaling.max)
        }

        enum CodingKeys: String, CodingKey {
            case column, kind, mean, std, categories, otherIndex = "other_index", scaling, min, max, impute
        }

        public init(column: String, kind: Kind, mean: Double, std: Double, categories: [String], otherIndex: Int?,
                    scaling: FeatureScaling = .standard) {
            self.column = column; self.kind = kind; self.mean = mean; self.std = std
            self.categories = categories; self.otherIndex = otherIndex; self.scaling = scaling
        }

        /// The scaling keys only for a numeric feature that is not `standard` (JSON of earlier
        /// mtkd, without them, reads as `standard`).
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(column, forKey: .column); try c.encode(kind, forKey: .kind)
            try c.encode(mean, forKey: .mean); try c.encode(std, forKey: .std)
            try c.encode(categories, forKey: .categories)
            try c.encodeIfPresent(otherIndex, forKey: .otherIndex)
            if kind == .numeric && scaling != .standard {
                try c.encode(scaling.method, forKey: .scaling)
                try c.encode(scaling.min, forKey: .min); try c.encode(scaling.max, forKey: .max)
                try c.encode(scaling.impute, forKey: .impute)
            }
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            column = try c.decode(String.self, forKey: .column); kind = try c.decode(Kind.self, forKey: .kind)
            mean = try c.decode(Double.self, forKey: .mean); std = try c.decode(Double.self, forKey: .std)
            categories = try c.decode([String].self, forKey: .categories)
            otherIndex = try c.decodeIfPresent(Int.self, forKey: .otherIndex)
            scaling = FeatureScaling(method: try c.decodeIfPresent(NumericScaling.self, forKey: .scaling) ?? .standard,
                                     min: try c.decodeIfPresent(Double.self, forKey: .min) ?? 0,
                                     max: try c.decodeIfPresent(Double.self, forKey: .max) ?? 0,
                                     impute: try c.decodeIfPresent(Double.self, forKey: .impute) ?? 0)
        }
    }

    /// A task as the network's head predicts it.
    public struct Task: Codable, Equatable, Sendable {
        public var name: String
        /// The label column (not needed to predict).
        public var column: String
        public var kind: TaskHead.Kind
        /// Classification: class names, index = output column.
        public var classes: [String]
        /// Binary tasks made with `positive:` — the cell values that meant class 1.
        public var positive: [String]
        /// Regression: outputs are standardised labels; label = output · label_std + label_mean.
        public var labelMean: Double
        public var labelStd: Double

        public init(name: String, column: String, kind: TaskHead.Kind, classes: [String], positive: [String] = [],
                    labelMean: Double = 0, labelStd: Double = 1) {
            self.name = name; self.column = column; self.kind = kind; self.classes = classes; self.positive = positive
            self.labelMean = labelMean; self.labelStd = labelStd
        }

        enum CodingKeys: String, CodingKey { case name, column, kind, classes, positive, labelMean = "label_mean", labelStd = "label_std" }
    }

    /// The marker of the catch-all category (see `Feature.otherIndex`).
    public static let otherCategory = "<other>"

    public var csv: CSVReading
    public var missingFeatures: MissingFeatures
    /// In input order.
    public var features: [Feature]
    /// In the network's head order.
    public var tasks: [Task]

    public init(csv: CSVReading, missingFeatures: MissingFeatures, features: [Feature], tasks: [Task]) {
        self.csv = csv; self.missingFeatures = missingFeatures; self.features = features; self.tasks = tasks
    }

    enum CodingKeys: String, CodingKey { case csv, missingFeatures = "missing_features", features, tasks }

    /// Inputs of the network: Σ widths.
    public var inputCount: Int { features.reduce(0) { $0 + $1.width } }

    /// Encoded input names, as in `data/dataset.h5`: the column, or `column=category`.
    public var inputNames: [String] {
        features.flatMap { f in f.kind == .numeric ? [f.column] : f.categories.map { "\(f.column)=\($0)" } }
    }

    /// The value as compact JSON with sorted keys (the same value always gives the same text).
    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try! encoder.encode(self), as: UTF8.self)
    }

    /// Decodes `json()`; throws naming `source` when the text is not a preprocessing value.
    public static func fromJSON(_ json: String, source: String) throws -> Preprocessing {
        do { return try JSONDecoder().decode(Preprocessing.self, from: Data(json.utf8)) } catch {
            throw ArtifactError(path: source, "the preprocessing JSON is not valid: \(error)")
        }
    }

    /// Throws unless this preprocessing feeds a network with `inputs` inputs and these heads.
    public func check(against blueprint: NetworkBlueprint, path: String) throws {
        guard inputCount == blueprint.inputs else {
            throw ArtifactError(path: path, "/preprocessing makes \(inputCount) inputs, the network takes \(blueprint.inputs)")
        }
        guard tasks.map(\.name) == blueprint.tasks.map(\.name) else {
            throw ArtifactError(path: path, "/preprocessing tasks \(tasks.map(\.name)) differ from the network's heads \(blueprint.tasks.map(\.name))")
        }
        for (task, head) in zip(tasks, blueprint.tasks) {
            let outputs = task.kind == .classification ? task.classes.count : 1
            guard task.kind == head.kind, outputs == head.outputs else {
                throw ArtifactError(path: path, "/preprocessing/tasks/\(task.name) is \(task.kind.rawValue) with \(outputs) outputs, the head \(head.kind.rawValue) with \(head.outputs)")
            }
        }
    }
}

// MARK: - HDF5

extension Preprocessing {
    /// The group's name in model files.
    public static let groupName = "preprocessing"

    /// Writes the value as `/preprocessing` under `root`.
    public func write(into root: H5Group) throws {
        let g = try root.createGroup(Self.groupName)
        try g.attributes.set("delimiter", .string(csv.delimiter))
        try g.attributes.set("header", .int(csv.header ? 1 : 0))
        try g.attributes.set("columns", .strings(csv.columns))
        try g.attributes.set("missing_values", .strings(csv.missingValues))
        try g.attributes.set("trim_whitespace", .int(csv.trimWhitespace ? 1 : 0))
        try g.attributes.set("missing_features", .string(missingFeatures.rawValue))
        let f = try g.createGroup("features")
        let n = features.count
        try f.write(features.map(\.column), to: "column")
        try f.write(features.map(\.kind.rawValue), to: "kind")
        try f.write(features.map(\.mean), shape: [n], to: "mean")
        try f.write(features.map(\.std), shape: [n], to: "std")
        try f.write(features.map { Int32($0.width) }, shape: [n], to: "width")
        try f.write(features.map { Int32($0.otherIndex ?? -1) }, shape: [n], to: "other_index")
        try f.write(features.flatMap(\.categories), to: "categories")
        try ScalingArrays.write(features.map { ($0.kind == .numeric, $0.scaling) }, into: f)
        let t = try g.createGroup("tasks")
        try t.attributes.set("order", .strings(tasks.map(\.name)))
        for task in tasks {
            let tg = try t.createGroup(task.name)
            try tg.attributes.set("column", .string(task.column))
            try tg.attributes.set("kind", .string(task.kind.rawValue))
            try tg.attributes.set("classes", .strings(task.classes))
            try tg.attributes.set("positive", .strings(task.positive))
            try tg.attributes.set("label_mean", .double(task.labelMean))
            try tg.attributes.set("label_std", .double(task.labelStd))
        }
    }

    /// Reads `/preprocessing` under `root`; nil when the file has none.
    public static func read(from root: H5Group, path: String) throws -> Preprocessing? {
        guard root.contains(groupName) else { return nil }
        let g = try root.group(groupName)
        func fail(_ message: String) -> ArtifactError { ArtifactError(path: path, "/\(groupName)\(message)") }
        let csv = CSVReading(delimiter: try g.attributes.string("delimiter"), header: try g.attributes.int("header") != 0,
                             columns: try g.attributes.strings("columns"), missingValues: try g.attributes.strings("missing_values"),
                             trimWhitespace: try g.attributes.int("trim_whitespace") != 0)
        guard csv.delimiter.utf8.count == 1, !["\"", "\n", "\r"].contains(csv.delimiter) else {
            throw fail(" delimiter is '\(csv.delimiter)', expected one ASCII character other than a quote or a line break")
        }
        let policyName = try g.attributes.string("missing_features")
        guard let policy = MissingFeatures(rawValue: policyName) else {
            throw fail(" missing_features is '\(policyName)', expected drop-row or impute-mean")
        }
        let f = try g.group("features")
        let columns = try f.dataset("column").readStrings()
        let kinds = try f.dataset("kind").readStrings()
        let means = try f.dataset("mean").read(Double.self)
        let stds = try f.dataset("std").read(Double.self)
        let widths = try f.dataset("width").read(Int32.self)
        let others = try f.dataset("other_index").read(Int32.self)
        let categories = try f.dataset("categories").readStrings()
        let n = columns.count
        guard kinds.count == n, means.count == n, stds.count == n, widths.count == n, others.count == n else {
            throw fail("/features arrays have different lengths")
        }
        var features: [Feature] = []
        var next = 0
        for i in 0..<n {
            guard let kind = Feature.Kind(rawValue: kinds[i]) else {
                throw fail("/features/kind[\(i)] is '\(kinds[i])', expected numeric or categorical")
            }
            switch kind {
            case .numeric:
                guard widths[i] == 1 else { throw fail("/features/width[\(i)] is \(widths[i]), a numeric feature takes 1") }
                guard means[i].isFinite, stds[i].isFinite, stds[i] > 0 else {
                    throw fail("/features mean/std of '\(columns[i])' are \(means[i]) and \(stds[i]): need finite values and std > 0")
                }
                features.append(.numeric(columns[i], mean: means[i], std: stds[i]))
            case .categorical:
                let width = Int(widths[i])
                guard width >= 0, next + width <= categories.count else {
                    throw fail("/features/width[\(i)] is \(width): more categories than /features/categories holds")
                }
                let other = Int(others[i])
                guard other >= -1, other < width else { throw fail("/features/other_index[\(i)] is \(other), expected −1 or below \(width)") }
                features.append(.categorical(columns[i], categories: Array(categories[next..<(next + width)]),
                                             otherIndex: other >= 0 ? other : nil))
                next += width
            }
        }
        guard next == categories.count else { throw fail("/features/categories holds \(categories.count) names, the widths \(next)") }
        let scaling = try ScalingArrays.read(from: f, numeric: features.map { $0.kind == .numeric }, names: columns) { fail("/features\($0)") }
        for i in features.indices { features[i].scaling = scaling[i] }
        let t = try g.group("tasks")
        var tasks: [Task] = []
        for name in try t.attributes.strings("order") {
            let tg = try t.group(name)
            let kindName = try tg.attributes.string("kind")
            guard let kind = TaskHead.Kind(rawValue: kindName) else {
                throw fail("/tasks/\(name) kind is '\(kindName)', expected classification or regression")
            }
            tasks.append(Task(name: name, column: try tg.attributes.string("column"), kind: kind,
                              classes: try tg.attributes.strings("classes"), positive: try tg.attributes.strings("positive"),
                              labelMean: try tg.attributes.double("label_mean"), labelStd: try tg.attributes.double("label_std")))
        }
        return Preprocessing(csv: csv, missingFeatures: policy, features: features, tasks: tasks)
    }
}
