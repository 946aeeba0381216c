import Tensor

/// The targets of one task for every row of a split.
public struct TaskTargets: Sendable {
    public enum Labels: Sendable {
        /// Class indices, −1 where the label is missing.
        case classes([Int32])
        /// Regression targets (standardised), NaN where missing.
        case values([Float])
    }
    public var labels: Labels
    /// The teachers' targets for every row, or nil (task without a teacher, or no distillation):
    /// (N, C) class probabilities at the distillation temperature, or (N, 1) mean predictions.
    public var soft: Matrix?

    public init(labels: Labels, soft: Matrix? = nil) { self.labels = labels; self.soft = soft }

    /// Number of rows with a label.
    public var labelledCount: Int {
        switch labels {
        case .classes(let c): return c.lazy.filter { $0 >= 0 }.count
        case .values(let v): return v.lazy.filter { !$0.isNaN }.count
        }
    }
}

/// Features and per-task targets of one split, rows aligned.
public struct LabelledSet: Sendable {
    /// (N, F): the rows' features, dense or as their non-zeros.
    public var features: FeatureRows
    /// In the network's task order.
    public var targets: [TaskTargets]

    public init(x: Matrix, targets: [TaskTargets]) { self.init(features: .dense(x), targets: targets) }

    public init(features: FeatureRows, targets: [TaskTargets]) {
        for t in targets {
            switch t.labels {
            case .classes(let c): precondition(c.count == features.rows, "labels and rows differ")
            case .values(let v): precondition(v.count == features.rows, "targets and rows differ")
            }
            if let s = t.soft { precondition(s.rows == features.rows, "soft targets and rows differ") }
        }
        self.features = features; self.targets = targets
    }

    /// (N, F), dense (made from the non-zeros when the features are sparse).
    public var x: Matrix { features.dense }

    public var count: Int { features.rows }
}

/// A block's features: a dense matrix, or its non-zeros row by row (one-hot features read back
/// from the decoded blocks set aside: a batch is gathered from them without the block ever
/// being laid out dense: census rows hold 39 non-zeros of 495, 79 words as column/value pairs
/// against 495 floats dense).
public enum FeatureRows: Sendable {
    case dense(Matrix)
    case sparse(SparseRows)

    public var rows: Int {
        switch self {
        case .dense(let m): return m.rows
        case .sparse(let s): return s.rows
        }
    }

    /// Rows `indices` as the rows of `out` (resized), the same bits either way.
    public func gatherRows(_ indices: ArraySlice<Int>, into out: inout Matrix) {
        switch self {
        case .dense(let m): m.gatherRows(indices, into: &out)
        case .sparse(let s): s.gatherRows(indices, into: &out)
        }
    }

    /// Rows `range`, dense.
    public func rows(_ range: Range<Int>) -> Matrix {
        switch self {
        case .dense(let m): return m.rows(range)
        case .sparse(let s):
            var out = Matrix.empty
            s.gatherRows(Array(range)[...], into: &out)
            return out
        }
    }

    /// The matrix, dense.
    public var dense: Matrix {
        switch self {
        case .dense(let m): return m
        case .sparse(let s): return s.dense()
        }
    }
}

/// Training or evaluation rows delivered in blocks, so a split larger than memory can stream
/// from disk: the trainer shuffles the order of the blocks and the rows within each block.
public protocol RowBlocks {
    /// Rows in all.
    var count: Int { get }
    /// Rows per block (the last block may be shorter).
    var blockRows: Int { get }
    /// Rows [i·blockRows, min((i+1)·blockRows, count)) with their targets.
    func block(_ index: Int) throws -> LabelledSet
    /// Blocks in all (by default `count` in blocks of `blockRows`).
    var blockCount: Int { get }
}

extension RowBlocks {
    public var blockCount: Int { count == 0 ? 0 : (count + blockRows - 1) / blockRows }
    public func range(ofBlock i: Int) -> Range<Int> { (i * blockRows)..<min((i + 1) * blockRows, count) }
}

extension LabelledSet: RowBlocks {
    /// In memory: one block.
    public var blockRows: Int { max(count, 1) }
    public func block(_ index: Int) throws -> LabelledSet { self }
}

/// Several sources of rows one after the other (e.g. the training split, then transfer rows
/// that carry the teachers' targets only): their blocks, in order, as one set of blocks.
public final class ConcatenatedBlocks: RowBlocks {
    public let parts: [RowBlocks]
    public init(_ parts: [RowBlocks]) { precondition(!parts.isEmpty); self.parts = parts }
    public var count: Int { parts.reduce(0) { $0 + $1.count } }
    /// The first part's (blocks of later parts may differ).
    public var blockRows: Int { parts[0].blockRows }
    public var blockCount: Int { parts.reduce(0) { $0 + $1.blockCount } }
    public func block(_ index: Int) throws -> LabelledSet {
        var i = index
        for p in parts {
            if i < p.blockCount { return try p.block(i) }
            i -= p.blockCount
        }
        preconditionFailure("block \(index) of \(blockCount)")
    }
}
