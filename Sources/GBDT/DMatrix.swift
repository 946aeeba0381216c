import CXGBoost
import Foundation
import Tensor

/// XGBoost's data matrix: rows of features (NaN = missing) and, for training, their labels.
/// Owns its handle, freed in `deinit`. XGBoost copies the values in, so the `Matrix` given
/// may be released once the DMatrix exists.
public final class DMatrix: @unchecked Sendable {
    let handle: DMatrixHandle
    public let rows: Int
    public let cols: Int
    /// The labels set, if any.
    public private(set) var labels: [Float]?

    /// - Parameters:
    ///   - x: (rows, cols) features, NaN where a value is missing.
    ///   - labels: one per row (class index, or value), or nil for prediction only.
    public init(_ x: Matrix, labels: [Float]? = nil) throws {
        _ = XGBoostLibrary.configured
        var out: DMatrixHandle?
        try x.storage.withUnsafeBufferPointer { p in
            try XGBoostError.check(XGDMatrixCreateFromMat_omp(p.baseAddress, bst_ulong(x.rows), bst_ulong(x.cols), .nan, &out, 1),
                                   "create a \(x.rows)×\(x.cols) data matrix")
        }
        handle = out!
        rows = x.rows
        cols = x.cols
        if let labels { try setLabels(labels) }
    }

    /// The rows of `input` (entries it leaves out are missing to XGBoost).
    public init(_ input: BoosterInput, labels: [Float]? = nil) throws {
        _ = XGBoostLibrary.configured
        var out: DMatrixHandle?
        try input.rowStart.withUnsafeBufferPointer { rs in
            try input.columns.withUnsafeBufferPointer { c in
                try input.values.withUnsafeBufferPointer { v in
                    try XGBoostError.check(XGDMatrixCreateFromCSREx(rs.baseAddress, c.baseAddress, v.baseAddress, input.rows + 1,
                                                                    input.entryCount, input.cols, &out),
                                           "create a data matrix of \(input.rows) rows and \(input.entryCount) entries")
                }
            }
        }
        handle = out!
        rows = input.rows
        cols = input.cols
        if let labels { try setLabels(labels) }
    }

    deinit { XGDMatrixFree(handle) }

    /// Sets the training labels: class indices (0, 1, …) as floats, or regression targets.
    public func setLabels(_ labels: [Float]) throws {
        precondition(labels.count == rows, "\(labels.count) labels for \(rows) rows")
        try labels.withUnsafeBufferPointer { p in
            try XGBoostError.check(XGDMatrixSetFloatInfo(handle, "label", p.baseAddress, bst_ulong(rows)), "set \(rows) labels")
        }
        self.labels = labels
    }
}
