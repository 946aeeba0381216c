/// What a booster learns: XGBoost's objective for the task, and how its margins become a
/// teacher's outputs (logits, or a standardised value).
public enum BoostingObjective: String, Codable, Equatable, Sendable {
    /// Two classes: one margin m = logit of class 1; the logits are [0, m].
    case binaryLogistic = "binary:logistic"
    /// More classes: one margin per class, which are the logits.
    case multiSoftprob = "multi:softprob"
    /// Regression on standardised labels: the margin is the prediction.
    case squaredError = "reg:squarederror"

    /// The objective for a task with `outputs` outputs (classes; 1 for regression).
    public static func forTask(classification: Bool, outputs: Int) -> BoostingObjective {
        !classification ? .squaredError : outputs == 2 ? .binaryLogistic : .multiSoftprob
    }

    /// The eval metric early stopping watches on the validation split (XGBoost's default for
    /// the objective): log loss, multi-class log loss, or RMSE.
    public var lossMetric: String {
        switch self {
        case .binaryLogistic: return "logloss"
        case .multiSoftprob: return "mlogloss"
        case .squaredError: return "rmse"
        }
    }

    /// The error rate that gives the validation accuracy (classification only).
    public var errorMetric: String? {
        switch self {
        case .binaryLogistic: return "error"
        case .multiSoftprob: return "merror"
        case .squaredError: return nil
        }
    }
}

/// Everything that determines one booster besides its data. Stored in the member file
/// (`blueprint`), so a file says how its trees were grown.
public struct BoostingSettings: Codable, Equatable, Sendable {
    public var objective: BoostingObjective
    /// Classes (classification) or 1 (regression): the width of the outputs.
    public var outputs: Int
    public var maxDepth: Int
    /// Shrinkage of every tree (XGBoost's `eta`).
    public var learningRate: Double
    /// Boosting rounds at most.
    public var rounds: Int
    /// Stop after this many rounds without a lower validation loss; the best round is kept.
    public var earlyStopping: Int
    /// Fraction of the training rows each tree sees.
    public var subsample: Double
    /// Fraction of the inputs each tree sees (XGBoost's `colsample_bytree`).
    public var colsample: Double
    /// Least hessian sum in a leaf.
    public var minChildWeight: Double
    /// L2 penalty on leaf weights.
    public var lambda: Double
    /// XGBoost's `seed`: with one thread, the same seed and data give the same trees.
    public var seed: UInt64
    /// XGBoost's `tree_method`.
    public var treeMethod: String
    /// XGBoost's `nthread`: 1, so that `--jobs N` boosts N members at once.
    public var threads: Int

    public init(objective: BoostingObjective, outputs: Int, maxDepth: Int = 6, learningRate: Double = 0.05, rounds: Int = 1000,
                earlyStopping: Int = 50, subsample: Double = 0.8, colsample: Double = 0.8, minChildWeight: Double = 1,
                lambda: Double = 1, seed: UInt64 = 0, treeMethod: String = "hist", threads: Int = 1) {
        self.objective = objective; self.outputs = outputs; self.maxDepth = maxDepth; self.learningRate = learningRate
        self.rounds = rounds; self.earlyStopping = earlyStopping; self.subsample = subsample; self.colsample = colsample
        self.minChildWeight = minChildWeight; self.lambda = lambda; self.seed = seed; self.treeMethod = treeMethod
        self.threads = threads
    }

    enum CodingKeys: String, CodingKey {
        case objective, outputs, rounds, subsample, colsample, lambda, seed, threads
        case maxDepth = "max_depth", learningRate = "learning_rate", earlyStopping = "early_stopping"
        case minChildWeight = "min_child_weight", treeMethod = "tree_method"
    }

    /// XGBoost's parameters, in the order they are set: the eval metrics last, the loss after
    /// the error rate (as Python's `xgboost.train` watches the last metric for early stopping).
    public var parameters: [(String, String)] {
        var p: [(String, String)] = [
            ("objective", objective.rawValue),
            ("tree_method", treeMethod),
            ("max_depth", String(maxDepth)),
            ("eta", Self.number(learningRate)),
            ("subsample", Self.number(subsample)),
            ("colsample_bytree", Self.number(colsample)),
            ("min_child_weight", Self.number(minChildWeight)),
            ("lambda", Self.number(lambda)),
            ("seed", String(seed)),
            ("nthread", String(threads)),
        ]
        if objective == .multiSoftprob { p.append(("num_class", String(outputs))) }
        if let error = objective.errorMetric { p.append(("eval_metric", error)) }
        p.append(("eval_metric", objective.lossMetric))
        return p
    }

    /// The shortest text that reads back as the same Double (as Python's `str` writes it).
    static func number(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : "\(x)"
    }
}
