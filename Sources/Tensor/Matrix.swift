/// A row-major float32 matrix in one contiguous buffer.
///
/// Value semantics (copy-on-write through `Array`). Layers keep their output matrices
/// between steps and `resize` them in place, so a training step allocates nothing once
/// the first batch has been seen.
public struct Matrix: Equatable, Sendable {
    public private(set) var rows: Int
    public private(set) var cols: Int
    /// rows × cols values, row after row.
    public var storage: [Float]

    /// A rows × cols matrix filled with `value`.
    public init(rows: Int, cols: Int, repeating value: Float = 0) {
        let count = Matrix.elementCount(rows: rows, cols: cols)
        self.rows = rows
        self.cols = cols
        self.storage = [Float](repeating: value, count: count)
    }

    /// rows × cols, checked: negative sizes and products beyond Int stop with a message that
    /// names the shape (not an arithmetic-overflow trap). Sizes a pipeline asks for are
    /// bounded, and checked against memory, before anything runs (`SpecLimits`, `NetworkMemory`),
    /// so this is a programming error when it fires.
    @inline(__always)
    static func elementCount(rows: Int, cols: Int) -> Int {
        precondition(rows >= 0 && cols >= 0, "matrix dimensions must be non-negative, got \(rows)×\(cols)")
        let (count, overflow) = rows.multipliedReportingOverflow(by: cols)
        precondition(!overflow, "a \(rows)×\(cols) matrix has more elements than an Int can count")
        return count
    }

    /// A rows × cols matrix over `storage` (row-major, count must be rows × cols).
    public init(rows: Int, cols: Int, storage: [Float]) {
        precondition(storage.count == Matrix.elementCount(rows: rows, cols: cols), "storage has \(storage.count) values, expected \(rows)×\(cols)")
        self.rows = rows
        self.cols = cols
        self.storage = storage
    }

    /// The 0 × 0 matrix, used to release cached activations.
    public static let empty = Matrix(rows: 0, cols: 0)

    public var count: Int { rows * cols }
    public var shape: (rows: Int, cols: Int) { (rows, cols) }

    @inlinable
    public subscript(row: Int, col: Int) -> Float {
        get { storage[row * cols + col] }
        set { storage[row * cols + col] = newValue }
    }

    /// Changes the shape, keeping the buffer when the element count is unchanged.
    /// Contents are unspecified afterwards unless the count was unchanged (then kept).
    public mutating func resize(rows: Int, cols: Int) {
        let count = Matrix.elementCount(rows: rows, cols: cols)
        if count != storage.count {
            storage = [Float](repeating: 0, count: count)
        }
        self.rows = rows
        self.cols = cols
    }

    /// Sets every element to `value`.
    public mutating func fill(_ value: Float) {
        storage.withUnsafeMutableBufferPointer { $0.update(repeating: value) }
    }

    /// The values of row `r`.
    public func row(_ r: Int) -> ArraySlice<Float> { storage[(r * cols)..<((r + 1) * cols)] }

    /// Rows `indices` gathered into `out` (resized to indices.count × cols).
    public func gatherRows(_ indices: ArraySlice<Int>, into out: inout Matrix) {
        Kernels.gatherRows(self, indices, into: &out)
    }

    /// Rows `range` as a new matrix.
    public func rows(_ range: Range<Int>) -> Matrix {
        Matrix(rows: range.count, cols: cols, storage: Array(storage[(range.lowerBound * cols)..<(range.upperBound * cols)]))
    }

    /// self += other (same shape).
    public mutating func add(_ other: Matrix, scale: Float = 1) {
        precondition(other.rows == rows && other.cols == cols, "shape mismatch \(rows)×\(cols) vs \(other.rows)×\(other.cols)")
        other.storage.withUnsafeBufferPointer { o in
            storage.withUnsafeMutableBufferPointer { s in
                for i in s.indices { s[i] = o[i] * scale + s[i] }
            }
        }
    }

    /// Largest |a - b| over all elements (same shape).
    public func maxAbsDifference(_ other: Matrix) -> Float {
        precondition(other.count == count)
        var m: Float = 0
        for i in 0..<count { m = Swift.max(m, abs(storage[i] - other.storage[i])) }
        return m
    }
}
