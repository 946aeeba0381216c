import Artifacts
import Foundation
import Tabular
import Tensor

/// Turns declared feature columns into the model's input matrix: numeric columns
/// standardised, categorical columns one-hot, with statistics fitted on training rows only.
struct FeatureEncoder {
    enum Column {
        /// Source column index per table is looked up by name at encode time.
        case numeric(name: String, mean: Double, std: Double)
        /// One-hot over `categories` (categories outside the list map to `other` when present, else all zeros).
        case categorical(name: String, categories: [String], other: Int?)
    }
    let columns: [Column]
    let features: [FeatureInfo]
    let missingPolicy: MissingFeaturePolicy

    /// Categories per categorical column, for messages about the encoded width.
    var categoryCounts: [(column: String, count: Int)] {
        columns.compactMap { if case .categorical(let name, let categories, _) = $0 { return (name, categories.count) } else { return nil } }
    }

    static let otherCategory = Preprocessing.otherCategory

    static func meanStd(_ v: [Double]) -> (Double, Double) {
        guard !v.isEmpty else { return (0, 1) }
        let mean = v.reduce(0, +) / Double(v.count)
        let variance = v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(v.count)
        let std = variance.squareRoot()
        return (mean, std > 1e-12 ? std : 1)
    }

    static func fit(spec: PipelineSpec, train: PrepareStage.Part) throws -> FeatureEncoder {
        var columns: [Column] = []
        var features: [FeatureInfo] = []
        let table = train.table
        for f in spec.data.features {
            let c = table.columnIndex(f.column)!
            switch f.kind {
            case .numeric:
                let all = try train.columns.numeric(c, key: "data.features.numeric")
                let present = train.rows.map { all[$0] }.filter { !$0.isNaN }
                let (mean, std) = meanStd(present)
                columns.append(.numeric(name: f.column, mean: mean, std: std))
                features.append(FeatureInfo(name: f.column, column: f.column, kind: .numeric, mean: mean, std: std))
            case .categorical:
                let (codes, names) = try train.columns.categorical(c, key: "data.features.categorical")
                var counts = [Int](repeating: 0, count: names.count)
                for r in train.rows where codes[r] >= 0 { counts[Int(codes[r])] += 1 }
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

    /// (rows, features) for the part's rows.
    func encode(_ part: PrepareStage.Part) throws -> Matrix {
        let table = part.table
        var x = Matrix(rows: part.rows.count, cols: features.count)
        let width = features.count
        var offset = 0
        for column in columns {
            switch column {
            case .numeric(let name, let mean, let std):
                let c = table.columnIndex(name)!
                let all = try part.columns.numeric(c, key: "data.features.numeric")
                x.storage.withUnsafeMutableBufferPointer { p in
                    for (i, r) in part.rows.enumerated() {
                        let v = all[r]
                        // Missing values survive only under impute-mean: the training mean is 0 after standardising.
                        p[i * width + offset] = v.isNaN ? 0 : Float((v - mean) / std)
                    }
                }
                offset += 1
            case .categorical(let name, let categories, let other):
                let c = table.columnIndex(name)!
                let (codes, names) = try part.columns.categorical(c, key: "data.features.categorical")
                let index = Dictionary(categories.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
                // Map this table's category codes to feature offsets once.
                let slot: [Int?] = names.map { index[$0] ?? other }
                x.storage.withUnsafeMutableBufferPointer { p in
                    for (i, r) in part.rows.enumerated() {
                        let code = codes[r]
                        if code >= 0, let s = slot[Int(code)] { p[i * width + offset + s] = 1 }
                    }
                }
                offset += categories.count
            }
        }
        return x
    }
}
