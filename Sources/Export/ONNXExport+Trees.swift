import Artifacts
import Foundation
import GBDT

/// A gradient-boosted teacher member as an ONNX graph: the same inputs, encoding and outputs
/// as a network's (`ONNXExport.model(_: ModelFile…)`), with the trees in place of the network:
///
/// - numeric inputs are double (NaN = missing), standardised in double and rounded to float,
///   so that the encoded rows are mtkd's to the bit: XGBoost's `hist` splits sit exactly on
///   encoded training values, and a float input or float arithmetic (one ulp off) sends such a
///   value to the other side;
/// - the encoded rows `mtkd/x` as the booster was given them: a 0 in a one-hot input is
///   missing to it (`/zero_is_missing`), so those zeros become NaN (`Equal`, `And`, `Where`);
/// - `TreeEnsembleRegressor` (ai.onnx.ml) with the trees of rounds 0…best_iteration, read from
///   the booster's JSON model: `BRANCH_LT` (XGBoost sends `x < split_condition` left),
///   `nodes_missing_value_tracks_true` = XGBoost's `default_left`, each tree's leaves adding to
///   its class (`tree_info`: tree i of K classes adds to class i % K), `SUM`, and `base_values`
///   the base margin (base_score through the objective's inverse link): the margins [N, G];
/// - the logits: for binary:logistic [0, m] (`Sub`, `Concat`), else the margins; then, as for
///   a network, `Softmax` (and the predicted class name), or label units for regression.
///
/// Metadata as a network's, with `mtkd_blueprint` the member's (kind gbdt) and
/// `mtkd_best_iteration`.
extension ONNXExport {
    /// The ONNX model of a gradient-boosted teacher member.
    /// - Throws: `ArtifactError` when the file has no preprocessing, its booster cannot be read
    ///   or does not fit the preprocessing, or names collide.
    public static func model(_ member: GBDTMemberFile, path: String, producerVersion: String = "") throws -> ONNX.Model {
        guard let pre = member.preprocessing else {
            throw ArtifactError(path: path, "the model file holds no preprocessing (written by an older mtkd); re-run its pipeline to rewrite it")
        }
        let trees = try Self.trees(member, path: path)
        var b = GraphBuilder(parameters: [:], path: path)
        var graph = ONNX.Graph(name: member.name)
        let x = try b.encodeInputs(pre, graph: &graph, exact: true)
        let rows = b.boosterRows(x, zeroIsMissing: member.zeroIsMissing)
        let margins = b.treeEnsemble(trees, input: rows)
        let logits: String
        switch trees.objective {
        case .binaryLogistic:
            // logits [0, m]: softmax gives [1 − σ(m), σ(m)], as mtkd predicts.
            let zero = b.node("Sub", [margins, margins], "mtkd/trees/zero")
            logits = b.node("Concat", [zero, margins], "mtkd/trees/logits", [.init("axis", .int(1))])
        case .multiSoftprob, .squaredError:
            logits = margins
        }
        try b.taskOutputs(pre, logits: [logits], graph: &graph)
        graph.nodes = b.nodes
        graph.initializers = b.initializers
        graph.docString = "mtkd \(member.role) \(member.name) (gradient-boosted trees, \(trees.trees) trees of rounds 0…\(member.bestIteration)): "
            + "raw CSV columns in, probabilities (or values in label units) out"
        var model = ONNX.Model(opsets: [("", opset), ("ai.onnx.ml", mlOpset)], graph: graph)
        model.producerVersion = producerVersion
        model.docString = graph.docString
        let blueprint = String(decoding: try JSONEncoder.sorted.encode(member.blueprint), as: UTF8.self)
        model.metadata = [("mtkd_preprocessing", pre.json()), ("mtkd_blueprint", blueprint),
                          ("mtkd_role", member.role), ("mtkd_name", member.name),
                          ("mtkd_best_iteration", String(member.bestIteration))]
        return model
    }

