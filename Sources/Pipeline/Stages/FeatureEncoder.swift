import Artifacts
import Foundation
import Tabular
import Tensor

/// Turns declared feature columns into the model's input matrix: numeric columns scaled as the
/// pipeline says (`standard`, `minmax`, `none`), categorical columns one-hot, with statistics
/// fitted on training rows only.
struct FeatureEncoder {
    enum Column {
        /// Source column index per table is looked up by name at encode time; a missing value
        /// (impute-mean) becomes `impute`.
        case numeric(name: String, transform: NumericTransform, impute: Float)
        /// One-hot over `categories` (categories outside the list map to `other` when present, else all zeros).
        case categorical(name: String, categories: [String], other: Int?)
    }
    let columns: [Column]
    let features: [FeatureInfo]
    let missingPolicy: MissingFeaturePolicy

    /// The training statistics of one feature column.
    enum Statistics {
        /// Mean, standard deviation, minimum and maximum of the present values (`MeanStd`).
        case numeric(mean: Double, std: Double, min: Double, max: Double)
        /// The column's texts (by code) and how many training rows hold each.
        case categorical(names: [String], counts: [Int])
    }

    /// Categories per categorical column, for messages about the encoded width.
    var categoryCounts: [(column: String, count: Int)] {
        columns.compactMap { if case .categorical(let name, let categories, _) = $0 { return (name, categories.count) } else { return nil } }
    }

    static let otherCategory = Preprocessing.otherCategory

    /// Mean and standard deviation (1 when the values are constant or absent) of `values`,
    /// summed in their order: `mean = Σv / n`, then `Σ(v − mean)² / n`; and their range.
    struct MeanStd {
        private(set) var count = 0
        private var sum = 0.0
        private var squares = 0.0
        private(set) var mean = 0.0
        private var low = Double.infinity
        private var high = -Double.infinity

        /// First pass: every value, in order.
        @inline(__always) mutating func add(_ v: Double) {
            sum += v; count += 1
            if v < low { low = v }
            if v > high { high = v }
        }
        /// Between the passes.
        mutating func finishMean() { mean = count > 0 ? sum / Double(count) : 0 }
        /// Second pass: the same values in the same order.
        @inline(__always) mutating func addSquare(_ v: Double) { squares = squares + (v - mean) * (v - mean) }

        var result: (mean: Double, std: Double) {
            guard count > 0 else { return (0, 1) }
            let std = (squares / Double(count)).squareRoot()
            return (mean, std > 1e-12 ? std : 1)
        }

        /// The smallest and largest value (0 and 0 when there are none).
        var range: (min: Double, max: Double) { count > 0 ? (low, high) : (0, 0) }
    }

    /// The encoder of `spec`'s features from their training statistics (in feature order).
    static func fit(spec: PipelineSpec, statistics: [Statistics]) -> FeatureEncoder {
        var columns: [Column] = []
        var features: [FeatureInfo] = []
        for (f, stats) in zip(spec.data.features, statistics) {
            switch stats {
            case .numeric(let mean, let std, let min, let max):
                let range = f.scaling == .minmax ? (min, max) : (0, 0)
                let transform = NumericTransform(f.scaling, mean: mean, std: std, min: range.0, max: range.1)
                // The training mean in the transformed units: 0 for standard.
                let scaling = FeatureScaling(method: f.scaling, min: range.0, max: range.1, impute: transform.exact(mean))
                columns.append(.numeric(name: f.column, transform: transform, impute: Float(scaling.impute)))
                features.append(FeatureInfo(name: f.column, column: f.column, kind: .numeric, mean: mean, std: std, scaling: scaling))
            case .categorical(let names, let counts):
                var seen = names.indices.filter { counts[$0] > 0 }
                var other: Int? = nil
                if let cap = spec.data.maxCategories, seen.count > cap {
                    // Keep the most frequent (ties by name), the rest become "<other>".
                    seen.sort { counts[$0] != counts[$1] ? counts[$0] > counts[$1] : names[$0] < names[$1] }
                    seen = Array(seen.prefix(max(cap - 1, 1)))
                    other = 0
                }
                // Canonically equal spellings (é and e + ◌́) are one category.
                var categories = Set(seen.map { names[$0] }).sorted()
                if other != nil { categories.append(otherCategory); other = categories.count - 1 }
                columns.append(.categorical(name: f.column, categories: categories, other: other))
                for cat in categories {
                    features.append(FeatureInfo(name: "\(f.column)=\(cat)", column: f.column, kind: .categorical, mean: 0, std: 1))
                }
            }
        }
        return FeatureEncoder(columns: columns, features: features, missingPolicy: spec.data.missingFeatures)
    }

