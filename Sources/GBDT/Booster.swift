import CXGBoost
import Foundation
import Tensor

/// An XGBoost booster (a learner and its trees). Owns its handle, freed in `deinit`.
///
/// Not safe to use from two threads at once; separate boosters are independent.
public final class Booster: @unchecked Sendable {
    let handle: BoosterHandle
    /// The matrices whose predictions the booster caches (kept alive as long as it is).
    private let cache: [DMatrix]

    /// A new booster that will train on, and cache predictions for, `cache`.
    public init(cache: [DMatrix]) throws {
        _ = XGBoostLibrary.configured
        var out: BoosterHandle?
        var handles: [DMatrixHandle?] = cache.map { $0.handle }
        try XGBoostError.check(XGBoosterCreate(&handles, bst_ulong(handles.count), &out), "create a booster")
        handle = out!
        self.cache = cache
    }

    /// A booster read from bytes written by `save(format:)` (UBJSON or JSON, told apart by XGBoost).
    public convenience init(model bytes: [UInt8]) throws {
        try self.init(cache: [])
        try bytes.withUnsafeBytes { p in
            try XGBoostError.check(XGBoosterLoadModelFromBuffer(handle, p.baseAddress, bst_ulong(p.count)),
                                   "read a booster from \(bytes.count) bytes")
        }
    }

    private init(handle: BoosterHandle) {
        self.handle = handle
        cache = []
    }

    deinit { XGBoosterFree(handle) }

    /// Sets one training or prediction parameter (`max_depth`, `nthread`, …). Setting
    /// `eval_metric` again adds a metric.
    public func set(_ name: String, _ value: String) throws {
        try XGBoostError.check(XGBoosterSetParam(handle, name, value), "set \(name) to \(value)")
    }

    /// Sets parameters in order.
    public func set(_ parameters: [(String, String)]) throws {
        for (name, value) in parameters { try set(name, value) }
    }

    /// Boosts one round (0-based `round`) on `train`.
    public func update(round: Int, train: DMatrix) throws {
        try XGBoostError.check(XGBoosterUpdateOneIter(handle, Int32(round), train.handle), "boost round \(round)")
    }

    /// Every eval metric on every set after round `round`, keyed "<set>-<metric>" (`val-logloss`),
    /// parsed from XGBoost's evaluation line (`[12]\ttrain-logloss:0.231…\tval-logloss:0.245…`).
    public func evaluate(round: Int, _ sets: [(name: String, data: DMatrix)]) throws -> [String: Double] {
        var handles: [DMatrixHandle?] = sets.map { $0.data.handle }
        let names = sets.map { strdup($0.name) }
        defer { names.forEach { free($0) } }
        var namePointers: [UnsafePointer<CChar>?] = names.map { UnsafePointer($0) }
        var out: UnsafePointer<CChar>?
        try XGBoostError.check(XGBoosterEvalOneIter(handle, Int32(round), &handles, &namePointers, bst_ulong(sets.count), &out),
                               "evaluate round \(round)")
        return try Self.parseEvaluation(String(cString: out!))
    }

    /// `[3]\ttrain-logloss:0.5\tval-logloss:0.6` → ["train-logloss": 0.5, "val-logloss": 0.6].
    static func parseEvaluation(_ line: String) throws -> [String: Double] {
        var values: [String: Double] = [:]
        for field in line.split(separator: "\t").dropFirst() {
            guard let colon = field.lastIndex(of: ":"), let value = Double(field[field.index(after: colon)...]) else {
                throw XGBoostError(operation: "read the evaluation line", message: "unexpected field '\(field)' in '\(line)'")
            }
            values[String(field[..<colon])] = value
        }
        return values
    }

    /// Rounds boosted so far.
    public var rounds: Int {
        get throws {
            var n: Int32 = 0
            try XGBoostError.check(XGBoosterBoostedRounds(handle, &n), "count the boosted rounds")
            return Int(n)
        }
    }

