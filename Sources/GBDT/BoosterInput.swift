import Tensor

/// Rows as a booster sees them: compressed sparse rows (CSR) of the entries it is given, every
/// other entry missing to XGBoost. NaN is always missing; a 0 is missing too in the inputs
/// marked `zeroIsMissing` (one-hot columns), so a one-hot row costs its few ones, not its
/// width. Trees learn the same splits either way (present vs. missing instead of 1 vs. 0) at a
/// fraction of the cost, but a booster must always be given its rows the way it was trained.
///
/// Filled block by block (`append`), so the dense rows never need to be held all at once.
public struct BoosterInput: Sendable {
    public let cols: Int
    /// Per input: whether a 0 is left out (missing) rather than given as a value.
    public let zeroIsMissing: [Bool]
    public private(set) var rows = 0
    /// Row r's entries are rowStart[r] ..< rowStart[r + 1] of `columns` and `values`.
    public private(set) var rowStart: [Int] = [0]
    public private(set) var columns: [UInt32] = []
    public private(set) var values: [Float] = []

    public init(zeroIsMissing: [Bool]) {
        self.zeroIsMissing = zeroIsMissing
        cols = zeroIsMissing.count
    }

    /// Appends x's rows (x.cols must be `cols`). O(rows × cols).
    public mutating func append(_ x: Matrix) {
        precondition(x.cols == cols, "rows of \(x.cols) inputs for a booster of \(cols)")
        rowStart.reserveCapacity(rows + x.rows + 1)
        x.storage.withUnsafeBufferPointer { p in
            zeroIsMissing.withUnsafeBufferPointer { skipZero in
                for r in 0..<x.rows {
                    let row = p.baseAddress! + r * cols
                    for c in 0..<cols {
                        let v = row[c]
                        if v.isNaN || (v == 0 && skipZero[c]) { continue }
                        columns.append(UInt32(c))
                        values.append(v)
                    }
                    rowStart.append(columns.count)
                }
            }
        }
        rows += x.rows
    }

    /// The entries given to the booster.
    public var entryCount: Int { columns.count }

    /// Every `step`-th row (rows 0, step, 2·step, …).
    public func strided(_ step: Int) -> BoosterInput {
        precondition(step >= 1)
        var out = BoosterInput(zeroIsMissing: zeroIsMissing)
        for r in stride(from: 0, to: rows, by: step) {
            out.columns += columns[rowStart[r]..<rowStart[r + 1]]
            out.values += values[rowStart[r]..<rowStart[r + 1]]
            out.rowStart.append(out.columns.count)
            out.rows += 1
        }
        return out
    }
}
