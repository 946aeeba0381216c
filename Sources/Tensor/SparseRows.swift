import CKernels

/// The non-zeros of a mostly-zero matrix (one-hot features), row by row (CSR), with the
/// two products a network's input layer needs. Reused from batch to batch: collecting into
/// it allocates only while the batches grow.
public struct SparseRows: Sendable {
    /// Rows and columns of the matrix the non-zeros came from.
    public private(set) var rows = 0
    public private(set) var cols = 0
    /// Row r's entries are rowStart[r] ..< rowStart[r + 1] of `columns` and `values`.
    public private(set) var rowStart: [Int32] = [0]
    public private(set) var columns: [Int32] = []
    public private(set) var values: [Float] = []
    /// Scratch of `addTransposedProduct` (the entries regrouped by column).
    private var columnStart: [Int32] = []
    private var scratchRows: [Int32] = []
    private var scratchValues: [Float] = []

    public init() {}

    /// A rows × cols matrix given by its non-zeros row by row: row r's are entries
    /// rowStart[r] ..< rowStart[r + 1] of `columns` and `values`.
    public init(rows: Int, cols: Int, rowStart: [Int32], columns: [Int32], values: [Float]) {
        precondition(rowStart.count == rows + 1 && rowStart[0] == 0 && Int(rowStart[rows]) <= min(columns.count, values.count),
                     "CSR: \(rowStart.count) row starts for \(rows) rows, \(columns.count) columns, \(values.count) values")
        self.rows = rows; self.cols = cols
        self.rowStart = rowStart; self.columns = columns; self.values = values
    }

    /// Rows `indices` as the rows of `out` (resized to indices.count × cols): zero but for the
    /// entries, every value with its bits.
    public func gatherRows(_ indices: ArraySlice<Int>, into out: inout Matrix) {
        out.resize(rows: indices.count, cols: cols)
        guard cols > 0 else { return }
        precondition(indices.allSatisfy { $0 >= 0 && $0 < rows }, "row index out of range 0..<\(rows)")
        indices.withUnsafeBufferPointer { idx in
            rowStart.withUnsafeBufferPointer { rs in
                columns.withUnsafeBufferPointer { c in
                    values.withUnsafeBytes { v in
                        out.storage.withUnsafeMutableBytes { o in
                            mtkd_gather_sparse_rows(rs.baseAddress, c.baseAddress, v.baseAddress!.assumingMemoryBound(to: UInt32.self), cols,
                                                    idx.baseAddress, indices.count, o.baseAddress!.assumingMemoryBound(to: UInt32.self))
                        }
                    }
                }
            }
        }
    }

    /// The whole matrix, dense.
    public func dense() -> Matrix {
        var m = Matrix.empty
        gatherRows((0..<rows).map { $0 }[...], into: &m)
        return m
    }

    public var nonZeroCount: Int { Int(rowStart[rows]) }

    /// Collects x's non-zeros (NaNs included); false, with `self` unusable, when they are
    /// more than `maxDensity` of its elements.
    public mutating func collect(from x: Matrix, maxDensity: Double) -> Bool {
        let limit = Int(Double(x.count) * maxDensity)
        guard limit > 0, x.count < Int(Int32.max) else { return false }
        let room = limit + x.cols
        if columns.count < room {
            columns = [Int32](repeating: 0, count: room)
            values = [Float](repeating: 0, count: room)
        }
        if rowStart.count < x.rows + 1 { rowStart = [Int32](repeating: 0, count: x.rows + 1) }
        let found = x.storage.withUnsafeBufferPointer { px in
            rowStart.withUnsafeMutableBufferPointer { rs in
                columns.withUnsafeMutableBufferPointer { c in
                    values.withUnsafeMutableBufferPointer { v in
                        mtkd_collect_nonzeros(px.baseAddress, x.rows, x.cols, limit, rs.baseAddress, c.baseAddress, v.baseAddress)
                    }
                }
            }
        }
        guard found >= 0 else { rows = 0; cols = 0; rowStart[0] = 0; return false }
        rows = x.rows
        cols = x.cols
        return true
    }

    /// out = bias + self·w: (rows × cols)·(cols × n), bias (1 × n); `out` is resized.
    public func multiply(_ w: Matrix, bias: Matrix, into out: inout Matrix) {
        precondition(w.rows == cols, "sparse product: \(rows)×\(cols) by \(w.rows)×\(w.cols)")
        precondition(bias.count == w.cols, "bias has \(bias.count) values, expected \(w.cols)")
        out.resize(rows: rows, cols: w.cols)
        rowStart.withUnsafeBufferPointer { rs in
            columns.withUnsafeBufferPointer { c in
                values.withUnsafeBufferPointer { v in
                    w.storage.withUnsafeBufferPointer { pw in
                        bias.storage.withUnsafeBufferPointer { pb in
                            out.storage.withUnsafeMutableBufferPointer { po in
                                mtkd_sparse_matmul(rows, w.cols, rs.baseAddress, c.baseAddress, v.baseAddress,
                                                   pw.baseAddress, pb.baseAddress, po.baseAddress)
                            }
                        }
                    }
                }
            }
        }
    }

    /// dw += selfᵀ·dy: (cols × rows)·(rows × n) added into dw (cols × n).
    public mutating func addTransposedProduct(_ dy: Matrix, into dw: inout Matrix) {
        precondition(dy.rows == rows && dw.rows == cols && dw.cols == dy.cols,
                     "sparse transposed product: \(rows)×\(cols)ᵀ by \(dy.rows)×\(dy.cols) into \(dw.rows)×\(dw.cols)")
        let nnz = nonZeroCount
        if columnStart.count < cols + 1 { columnStart = [Int32](repeating: 0, count: cols + 1) }
        if scratchRows.count < nnz {
            scratchRows = [Int32](repeating: 0, count: nnz)
            scratchValues = [Float](repeating: 0, count: nnz)
        }
        let (r, c, n) = (rows, cols, dy.cols)
        rowStart.withUnsafeBufferPointer { rs in
            columns.withUnsafeBufferPointer { pc in
                values.withUnsafeBufferPointer { v in
                    dy.storage.withUnsafeBufferPointer { pd in
                        dw.storage.withUnsafeMutableBufferPointer { pw in
                            columnStart.withUnsafeMutableBufferPointer { cs in
                                scratchRows.withUnsafeMutableBufferPointer { sr in
                                    scratchValues.withUnsafeMutableBufferPointer { sv in
                                        mtkd_sparse_weight_gradient(r, c, n, rs.baseAddress, pc.baseAddress, v.baseAddress,
                                                                    pd.baseAddress, pw.baseAddress, cs.baseAddress,
                                                                    sr.baseAddress, sv.baseAddress)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
