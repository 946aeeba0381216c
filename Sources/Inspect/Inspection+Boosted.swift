import Artifacts
import Foundation
import GBDT

/// What a gradient-boosted teacher member (`kind: gbdt`) means: how its trees were grown,
/// how many of them predict, and its boosting curve.
public struct BoostedMeaning: Codable, Equatable, Sendable {
    public struct Round: Codable, Equatable, Sendable {
        /// 0-based, as XGBoost counts.
        public var iteration: Int
        public var trainLoss: Double
        public var validationLoss: Double
        /// Accuracy or R² on the validation split.
        public var validationMetric: Double
    }

    /// "teacher".
    public var role: String
    /// "income/member-0"
    public var name: String
    /// "gbdt"
    public var kind: String
    public var inputs: Int
    /// Inputs whose zeros are missing to the booster (one-hot inputs).
    public var zeroIsMissingInputs: Int
    public var task: ModelMeaning.Task
    /// The boosting settings (objective, max_depth, learning_rate, rounds at most, early_stopping,
    /// subsample, colsample, min_child_weight, lambda, seed, tree_method, threads).
    public var settings: BoostingSettings
    /// The XGBoost that grew the trees.
    public var xgboost: String
    /// Rounds boosted; the booster holds them all.
    public var rounds: Int
    /// 0-based round of the lowest validation loss: rounds 0…bestIteration predict.
    public var bestIteration: Int
    /// Trees, nodes and leaves of rounds 0…bestIteration.
    public var trees: TreeCounts
    /// Size of the stored booster (UBJSON, every round).
    public var boosterBytes: Int
    public var history: [Round]
    /// From raw CSV columns to inputs and from outputs to labels.
    public var preprocessing: Preprocessing?

    public init(_ file: GBDTMemberFile) {
        role = file.role
        name = file.name
        kind = GBDTMemberFile.kind
        inputs = file.blueprint.inputs
        zeroIsMissingInputs = file.zeroIsMissing.filter { $0 }.count
        let t = file.blueprint.task
        task = ModelMeaning.Task(name: t.name, kind: t.kind.rawValue, outputs: t.outputs)
        settings = file.blueprint.boosting
        xgboost = file.blueprint.xgboost
        rounds = file.rounds
        bestIteration = file.bestIteration
        trees = file.trees
        boosterBytes = file.booster.count
        history = file.history.map {
            Round(iteration: $0.iteration, trainLoss: $0.trainLoss, validationLoss: $0.validationLoss, validationMetric: $0.validationMetric)
        }
        preprocessing = file.preprocessing
    }

    /// The round kept, when it is in the history.
    public var best: Round? { history.first { $0.iteration == bestIteration } }

    /// The headline for a folder listing: `gbdt, 870 trees (57,914 nodes), best iteration 869 of 920 rounds`.
    static func headline(trees: Int?, nodes: Int?, bestIteration: Int?, rounds: Int?) -> String {
        var parts = ["gbdt"]
        if let t = trees { parts.append("\(Format.count(t)) trees" + (nodes.map { " (\(Format.count($0)) nodes)" } ?? "")) }
        if let b = bestIteration { parts.append("best iteration \(b)" + (rounds.map { " of \($0) rounds" } ?? "")) }
        return parts.joined(separator: ", ")
    }

    /// At most this many rounds are listed in the text view (the JSON has them all).
    static let shownRounds = 10

    /// Evenly spread rounds plus the first, the best and the last.
    func shownIndices() -> [Int] {
        let count = history.count
        if count <= Self.shownRounds { return Array(0..<count) }
        var chosen = Set((0..<(Self.shownRounds - 2)).map { $0 * (count - 1) / (Self.shownRounds - 3) })
        chosen.insert(count - 1)
        if let best = history.firstIndex(where: { $0.iteration == bestIteration }) { chosen.insert(best) }
        return chosen.sorted()
    }

    var metricName: String { task.kind == "regression" ? "R²" : "accuracy" }
    var lossName: String { task.kind == "regression" ? "MSE" : "log loss" }

    // MARK: - Text

