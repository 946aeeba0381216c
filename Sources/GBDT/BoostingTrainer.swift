import Foundation
import Tensor

/// One boosting round's numbers.
public struct BoostingRound: Equatable, Sendable {
    /// 0-based, as XGBoost counts (`[0] train-logloss:…`).
    public var iteration: Int
    /// Hard-label loss on the training rows (or the sample of them given for it) after this
    /// round: log loss (classification) or MSE of standardised values (regression).
    public var trainLoss: Double
    /// The same on the validation rows; early stopping watches it.
    public var validationLoss: Double
    /// Accuracy (classification) or R² (regression) on the validation rows.
    public var validationMetric: Double

    public init(iteration: Int, trainLoss: Double, validationLoss: Double, validationMetric: Double) {
        self.iteration = iteration; self.trainLoss = trainLoss; self.validationLoss = validationLoss
        self.validationMetric = validationMetric
    }
}

/// A trained booster with its history and the round kept.
public struct BoostingResult {
    public var booster: Booster
    public var history: [BoostingRound]
    /// 0-based iteration of the lowest validation loss; predictions use rounds 0...bestIteration.
    public var bestIteration: Int
    public var seconds: Double
}

public enum BoostingError: Error, LocalizedError, Equatable {
    /// Stopped on request (SIGINT / SIGTERM) before `iteration` finished.
    case interrupted(iteration: Int)
    /// The validation loss was not a number.
    case notFinite(iteration: Int, value: Double)

    public var errorDescription: String? {
        switch self {
        case .interrupted(let i): return "interrupted in boosting round \(i)"
        case .notFinite(let i, let v): return "has a validation loss of \(v) after boosting round \(i)"
        }
    }
}

/// Boosting with early stopping on a validation split, as Python's `xgboost.train(…,
/// early_stopping_rounds=E)` does it: after every round the validation loss XGBoost reports
/// (`lossMetric`) is compared with the best so far; a strictly lower one becomes the best
/// iteration; E rounds in a row without one stop training. The booster keeps every round
/// boosted, with XGBoost's own `best_iteration` and `best_score` attributes (so Python's
/// scikit-learn wrapper predicts with the same trees); predict with rounds 0...bestIteration.
public enum BoostingTrainer {
    /// - Parameters:
    ///   - train, validation: rows with labels (class indices, or standardised values).
    ///   - trainLossRows: the rows whose loss is the history's training loss (default `train`):
    ///     a sample of the training rows costs less to evaluate after every round (XGBoost
    ///     evaluates a set in time proportional to its rows; the full census training split
    ///     adds a fifth to a round).
    ///   - shouldStop: checked before every round; true ends with `BoostingError.interrupted`.
    ///   - progress: called after every round.
    public static func fit(_ settings: BoostingSettings, train: DMatrix, validation: DMatrix, trainLossRows: DMatrix? = nil,
                           shouldStop: () -> Bool = { false },
                           progress: (BoostingRound) -> Void = { _ in }) throws -> BoostingResult {
        let trainLoss = trainLossRows ?? train
        precondition(train.labels != nil && validation.labels != nil && trainLoss.labels != nil, "boosting needs labelled rows")
        let clock = ContinuousClock()
        let start = clock.now
        let booster = try Booster(cache: trainLossRows.map { [train, validation, $0] } ?? [train, validation])
        try booster.set(settings.parameters)
        let objective = settings.objective
        // R² = 1 − MSE / Var(y) on the validation rows (standardised units).
        let labels = validation.labels!.map(Double.init)
        let mean = labels.reduce(0, +) / Double(max(labels.count, 1))
        let variance = labels.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(labels.count, 1))

        var history: [BoostingRound] = []
        var best = 0, bestScore = Double.infinity, sinceBest = 0
        for iteration in 0..<settings.rounds {
            if shouldStop() { throw BoostingError.interrupted(iteration: iteration) }
            try booster.update(round: iteration, train: train)
            let values = try booster.evaluate(round: iteration, [("train", trainLoss), ("val", validation)])
            func value(_ key: String) throws -> Double {
                guard let v = values[key] else {
                    throw XGBoostError(operation: "evaluate round \(iteration)", message: "no \(key) in XGBoost's evaluation")
                }
                return v
            }
            let score = try value("val-\(objective.lossMetric)")
            guard score.isFinite else { throw BoostingError.notFinite(iteration: iteration, value: score) }
            let round: BoostingRound
            if objective == .squaredError {
                let trainRMSE = try value("train-rmse")
                round = BoostingRound(iteration: iteration, trainLoss: trainRMSE * trainRMSE, validationLoss: score * score,
                                      validationMetric: variance > 0 ? 1 - score * score / variance : .nan)
            } else {
                round = BoostingRound(iteration: iteration, trainLoss: try value("train-\(objective.lossMetric)"), validationLoss: score,
                                      validationMetric: 1 - (try value("val-\(objective.errorMetric!)")))
            }
            history.append(round)
            progress(round)
            // Python's EarlyStopping: the first round is the first best; then only a strictly lower loss.
            if iteration == 0 || score < bestScore {
                best = iteration; bestScore = score; sinceBest = 0
            } else {
                sinceBest += 1
                if sinceBest >= settings.earlyStopping { break }
            }
        }
        try booster.setAttribute("best_iteration", String(best))
        try booster.setAttribute("best_score", "\(bestScore)")
        return BoostingResult(booster: booster, history: history, bestIteration: best, seconds: (clock.now - start).seconds)
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
