import Artifacts
import Foundation

/// A data file named in the pipeline file.
struct SpecDataFile {
    /// As written in the file (`data/penguins.csv`), for messages.
    let written: String
    /// Absolute.
    let path: String
    /// The node that names it (`data.csv`, `data.files.train`).
    let node: SpecNode
}

/// The `data:` section, read and checked on its own (columns are checked against the files later).
struct SpecDataDraft {
    static let keys = ["csv", "split", "files", "val_fraction", "header", "columns", "delimiter",
                       "missing_values", "missing_features", "max_categories", "features"]

    var source: DataSpec.Source
    /// The data files in file order: the csv, or train, val (if given), test.
    var files: [SpecDataFile]
    var header: Bool
    var columns: [String]
    /// The `columns:` node, when given.
    var columnsNode: SpecNode?
    var delimiter: Character
    var missingValues: [String]
    var missingFeatures: MissingFeaturePolicy
    var maxCategories: Int?
    /// Features in order of declaration, with the list item that names each.
    var features: [(spec: FeatureSpec, node: SpecNode)]

    var spec: DataSpec {
        DataSpec(source: source, header: header, columnNames: columns, delimiter: delimiter,
                 missingValues: missingValues, features: features.map(\.spec),
                 missingFeatures: missingFeatures, maxCategories: maxCategories)
    }

    /// Reads `data:`; `baseDirectory` resolves the file paths.
    init(_ node: SpecNode, baseDirectory: String) throws {
        var csv: SpecDataFile?, split: (fractions: SplitFractions, node: SpecNode)?
        var files: (train: SpecDataFile, val: SpecDataFile?, test: SpecDataFile, node: SpecNode)?
        var valFraction: (value: Double, node: SpecNode)?
        var header = true, columnsNode: SpecNode?, columns: [String] = []
        var delimiter: Character = ",", missingValues = ["", "NA", "?"]
        var missingFeatures = MissingFeaturePolicy.dropRow, maxCategories: Int?
        var features: [(spec: FeatureSpec, node: SpecNode)]?
        try node.forEachEntry(keys: Self.keys) { key, value in
            switch key {
            case "csv":
                csv = try Self.file(value, baseDirectory: baseDirectory)
            case "split":
                split = (try Self.split(value), value)
            case "files":
                files = try Self.files(value, baseDirectory: baseDirectory)
            case "val_fraction":
                let fraction = try value.number()
                try value.require(fraction > 0 && fraction < 1, "> 0 and < 1")
                valFraction = (fraction, value)
            case "header":
                header = try value.bool()
            case "columns":
                columns = try Self.names(value, of: "column names").map(\.name)
                columnsNode = value
            case "delimiter":
                let text = try value.string("a single character")
                guard text.count == 1, let character = text.first, character.isASCII,
                      !character.isNewline, character != "\"" else {
                    throw value.error("delimiter must be one ASCII character other than a line break or '\"', got '\(text)'")
                }
                delimiter = character
            case "missing_values":
                missingValues = try value.items(of: "strings").map { try $0.string() }
            case "missing_features":
                missingFeatures = try value.choice(MissingFeaturePolicy.self)
            case "max_categories":
                maxCategories = try value.int(in: SpecLimits.maxCategories)
            case "features":
                features = try Self.features(value)
            default:
                break
            }
        }

        if let csv, let files {
            let later = (csv.node.line ?? 0) > (files.node.line ?? 0) ? csv.node : files.node
            throw later.error("give either csv (one file, split by fractions) or files (one file per split), not both")
        }
        if let csv {
            source = .single(path: csv.path, split: split?.fractions ?? SplitFractions(train: 0.7, val: 0.15, test: 0.15))
            self.files = [csv]
        } else if let files {
            source = .files(train: files.train.path, val: files.val?.path, test: files.test.path,
                            valFraction: valFraction?.value ?? 0.1)
            self.files = [files.train] + (files.val.map { [$0] } ?? []) + [files.test]
        } else {
            throw SpecError(file: node.source.file, line: node.line, key: node.path,
                            message: "missing required key 'csv' (one data file) or 'files' (one file per split)")
        }
        if let split, files != nil {
            throw split.node.error("split is only used with csv; with files, the files are the splits")
        }
        if let valFraction {
            if csv != nil { throw valFraction.node.error("val_fraction is only used with files; with csv, use split") }
            if files?.val != nil { throw valFraction.node.error("val_fraction is only used when files has no val") }
        }
        if let columnsNode, header {
            throw columnsNode.error("columns can only be given with header: false; otherwise the header line names the columns")
        }
        guard let features else { throw node.missing("features") }
        self.header = header; self.columns = columns; self.columnsNode = columnsNode
        self.delimiter = delimiter; self.missingValues = missingValues
        self.missingFeatures = missingFeatures; self.maxCategories = maxCategories; self.features = features
    }

    /// A data file path, resolved against the pipeline file's folder.
    private static func file(_ node: SpecNode, baseDirectory: String) throws -> SpecDataFile {
        let written = try node.nonEmptyString("a file path")
        return SpecDataFile(written: written, path: SpecPaths.absolute(written, base: baseDirectory), node: node)
    }