    func sections(style: TextStyle) -> [[String]] {
        let s = settings
        var overview = TextTable([.left, .left])
        overview.add("member", "\(role) \(name)")
        overview.add("kind", "gbdt: gradient-boosted trees (XGBoost \(xgboost), \(s.treeMethod), \(s.threads) thread\(s.threads == 1 ? "" : "s")), "
                     + "\(inputs) inputs → \(task.name), seed \(s.seed)")
        overview.add("task \(task.name)", "\(task.kind), \(task.outputs) output\(task.outputs == 1 ? "" : "s"); objective \(s.objective.rawValue)"
                     + Self.logitNote(s.objective))
        overview.add("parameters", "max_depth \(s.maxDepth), learning_rate \(Format.compact(s.learningRate)), rounds ≤ \(s.rounds), "
                     + "early_stopping \(s.earlyStopping), subsample \(Format.compact(s.subsample)), colsample \(Format.compact(s.colsample)), "
                     + "min_child_weight \(Format.compact(s.minChildWeight)), lambda \(Format.compact(s.lambda))")
        if zeroIsMissingInputs > 0 {
            overview.add("inputs", "\(zeroIsMissingInputs) of \(inputs) one-hot: their zeros are missing to the booster (NaN always is)")
        }
        var out = [overview.render(indent: 2)]

        var size = [style.heading("trees") + "  \(Format.count(trees.trees)) trees of \(Format.count(trees.nodes)) nodes "
                    + "(\(Format.count(trees.leaves)) leaves) in rounds 0…\(bestIteration) (\(bestIteration + 1) of \(rounds) rounds kept), the ones that predict"]
        size.append("  booster \(Format.bytes(boosterBytes)) (UBJSON, all \(rounds) rounds boosted)")
        out.append(size)
        if let p = preprocessing { out.append(ModelMeaning.preprocessingLines(p, style: style)) }
        out.append(curveLines(style: style))
        return out
    }

    static func logitNote(_ objective: BoostingObjective) -> String {
        switch objective {
        case .binaryLogistic: return " (one margin m; logits [0, m])"
        case .multiSoftprob: return " (one margin per class: the logits)"
        case .squaredError: return " (the margin is the standardised prediction)"
        }
    }

    private func curveLines(style: TextStyle) -> [String] {
        guard !history.isEmpty else { return [style.heading("boosting") + "  no rounds recorded"] }
        var head = style.heading("boosting") + "  \(history.count) round\(history.count == 1 ? "" : "s"), best iteration \(bestIteration)"
        if let b = best { head += " (validation \(lossName) \(Format.fixed(b.validationLoss, 4)), \(metricName) \(Format.metric(b.validationMetric)))" }
        let after = history.count - 1 - bestIteration
        if history.count < settings.rounds { head += "; stopped \(after) round\(after == 1 ? "" : "s") after it" }
        var lines = [head]
        let losses = history.map(\.validationLoss).filter(\.isFinite)
        let range = losses.min().map { " " + style.dim("\(Format.fixed($0, 4)) … \(Format.fixed(losses.max()!, 4))") } ?? ""
        lines.append("  validation \(lossName)  " + style.cyan(sparkline(history.map(\.validationLoss))) + range)
        var table = TextTable([.left, .right, .right, .right, .right])
        table.add([TextTable.Cell(""), TextTable.Cell("round", paint: style.dim), TextTable.Cell("train loss", paint: style.dim),
                   TextTable.Cell("val loss", paint: style.dim), TextTable.Cell("val \(metricName)", paint: style.dim)])
        let indices = shownIndices()
        for i in indices {
            let r = history[i]
            let isBest = r.iteration == bestIteration
            let paint: ((String) -> String)? = isBest ? style.green : nil
            table.add([TextTable.Cell(isBest ? "best" : "", paint: style.green), TextTable.Cell(String(r.iteration), paint: paint),
                       TextTable.Cell(Format.fixed(r.trainLoss, 4), paint: paint), TextTable.Cell(Format.fixed(r.validationLoss, 4), paint: paint),
                       TextTable.Cell(Format.metric(r.validationMetric), paint: paint)])
        }
        lines += table.render(indent: 2)
        if indices.count < history.count {
            lines.append("  " + style.dim("\(indices.count) of \(history.count) rounds shown (evenly spread, with the best and the last); --json has all"))
        }
        return lines
    }
}
