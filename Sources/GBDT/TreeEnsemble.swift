import Foundation

/// A booster's trees as flat arrays, read from XGBoost's JSON model
/// (`XGBoosterSaveModelToBuffer` with `{"format": "json"}`): what an exporter needs to rebuild
/// the margins without XGBoost. The per-node arrays keep XGBoost's names and meaning and are
/// concatenated over the trees in order; node indices stay local to their tree.
///
/// A row's margin for group g (class g of a multi-class objective; group 0 otherwise) is
/// `baseMargin + Σ` over the trees of group g of the leaf the row reaches. From the root, a
/// split node sends the row to its left child when `x[split_index] < split_condition`, to its
/// right child when not, and to the left child when the value is missing and `default_left`
/// is set (right when not). A leaf's `split_condition` is its value (learning rate included).
public struct TreeEnsemble: Equatable, Sendable {
    /// XGBoost's objective ("binary:logistic", "multi:softprob", "reg:squarederror").
    public var objective: BoostingObjective
    /// Margins per row: classes for multi:softprob, else 1.
    public var groups: Int
    /// Inputs the trees read (XGBoost's `num_feature`).
    public var features: Int
    /// XGBoost's `base_score`, as stored (a probability for binary:logistic).
    public var baseScore: Float
    /// What every group's sum starts from: `base_score` through the objective's inverse link,
    /// as XGBoost computes it (`-log(1/base_score − 1)` in f32 for binary:logistic, else `base_score`).
    public var baseMargin: Float
    /// Tree t's nodes are `treeStart[t] ..< treeStart[t + 1]` of the node arrays (trees + 1 values).
    public var treeStart: [Int]
    /// Per tree: the group (class) its leaves add to (XGBoost's `tree_info`; tree i of a
    /// K-class model belongs to class i % K).
    public var treeGroup: [Int]
    /// Per node: its left child (local to the tree), −1 for a leaf.
    public var leftChildren: [Int32]
    /// Per node: its right child (local to the tree), −1 for a leaf.
    public var rightChildren: [Int32]
    /// Per node: the input a split reads (0 for a leaf).
    public var splitIndices: [Int32]
    /// Per node: a split's threshold, or a leaf's value.
    public var splitConditions: [Float]
    /// Per node: whether a missing value goes to the left child.
    public var defaultLeft: [Bool]

    public var trees: Int { treeGroup.count }
    public var nodes: Int { leftChildren.count }

    /// Whether node `n` (index into the node arrays) is a leaf.
    public func isLeaf(_ n: Int) -> Bool { leftChildren[n] < 0 }

    /// The trees of a JSON model.
    /// - Throws: `XGBoostError` when the text is not a gbtree model of an objective mtkd boosts
    ///   with numerical splits only (what mtkd grows).
    public init(json: [UInt8]) throws {
        let model: JSONModel
        do { model = try JSONDecoder().decode(JSONModel.self, from: Data(json)) } catch {
            throw XGBoostError(operation: "read the booster's JSON model", message: "\(error)")
        }
        func fail(_ message: String) -> XGBoostError { XGBoostError(operation: "read the booster's JSON model", message: message) }
        let learner = model.learner
        guard let objective = BoostingObjective(rawValue: learner.objective.name) else {
            throw fail("objective '\(learner.objective.name)' is not one mtkd boosts with (\(BoostingObjective.allNames))")
        }
        guard learner.gradientBooster.name == "gbtree", let gbtree = learner.gradientBooster.model else {
            throw fail("booster '\(learner.gradientBooster.name)' is not gbtree")
        }
        let parameters = learner.learnerModelParam
        guard let baseText = parameters["base_score"], let base = Float(baseText) else { throw fail("no base_score") }
        let classes = Int(parameters["num_class"] ?? "0") ?? 0
        self.objective = objective
        groups = objective == .multiSoftprob ? classes : 1
        features = Int(parameters["num_feature"] ?? "") ?? 0
        baseScore = base
        baseMargin = objective == .binaryLogistic ? -logf(1 / base - 1) : base
        guard gbtree.treeInfo.count == gbtree.trees.count else {
            throw fail("\(gbtree.trees.count) trees but \(gbtree.treeInfo.count) entries in tree_info")
        }
        treeGroup = gbtree.treeInfo
        treeStart = [0]
        leftChildren = []; rightChildren = []; splitIndices = []; splitConditions = []; defaultLeft = []
        for (t, tree) in gbtree.trees.enumerated() {
            let n = tree.leftChildren.count
            guard n > 0, tree.rightChildren.count == n, tree.splitIndices.count == n, tree.splitConditions.count == n,
                  tree.defaultLeft.count == n else { throw fail("tree \(t) has node arrays of different lengths") }
            guard tree.splitType?.allSatisfy({ $0 == 0 }) ?? true else { throw fail("tree \(t) has categorical splits") }
            guard treeGroup[t] >= 0, treeGroup[t] < groups else { throw fail("tree \(t) belongs to group \(treeGroup[t]) of \(groups)") }
            for i in 0..<n {
                let (l, r) = (tree.leftChildren[i], tree.rightChildren[i])
                guard (l < 0) == (r < 0), l < n, r < n else { throw fail("tree \(t) node \(i) has children \(l), \(r)") }
                guard l < 0 || (tree.splitIndices[i] >= 0 && Int(tree.splitIndices[i]) < max(features, 1)) else {
                    throw fail("tree \(t) node \(i) splits on input \(tree.splitIndices[i]) of \(features)")
                }
            }
            leftChildren += tree.leftChildren
            rightChildren += tree.rightChildren
            splitIndices += tree.leftChildren.indices.map { tree.leftChildren[$0] < 0 ? 0 : tree.splitIndices[$0] }
            splitConditions += tree.splitConditions
            defaultLeft += tree.defaultLeft.map { $0 != 0 }
            treeStart.append(leftChildren.count)
        }
    }
}

extension BoostingObjective: CaseIterable {
    public static var allCases: [BoostingObjective] { [.binaryLogistic, .multiSoftprob, .squaredError] }
    static var allNames: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

extension Booster {
    /// The trees of rounds `rounds` (XGBoost's own slice of the model, saved as JSON).
    public func trees(rounds: Range<Int>) throws -> TreeEnsemble {
        try TreeEnsemble(json: try slice(rounds).save(format: .json))
    }
}

/// The parts of XGBoost's JSON model (schema: doc/model.schema in XGBoost) read here.
private struct JSONModel: Decodable {
    struct Learner: Decodable {
        struct Objective: Decodable { var name: String }
        struct GradientBooster: Decodable {
            var name: String
            var model: GBTree?
        }
        var learnerModelParam: [String: String]
        var objective: Objective
        var gradientBooster: GradientBooster
        enum CodingKeys: String, CodingKey {
            case learnerModelParam = "learner_model_param", objective, gradientBooster = "gradient_booster"
        }
    }
    struct GBTree: Decodable {
        var treeInfo: [Int]
        var trees: [Tree]
        enum CodingKeys: String, CodingKey { case treeInfo = "tree_info", trees }
    }
    struct Tree: Decodable {
        var leftChildren: [Int32]
        var rightChildren: [Int32]
        var splitIndices: [Int32]
        var splitConditions: [Float]
        var defaultLeft: [Int]
        var splitType: [Int]?
        enum CodingKeys: String, CodingKey {
            case leftChildren = "left_children", rightChildren = "right_children", splitIndices = "split_indices"
            case splitConditions = "split_conditions", defaultLeft = "default_left", splitType = "split_type"
        }
    }
    var learner: Learner
}