    /// `split: {train: 0.7, val: 0.15, test: 0.15}`: each > 0, summing to 1.
    private static func split(_ node: SpecNode) throws -> SplitFractions {
        var values: [String: Double] = [:]
        try node.forEachEntry(keys: ["train", "val", "test"], expected: "a mapping {train, val, test}") { key, value in
            let fraction = try value.number()
            try value.require(fraction > 0, "> 0")
            values[key] = fraction
        }
        guard let train = values["train"] else { throw node.missing("train") }
        guard let val = values["val"] else { throw node.missing("val") }
        guard let test = values["test"] else { throw node.missing("test") }
        let sum = train + val + test
        guard abs(sum - 1) <= 1e-6 else {
            throw node.error("split fractions must sum to 1, got \(Self.format(sum)) "
                             + "(train \(Self.format(train)) + val \(Self.format(val)) + test \(Self.format(test)))")
        }
        return SplitFractions(train: train, val: val, test: test)
    }

    /// `files: {train: a.csv, val: b.csv, test: c.csv}`: train and test required.
    private static func files(_ node: SpecNode, baseDirectory: String) throws
        -> (train: SpecDataFile, val: SpecDataFile?, test: SpecDataFile, node: SpecNode) {
        var found: [String: SpecDataFile] = [:]
        try node.forEachEntry(keys: ["train", "val", "test"], expected: "a mapping {train, val, test} of file paths") { key, value in
            found[key] = try file(value, baseDirectory: baseDirectory)
        }
        guard let train = found["train"] else { throw node.missing("train") }
        guard let test = found["test"] else { throw node.missing("test") }
        return (train, found["val"], test, node)
    }

    /// `features: {numeric: [...], categorical: [...], scaling: standard}`: at least one column,
    /// none listed twice. An item of `numeric` is a column name, scaled as `scaling` says
    /// (default `standard`), or a group `{columns: [...], scaling: minmax}` with its own scaling.
    private static func features(_ node: SpecNode) throws -> [(spec: FeatureSpec, node: SpecNode)] {
        var features: [(spec: FeatureSpec, node: SpecNode)] = []
        /// Numeric features whose scaling is the section's (known once the whole mapping is read).
        var byDefault: [Int] = []
        var defaultScaling = NumericScaling.standard
        func add(_ column: String, _ item: SpecNode, _ kind: FeatureSpec.Kind, _ scaling: NumericScaling) throws {
            if let other = features.first(where: { $0.spec.column == column }) {
                throw item.error("column '\(column)' is listed twice (also at \(other.node.path))")
            }
            features.append((FeatureSpec(column: column, kind: kind, scaling: scaling), item))
        }
        try node.forEachEntry(keys: FeatureSpec.Kind.allCases.map(\.rawValue) + ["scaling"],
                              expected: "a mapping {numeric, categorical, scaling} of column lists") { key, value in
            switch key {
            case "scaling":
                defaultScaling = try value.choice(NumericScaling.self)
            case FeatureSpec.Kind.categorical.rawValue:
                for item in try value.items(of: "column names") {
                    try add(try item.nonEmptyString("a column name"), item, .categorical, .standard)
                }
            default:
                for item in try value.items(of: "column names or groups {columns, scaling}") {
                    guard case .mapping = item.node else {
                        byDefault.append(features.count)
                        try add(try item.nonEmptyString("a column name or a group {columns, scaling}"), item, .numeric, .standard)
                        continue
                    }
                    var columns: [SpecNode]?, scaling: NumericScaling?
                    try item.forEachEntry(keys: ["columns", "scaling"]) { key, value in
                        if key == "scaling" { scaling = try value.choice(NumericScaling.self); return }
                        let list = try value.items(of: "column names")
                        guard !list.isEmpty else { throw value.error("a group lists at least one column") }
                        columns = list
                    }
                    guard let columns else { throw item.missing("columns") }
                    if scaling == nil { byDefault += features.count..<(features.count + columns.count) }
                    for column in columns { try add(try column.nonEmptyString("a column name"), column, .numeric, scaling ?? .standard) }
                }
            }
        }
        for i in byDefault { features[i].spec.scaling = defaultScaling }
        guard !features.isEmpty else {
            throw node.error("no features: list at least one column under numeric or categorical")
        }
        return features
    }

    /// A list of non-empty names, none given twice.
    private static func names(_ node: SpecNode, of what: String) throws -> [(name: String, node: SpecNode)] {
        var names: [(name: String, node: SpecNode)] = []
        for item in try node.items(of: what) {
            let name = try item.nonEmptyString("a column name")
            if let other = names.first(where: { $0.name == name }) {
                throw item.error("column '\(name)' is listed twice (also at \(other.node.path))")
            }
            names.append((name, item))
        }
        return names
    }

    /// A fraction as a user would write it: `0.95`, not `0.9500000000000001`.
    static func format(_ value: Double) -> String { String(format: "%g", value) }
}