    /// How a table's rows are encoded: per feature column, its first input, and for categorical
    /// columns the input each of the table's category codes sets (−1: none).
    struct Plan {
        var offsets: [Int]
        var slots: [[Int32]]
    }

    /// The plan for a table whose categorical columns have the texts `names(column)` (by code).
    func plan(names: (Int) -> [String]) -> Plan {
        var offsets: [Int] = [], slots: [[Int32]] = []
        var offset = 0
        for (i, column) in columns.enumerated() {
            offsets.append(offset)
            switch column {
            case .numeric:
                slots.append([])
                offset += 1
            case .categorical(_, let categories, let other):
                let index = Dictionary(categories.enumerated().map { ($1, Int32($0)) }, uniquingKeysWith: { a, _ in a })
                slots.append(names(i).map { index[$0] ?? other.map(Int32.init) ?? -1 })
                offset += categories.count
            }
        }
        return Plan(offsets: offsets, slots: slots)
    }

    /// Writes the inputs of `records` (each `record.bytes`, rows of a table with `plan`) into
    /// rows `row0…` of `x`, which are zero.
    func encode(_ records: UnsafeRawBufferPointer, record: RowRecord, plan: Plan, into x: inout Matrix, at row0: Int) {
        let n = records.count / record.bytes
        let width = features.count
        x.storage.withUnsafeMutableBufferPointer { p in
            let out = p.baseAddress! + row0 * width
            for (i, column) in columns.enumerated() {
                let at = record.featureOffsets[i]
                let offset = plan.offsets[i]
                switch column {
                case .numeric(_, let transform, let impute):
                    for r in 0..<n {
                        let v = records.loadUnaligned(fromByteOffset: r * record.bytes + at, as: Double.self)
                        // Missing values survive only under impute-mean: the training mean, transformed.
                        out[r * width + offset] = v.isNaN ? impute : transform(v)
                    }
                case .categorical:
                    plan.slots[i].withUnsafeBufferPointer { slot in
                        for r in 0..<n {
                            let code = records.loadUnaligned(fromByteOffset: r * record.bytes + at, as: Int32.self)
                            if code >= 0 {
                                let s = slot[Int(code)]
                                if s >= 0 { out[r * width + offset + Int(s)] = 1 }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The values of one row that `prepare` keeps between reading its CSV files and writing the
/// dataset, as a fixed-size record: a Double per numeric feature and regression label, an
/// Int32 per categorical feature and classification label (the file's category code, −1
/// missing), and the row's index in its file.
struct RowRecord {
    /// Byte offset of each feature's value (in feature order) and of each task's label (in task order).
    let featureOffsets: [Int]
    let taskOffsets: [Int]
    let sourceRowOffset: Int
    let bytes: Int

    init(spec: PipelineSpec) {
        let numbers = spec.data.features.filter { $0.kind == .numeric }.count + spec.tasks.filter { $0.kind == .regression }.count
        var nextNumber = 0, nextCode = 8 * numbers
        func offset(numeric: Bool) -> Int {
            if numeric { defer { nextNumber += 8 }; return nextNumber }
            defer { nextCode += 4 }
            return nextCode
        }
        featureOffsets = spec.data.features.map { offset(numeric: $0.kind == .numeric) }
        taskOffsets = spec.tasks.map { offset(numeric: $0.kind == .regression) }
        sourceRowOffset = offset(numeric: false)
        bytes = (nextCode + 7) / 8 * 8
    }
}
