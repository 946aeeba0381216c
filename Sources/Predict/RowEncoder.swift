import Artifacts
import Tabular
import Tensor

/// Turns CSV rows into a network's input rows with a model's stored preprocessing, exactly as
/// `prepare` encoded the training rows: numeric `Float((x − mean) / std)` computed in double,
/// categorical one-hot over the training vocabulary.
///
/// - Unseen category: the `<other>` input when the vocabulary has one, else all zeros (as
///   training treated categories outside the vocabulary).
/// - Missing cell (a `missing_values` token): imputed — 0 for numeric (the training mean), all
///   zeros for categorical — when the model was trained with `impute-mean` or `imputeMissing`
///   is set; otherwise (a `drop-row` model, which never saw such a row) refused.
/// - Refused: a missing column, a non-numeric or non-finite numeric cell; errors name the
///   file, line and column.
public struct RowEncoder {
    enum Plan {
        case numeric(column: Int, mean: Double, std: Double)
        /// `slots`: vocabulary → input offset within the block; `other`: offset of `<other>`.
        case categorical(column: Int, slots: [String: Int32], other: Int32)
    }

    public let preprocessing: Preprocessing
    public let imputesMissing: Bool
    /// Input count (columns of the encoded matrix).
    public let width: Int
    private let plans: [(plan: Plan, offset: Int, name: String)]

    /// - Parameters:
    ///   - columnNames: the input file's columns (every feature column must be there)
    ///   - source: the input file, for messages
    ///   - imputeMissing: impute missing cells even for a `drop-row` model
    public init(_ preprocessing: Preprocessing, columnNames: [String], source: String, imputeMissing: Bool = false) throws {
        self.preprocessing = preprocessing
        imputesMissing = imputeMissing || preprocessing.missingFeatures == .imputeMean
        var index: [String: Int] = [:]
        for (i, n) in columnNames.enumerated() where index[n] == nil { index[n] = i }
        var plans: [(Plan, Int, String)] = []
        var offset = 0
        for f in preprocessing.features {
            guard let c = index[f.column] else {
                let needed = preprocessing.features.map(\.column).filter { index[$0] == nil }
                throw PredictError.badInput("\(source):1: no column '\(f.column)'; the model reads "
                                            + "\(preprocessing.features.count) columns and \(needed.count) \(needed.count == 1 ? "is" : "are") missing: "
                                            + needed.prefix(8).joined(separator: ", ") + (needed.count > 8 ? ", …" : ""))
            }
            switch f.kind {
            case .numeric:
                plans.append((.numeric(column: c, mean: f.mean, std: f.std), offset, f.column))
            case .categorical:
                var slots: [String: Int32] = [:]
                for (k, name) in f.categories.enumerated() where slots[name] == nil { slots[name] = Int32(k) }
                plans.append((.categorical(column: c, slots: slots, other: Int32(f.otherIndex ?? -1)), offset, f.column))
            }
            offset += f.width
        }
        self.plans = plans
        width = offset
    }

    /// Encodes every row of `table` into `x` (resized to rows × width; its buffer is reused).
    /// - Throws: `PredictError.badInput` naming the file, line and column of the first bad cell.
    public func encode(_ table: CSVTable, into x: inout Matrix) throws {
        let n = table.rowCount, w = width
        x.resize(rows: n, cols: w)
        x.fill(0)
        for (plan, offset, name) in plans {
            switch plan {
            case .numeric(let column, let mean, let std):
                let values: [Double]
                do { values = try table.numericColumn(column) } catch let e as CSVError {
                    throw PredictError.badInput(e.errorDescription ?? "\(e)")
                }
                var bad: Int? = nil
                x.storage.withUnsafeMutableBufferPointer { p in
                    values.withUnsafeBufferPointer { v in
                        var o = offset
                        for r in 0..<n {
                            let value = v[r]
                            if value.isFinite {
                                p[o] = Float((value - mean) / std)
                            } else if value.isNaN && imputesMissing {
                                // Missing (or the text "nan", told apart below): the training mean, 0.
                                if bad == nil, !table.isMissing(row: r, column: column) { bad = r }
                            } else if bad == nil {
                                bad = r
                            }
                            o += w
                        }
                    }
                }
                if let r = bad { throw badCell(table, row: r, column: column, name: name) }
            case .categorical(let column, let slots, let other):
                let (codes, categories) = table.categoricalColumn(column)
                let slot = categories.map { slots[$0] ?? other }   // per code of this block
                var missingRow: Int? = nil
                x.storage.withUnsafeMutableBufferPointer { p in
                    codes.withUnsafeBufferPointer { codes in
                        slot.withUnsafeBufferPointer { slot in
                            var o = offset
                            for r in 0..<n {
                                let code = codes[r]
                                if code >= 0 {
                                    let s = slot[Int(code)]
                                    if s >= 0 { p[o + Int(s)] = 1 }
                                } else if !imputesMissing && missingRow == nil {
                                    missingRow = r
                                }
                                o += w
                            }
                        }
                    }
                }
                if let r = missingRow { throw badCell(table, row: r, column: column, name: name) }
            }
        }
    }

    private func badCell(_ table: CSVTable, row: Int, column: Int, name: String) -> PredictError {
        let place = "\(table.source):\(table.line(ofRow: row)): column '\(name)'"
        if table.isMissing(row: row, column: column) {
            return .badInput("\(place): missing value; the model was trained with missing_features: drop-row and never saw "
                             + "such a row (--impute-missing imputes: numeric → training mean, categorical → all zeros)")
        }
        return .badInput("\(place): non-finite value '\(table.string(row: row, column: column))'; numbers must be finite")
    }
}