    /// Raw scores (margins, before the objective's link function) of the trees of rounds
    /// `rounds` (all when nil) for every row of `data`: (rows, 1), or (rows, classes) for a
    /// multi-class objective.
    public func margins(_ data: DMatrix, rounds: Range<Int>? = nil) throws -> Matrix {
        let config = "{\"type\": 1, \"training\": false, \"iteration_begin\": \(rounds?.lowerBound ?? 0), "
            + "\"iteration_end\": \(rounds?.upperBound ?? 0), \"strict_shape\": true}"
        var shape: UnsafePointer<bst_ulong>?
        var dims: bst_ulong = 0
        var result: UnsafePointer<Float>?
        try XGBoostError.check(XGBoosterPredictFromDMatrix(handle, data.handle, config, &shape, &dims, &result),
                               "predict \(data.rows) rows")
        // strict_shape: (rows, groups) for margins; groups = classes (multi-class) or 1.
        guard dims == 2, let shape else {
            throw XGBoostError(operation: "predict \(data.rows) rows", message: "unexpected prediction of \(dims) dimensions")
        }
        let rows = Int(shape[0]), cols = Int(shape[1])
        precondition(rows == data.rows, "XGBoost predicted \(rows) rows for \(data.rows)")
        return Matrix(rows: rows, cols: cols, storage: Array(UnsafeBufferPointer(start: result, count: rows * cols)))
    }

    public enum ModelFormat: String, Sendable {
        /// Universal Binary JSON: XGBoost's compact, exact format (recommended since 1.6).
        case ubj
        /// JSON text.
        case json
    }

    /// The model (trees, objective, learner parameters and attributes; not the training
    /// configuration such as `nthread`) as bytes. The same booster always gives the same bytes.
    public func save(format: ModelFormat = .ubj) throws -> [UInt8] {
        var length: bst_ulong = 0
        var bytes: UnsafePointer<CChar>?
        try XGBoostError.check(XGBoosterSaveModelToBuffer(handle, "{\"format\": \"\(format.rawValue)\"}", &length, &bytes),
                               "save the booster as \(format.rawValue)")
        return Array(UnsafeRawBufferPointer(start: bytes, count: Int(length)).bindMemory(to: UInt8.self))
    }

    /// A string attribute stored with the model (`best_iteration`), nil when absent.
    public func attribute(_ key: String) throws -> String? {
        var out: UnsafePointer<CChar>?
        var found: Int32 = 0
        try XGBoostError.check(XGBoosterGetAttr(handle, key, &out, &found), "read attribute \(key)")
        return found != 0 ? out.map { String(cString: $0) } : nil
    }

    /// Sets a string attribute stored with the model.
    public func setAttribute(_ key: String, _ value: String) throws {
        try XGBoostError.check(XGBoosterSetAttr(handle, key, value), "set attribute \(key)")
    }

    /// A new booster with the trees of rounds `rounds` only.
    public func slice(_ rounds: Range<Int>) throws -> Booster {
        var out: BoosterHandle?
        try XGBoostError.check(XGBoosterSlice(handle, Int32(rounds.lowerBound), Int32(rounds.upperBound), 1, &out),
                               "slice rounds \(rounds.lowerBound)..<\(rounds.upperBound)")
        return Booster(handle: out!)
    }

    /// Trees, nodes (splits and leaves) and leaves of the whole model, from XGBoost's text dump.
    public func treeCounts() throws -> TreeCounts {
        var count: bst_ulong = 0
        var dump: UnsafeMutablePointer<UnsafePointer<CChar>?>?
        try XGBoostError.check(XGBoosterDumpModelEx(handle, "", 0, "text", &count, &dump), "dump the trees")
        var counts = TreeCounts(trees: Int(count), nodes: 0, leaves: 0)
        for i in 0..<Int(count) {
            // One node per line: "0:[f12<0.5] yes=1,no=2,missing=1" or "3:leaf=0.0123".
            for line in String(cString: dump![i]!).split(separator: "\n") where !line.allSatisfy(\.isWhitespace) {
                counts.nodes += 1
                if line.contains("leaf=") { counts.leaves += 1 }
            }
        }
        return counts
    }
}

/// The size of a tree ensemble.
public struct TreeCounts: Codable, Equatable, Sendable {
    public var trees: Int
    /// Split nodes and leaves.
    public var nodes: Int
    public var leaves: Int
    public init(trees: Int, nodes: Int, leaves: Int) { self.trees = trees; self.nodes = nodes; self.leaves = leaves }
}
