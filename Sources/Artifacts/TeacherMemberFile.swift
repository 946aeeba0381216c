import Foundation
import GBDT
import HDF5
import MultiTask
import Tensor

/// What predicts a teacher member's outputs for rows, whatever the member is.
public protocol TeacherPredictor {
    /// Logits (rows, classes), or the standardised prediction (rows, 1) for regression.
    /// - Parameter x: (rows, inputs) as `dataset.h5` holds them.
    func predict(_ x: Matrix) throws -> Matrix
}

/// A single-task network as a teacher: its one head's logits.
public struct NetworkTeacher: TeacherPredictor {
    public let network: MultiTaskNetwork
    public init(_ network: MultiTaskNetwork) { self.network = network }
    public func predict(_ x: Matrix) throws -> Matrix { network.predict(x)[0] }
}

extension BoostedModel: TeacherPredictor {
    public func predict(_ x: Matrix) throws -> Matrix { try logits(x) }
}

/// One teacher ensemble member file, of either kind: an MLP (`ModelFile`) or gradient-boosted
/// trees (`GBDTMemberFile`). Both have `mtkd_format` "model"; the root attribute `kind`
/// ("mlp" or "gbdt"; absent in files written before GBDT teachers: "mlp") tells them apart.
/// Soft targets, evaluation, inspect and report read members through this type only, so an
/// ensemble may mix kinds.
public enum TeacherMemberFile {
    case mlp(ModelFile)
    case gbdt(GBDTMemberFile)

    /// The `kind` of the model file at `path` ("mlp" when the attribute is absent).
    public static func kind(at path: String) throws -> String {
        let root = try H5File.open(path).root
        return root.attributes.contains("kind") ? try root.attributes.string("kind") : ModelFile.kind
    }

    public static func read(from path: String) throws -> TeacherMemberFile {
        switch try kind(at: path) {
        case GBDTMemberFile.kind: return .gbdt(try GBDTMemberFile.read(from: path))
        case ModelFile.kind: return .mlp(try ModelFile.read(from: path))
        case let other: throw ArtifactError(path: path, "holds a model of kind '\(other)', which this mtkd does not know (mlp, gbdt)")
        }
    }

    /// "mlp" or "gbdt".
    public var kind: String {
        switch self {
        case .mlp: return ModelFile.kind
        case .gbdt: return GBDTMemberFile.kind
        }
    }

    public var name: String {
        switch self {
        case .mlp(let m): return m.name
        case .gbdt(let g): return g.name
        }
    }

    /// From raw CSV columns to inputs and from outputs to labels (nil in files of an older mtkd).
    public var preprocessing: Preprocessing? {
        switch self {
        case .mlp(let m): return m.preprocessing
        case .gbdt(let g): return g.preprocessing
        }
    }

    public var role: String {
        switch self {
        case .mlp(let m): return m.role
        case .gbdt(let g): return g.role
        }
    }

    /// Learned numbers: a network's parameters, or a tree ensemble's nodes (each a split
    /// threshold or a leaf value) in the rounds that predict.
    public var parameterCount: Int {
        switch self {
        case .mlp(let m): return m.parameterCount
        case .gbdt(let g): return g.trees.nodes
        }
    }

    /// Trees that predict (nil for a network).
    public var trees: Int? {
        if case .gbdt(let g) = self { return g.trees.trees }
        return nil
    }

    /// The validation metric (accuracy or R²) of the epoch or round kept.
    public var keptValidationMetric: Double {
        switch self {
        case .mlp(let m): return m.history[m.bestEpoch - 1].validationMetrics[0]
        case .gbdt(let g): return g.history[g.bestIteration].validationMetric
        }
    }

    /// Rebuilds the member for prediction.
    public func makePredictor() throws -> TeacherPredictor {
        switch self {
        case .mlp(let m): return NetworkTeacher(try m.makeNetwork())
        case .gbdt(let g): return try g.makeModel()
        }
    }
}