    /// The member's predicting trees, checked against its inputs and task.
    static func trees(_ member: GBDTMemberFile, path: String) throws -> TreeEnsemble {
        let trees: TreeEnsemble
        do { trees = try member.treeEnsemble() } catch let e as XGBoostError {
            throw ArtifactError(path: path, "cannot read the trees of /booster: \(e.errorDescription ?? "\(e)")")
        }
        let task = member.blueprint.task
        let groups = trees.objective == .multiSoftprob ? task.outputs : 1
        guard trees.objective == member.blueprint.boosting.objective, trees.groups == groups else {
            throw ArtifactError(path: path, "/booster has objective \(trees.objective.rawValue) with \(trees.groups) margins per row; "
                                + "the blueprint says \(member.blueprint.boosting.objective.rawValue) for \(task.outputs) outputs")
        }
        guard trees.features <= member.blueprint.inputs else {
            throw ArtifactError(path: path, "/booster reads \(trees.features) inputs, the blueprint has \(member.blueprint.inputs)")
        }
        return trees
    }
}

extension GraphBuilder {
    /// The rows `x` (N, F) as the booster was given them: NaN where `zeroIsMissing` marks an
    /// input whose 0 is missing to it. Returns `x` itself when no input is so marked.
    mutating func boosterRows(_ x: String, zeroIsMissing: [Bool]) -> String {
        guard zeroIsMissing.contains(true) else { return x }
        let zero = "mtkd/zero"   // encodeInputs' float 0
        let nan = constant("mtkd/trees/missing_value", [.nan])
        initializers.append(.bools("mtkd/trees/zero_is_missing", zeroIsMissing, dims: [1, zeroIsMissing.count]))
        let isZero = node("Equal", [x, zero], "mtkd/trees/is_zero")
        let missing = node("And", [isZero, "mtkd/trees/zero_is_missing"], "mtkd/trees/is_missing")
        return node("Where", [missing, nan, x], "mtkd/trees/x")
    }

    /// `TreeEnsembleRegressor` over `input`: the margins [N, groups].
    mutating func treeEnsemble(_ e: TreeEnsemble, input: String) -> String {
        var treeIDs: [Int64] = [], nodeIDs: [Int64] = [], featureIDs: [Int64] = [], values: [Float] = []
        var modes: [String] = [], trueIDs: [Int64] = [], falseIDs: [Int64] = [], missingTrue: [Int64] = []
        var targetTrees: [Int64] = [], targetNodes: [Int64] = [], targetIDs: [Int64] = [], weights: [Float] = []
        for t in 0..<e.trees {
            for n in e.treeStart[t]..<e.treeStart[t + 1] {
                let local = Int64(n - e.treeStart[t])
                treeIDs.append(Int64(t))
                nodeIDs.append(local)
                if e.isLeaf(n) {
                    modes.append("LEAF")
                    featureIDs.append(0); values.append(0); trueIDs.append(0); falseIDs.append(0); missingTrue.append(0)
                    targetTrees.append(Int64(t)); targetNodes.append(local)
                    targetIDs.append(Int64(e.treeGroup[t])); weights.append(e.splitConditions[n])
                } else {
                    modes.append("BRANCH_LT")
                    featureIDs.append(Int64(e.splitIndices[n])); values.append(e.splitConditions[n])
                    trueIDs.append(Int64(e.leftChildren[n])); falseIDs.append(Int64(e.rightChildren[n]))
                    missingTrue.append(e.defaultLeft[n] ? 1 : 0)
                }
            }
        }
        return node("TreeEnsembleRegressor", [input], "mtkd/trees/margins", [
            .init("n_targets", .int(Int64(e.groups))),
            .init("base_values", .floats([Float](repeating: e.baseMargin, count: e.groups))),
            .init("aggregate_function", .string("SUM")),
            .init("post_transform", .string("NONE")),
            .init("nodes_treeids", .ints(treeIDs)),
            .init("nodes_nodeids", .ints(nodeIDs)),
            .init("nodes_featureids", .ints(featureIDs)),
            .init("nodes_values", .floats(values)),
            .init("nodes_modes", .strings(modes)),
            .init("nodes_truenodeids", .ints(trueIDs)),
            .init("nodes_falsenodeids", .ints(falseIDs)),
            .init("nodes_missing_value_tracks_true", .ints(missingTrue)),
            .init("target_treeids", .ints(targetTrees)),
            .init("target_nodeids", .ints(targetNodes)),
            .init("target_ids", .ints(targetIDs)),
            .init("target_weights", .floats(weights)),
        ], domain: "ai.onnx.ml")
    }
}
