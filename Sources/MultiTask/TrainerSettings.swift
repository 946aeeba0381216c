/// How a network is trained: optimisation, and how hard and soft losses combine.
public struct TrainerSettings: Equatable, Sendable {
    public enum OptimizerKind: String, Equatable, Sendable { case adam, sgd }
    /// How the task losses' weights are set.
    public enum Weighting: Equatable, Sendable {
        /// `taskWeights` as given.
        case fixed
        /// Learned log-variances s_t (Kendall et al. 2018): Σ w_t·(L_t / (2·exp(s_t)) + s_t / 2).
        case uncertainty
    }
    /// How batches are drawn.
    public enum Batching: Equatable, Sendable {
        /// From all rows; each task's loss over its labelled rows in the batch.
        case mixed
        /// One task per batch, drawn ∝ n_t^(1/τ), from that task's labelled (or soft-targeted) rows.
        case perTask(temperature: Double)
    }
    public var epochs: Int
    public var batchSize: Int
    public var learningRate: Float
    public var optimizer: OptimizerKind
    public var momentum: Float
    public var weightDecay: Float
    /// Weight of the soft loss: L_t = (1-α)·hard + α·T²·soft (regression: α·MSE to the teachers' mean).
    public var alpha: Float
    /// Distillation temperature T.
    public var temperature: Float
    /// Loss weight per task, in task order.
    public var taskWeights: [Float]
    /// Fixes shuffling order; the network's own seed fixes initialisation and dropout.
    public var seed: UInt64
    public var weighting: Weighting
    public var batching: Batching
    /// Which validation number picks the epoch whose weights are kept.
    public var selectBy: Selection
    /// Stop after this many epochs without a better validation number (nil: run every epoch).
    public var patience: Int?
    /// The learning rate per epoch: `learningRate` times the schedule's factor.
    public var learningRateSchedule: LearningRateSchedule = .constant
    /// α per epoch (the validation objective always uses `alpha` itself, so epochs compare alike).
    public var alphaSchedule: AlphaSchedule = .constant

    /// The model-selection criterion (ties keep the later epoch).
    public enum Selection: String, Equatable, Sendable, CaseIterable {
        /// Mean over tasks of the hard-label loss (cross-entropy; MSE of standardised values): lower is better.
        case loss
        /// Mean over tasks of accuracy (classification) or R² (regression): higher is better.
        case metric
    }

    public init(epochs: Int, batchSize: Int, learningRate: Float, optimizer: OptimizerKind = .adam,
                momentum: Float = 0.9, weightDecay: Float = 0, alpha: Float = 0.5, temperature: Float = 1,
                taskWeights: [Float], seed: UInt64, weighting: Weighting = .fixed, batching: Batching = .mixed,
                selectBy: Selection = .loss, patience: Int? = nil) {
        self.epochs = epochs; self.batchSize = batchSize; self.learningRate = learningRate
        self.optimizer = optimizer; self.momentum = momentum; self.weightDecay = weightDecay
        self.alpha = alpha; self.temperature = temperature; self.taskWeights = taskWeights; self.seed = seed
        self.weighting = weighting; self.batching = batching; self.selectBy = selectBy; self.patience = patience
    }
}

/// What one epoch of training gave.
public struct EpochRecord: Equatable, Sendable, Codable {
    /// 1-based.
    public var epoch: Int
    /// Mean weighted training loss over the epoch's batches.
    public var trainLoss: Double
    /// Per task, mean combined loss over the epoch's batches (unweighted).
    public var taskLosses: [Double]
    /// Per task: accuracy (classification) or R² (regression) on the validation split; NaN if the split has no labels for it.
    public var validationMetrics: [Double]
    /// Mean of the available validation metrics (higher is better).
    public var validationScore: Double
    /// Mean over tasks of the hard-label validation loss (lower is better); NaN when unknown.
    public var validationLoss: Double
    public var seconds: Double
    public var examplesPerSecond: Double

    public init(epoch: Int, trainLoss: Double, taskLosses: [Double], validationMetrics: [Double],
                validationScore: Double, validationLoss: Double = .nan, seconds: Double, examplesPerSecond: Double) {
        self.epoch = epoch; self.trainLoss = trainLoss; self.taskLosses = taskLosses
        self.validationMetrics = validationMetrics; self.validationScore = validationScore
        self.validationLoss = validationLoss
        self.seconds = seconds; self.examplesPerSecond = examplesPerSecond
    }
}

/// Everything needed to continue training exactly where it stopped.
public struct TrainerState: Sendable {
    /// Epochs completed.
    public var epoch: Int
    public var parameters: [String: [Float]]
    /// Parameters of the best epoch so far.
    public var bestParameters: [String: [Float]]
    public var bestEpoch: Int
    public var bestScore: Double
    public var optimizerStep: Int
    public var optimizerSlots: [String: [Float]]
    public var shuffleRNG: [UInt64]
    public var dropoutRNG: [UInt64]
    public var history: [EpochRecord]

    public init(epoch: Int, parameters: [String: [Float]], bestParameters: [String: [Float]], bestEpoch: Int,
                bestScore: Double, optimizerStep: Int, optimizerSlots: [String: [Float]], shuffleRNG: [UInt64],
                dropoutRNG: [UInt64], history: [EpochRecord]) {
        self.epoch = epoch; self.parameters = parameters; self.bestParameters = bestParameters
        self.bestEpoch = bestEpoch; self.bestScore = bestScore; self.optimizerStep = optimizerStep
        self.optimizerSlots = optimizerSlots; self.shuffleRNG = shuffleRNG; self.dropoutRNG = dropoutRNG
        self.history = history
    }
}

/// The outcome of training: per-epoch records and the epoch whose weights were kept.
public struct TrainingHistory: Equatable, Sendable, Codable {
    public var epochs: [EpochRecord]
    /// 1-based epoch with the best validation score (its weights are the network's now).
    public var bestEpoch: Int
    public var seconds: Double
    public init(epochs: [EpochRecord], bestEpoch: Int, seconds: Double) {
        self.epochs = epochs; self.bestEpoch = bestEpoch; self.seconds = seconds
    }
}
