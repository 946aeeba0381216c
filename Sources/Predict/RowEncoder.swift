import Artifacts
import Tabular
import Tensor

/// Turns CSV rows into a network's input rows with a model's stored preprocessing, exactly as
/// `prepare` encoded the training rows: numeric `Float((x − shift) / divisor)` computed in double
/// (`standard`: mean and std; `minmax`: min and max − min; `none`: 0 and 1), categorical one-hot
/// over the training vocabulary.
///
/// Two steps: `decode` parses a block's cells into typed columns (numbers, category slots) and
/// checks them; `encode` writes the input rows. (`PredictionRun` times them as parsing and
/// encoding.)
///
/// - Unseen category: the `<other>` input when the vocabulary has one, else all zeros (as
///   training treated categories outside the vocabulary).
/// - Missing cell (a `missing_values` token): imputed — the feature's `impute` value for numeric
///   (the training mean, transformed), all zeros for categorical — when the model was trained
///   with `impute-mean` or `imputeMissing`
///   is set; otherwise (a `drop-row` model, which never saw such a row) refused.
/// - Refused: a missing column, a non-numeric or non-finite numeric cell; errors name the
///   file, line and column.
public struct RowEncoder {
    enum Plan {
        case numeric(column: Int, transform: NumericTransform, impute: Float)
        /// `slots`: vocabulary → input offset within the block; `other`: offset of `<other>` (−1: none).
        case categorical(column: Int, slots: [String: Int32], other: Int32)
    }

    /// One block's cells as typed columns, in feature order.
    public struct Decoded {
        public var rows = 0
        /// Per feature: numeric values (NaN = missing, imputed), or categorical input slots (−1 = none).
        var numbers: [[Double]] = []
        var slots: [[Int32]] = []
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
                plans.append((.numeric(column: c, transform: f.transform, impute: Float(f.scaling.impute)), offset, f.column))
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

    /// `decode` then `encode`: every row of `table` into `x` (resized to rows × width).
    public func encode(_ table: CSVTable, into x: inout Matrix) throws {
        let decoded = try decode(table)
        x.resize(rows: decoded.rows, cols: width)
        encode(decoded, rows: 0..<decoded.rows, into: &x, at: 0)
    }

    /// The block's feature cells parsed and checked.
    /// - Throws: `PredictError.badInput` naming the file, line and column of the first bad cell.
    public func decode(_ table: CSVTable) throws -> Decoded {
        let n = table.rowCount
        var out = Decoded(rows: n, numbers: [], slots: [])
        out.numbers.reserveCapacity(plans.count)
        out.slots.reserveCapacity(plans.count)
        for (plan, _, name) in plans {
            switch plan {
            case .numeric(let column, _, _):
                let values: [Double]
                do { values = try table.numericColumn(column) } catch let e as CSVError {
                    throw PredictError.badInput(e.errorDescription ?? "\(e)")
                }
                // Non-finite values are refused, but for missing cells (NaN) of a model that imputes them:
                // infinities, the text "nan", and missing cells of a drop-row model.
                var bad: Int? = nil
                values.withUnsafeBufferPointer { v in
                    for r in 0..<n where !v[r].isFinite {
                        if v[r].isNaN && imputesMissing && table.isMissing(row: r, column: column) { continue }
                        bad = r
                        break
                    }
                }
                if let r = bad { throw badCell(table, row: r, column: column, name: name) }
                out.numbers.append(values)
                out.slots.append([])
            case .categorical(let column, let slots, let other):
                let codes: [Int32], categories: [String]
                do { (codes, categories) = try table.categoricalColumn(column) } catch let e as CSVError {
                    throw PredictError.badInput(e.errorDescription ?? "\(e)")
                }
                let slotOfCode = categories.map { slots[$0] ?? other }
                var rowSlots = [Int32](repeating: -1, count: n)
                var missingRow: Int? = nil
                rowSlots.withUnsafeMutableBufferPointer { out in
                    codes.withUnsafeBufferPointer { codes in
                        slotOfCode.withUnsafeBufferPointer { slot in
                            for r in 0..<n {
                                let code = codes[r]
                                if code >= 0 { out[r] = slot[Int(code)] } else if missingRow == nil && !imputesMissing { missingRow = r }
                            }
                        }
                    }
                }
                if let r = missingRow { throw badCell(table, row: r, column: column, name: name) }
                out.numbers.append([])
                out.slots.append(rowSlots)
            }
        }
        return out
    }

    /// Writes the input rows of `rows` of a decoded block into rows `row0…` of `x` (which must
    /// have room for them and `width` columns); those rows are overwritten entirely.
    public func encode(_ block: Decoded, rows: Range<Int>, into x: inout Matrix, at row0: Int) {
        let w = width
        precondition(x.cols == w && row0 + rows.count <= x.rows, "the input rows do not fit")
        x.storage.withUnsafeMutableBufferPointer { all in
            let p = all.baseAddress! + row0 * w
            p.update(repeating: 0, count: rows.count * w)
            for (k, (plan, offset, _)) in plans.enumerated() {
                switch plan {
                case .numeric(_, let transform, let impute):
                    block.numbers[k].withUnsafeBufferPointer { v in
                        var o = offset
                        for r in rows {
                            let value = v[r]
                            // Missing (NaN, checked by decode): the training mean, transformed.
                            p[o] = value.isNaN ? impute : transform(value)
                            o &+= w
                        }
                    }
                case .categorical:
                    block.slots[k].withUnsafeBufferPointer { s in
                        var o = offset
                        for r in rows {
                            let slot = s[r]
                            if slot >= 0 { p[o &+ Int(slot)] = 1 }
                            o &+= w
                        }
                    }
                }
            }
        }
    }

    /// The message for a refused cell, in the CSV reader's form: `file:line:field: …`.
    private func badCell(_ table: CSVTable, row: Int, column: Int, name: String) -> PredictError {
        let place = "\(table.source):\(table.line(ofRow: row)):\(column + 1)"
        if table.isMissing(row: row, column: column) {
            return .badInput("\(place): missing value in column '\(name)'; the model was trained with missing_features: drop-row "
                             + "and never saw such a row (--impute-missing imputes: numeric → training mean, categorical → all zeros)")
        }
        return .badInput("\(place): non-finite value '\(table.string(row: row, column: column))' in column '\(name)'; expected a finite number")
    }
}
