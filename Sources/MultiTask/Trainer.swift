import Metrics
import NN
import Tensor

/// Trains a multi-task network on hard labels and (optionally) soft targets.
///
/// Per task t and batch: `L_t = (1-α)·CE(y, p) + α·T²·KL(q_T ‖ p_T)` when the task has soft
/// targets, `L_t = CE(y, p)` otherwise (MSE for regression, with the teachers' mean prediction
/// as the soft target and no T² factor); the batch loss is `Σ_t w_t·L_t` plus the network's
/// penalty. Missing labels drop out of their task's hard loss only. After every epoch the
/// validation score is measured and the best epoch's weights are kept; at the end the network
/// holds them.
public final class Trainer {
    public let network: MultiTaskNetwork
    public let settings: TrainerSettings
    private let optimizer: Optimizer
    private var shuffleRNG: RNG
    private var state: TrainerState?

    public init(network: MultiTaskNetwork, settings: TrainerSettings) {
        precondition(settings.taskWeights.count == network.tasks.count, "one task weight per task")
        self.network = network
        self.settings = settings
        switch settings.optimizer {
        case .adam: optimizer = Adam(learningRate: settings.learningRate, weightDecay: settings.weightDecay)
        case .sgd: optimizer = SGD(learningRate: settings.learningRate, momentum: settings.momentum, weightDecay: settings.weightDecay)
        }
        shuffleRNG = RNG(seed: settings.seed)
    }

    /// Continues from a saved state (weights, optimizer, random generators, history).
    public func restore(_ saved: TrainerState) throws {
        try Self.load(saved.parameters, into: network.parameters)
        try optimizer.restore(OptimizerState(step: saved.optimizerStep, slots: saved.optimizerSlots), parameters: network.parameters)
        shuffleRNG = RNG(state: saved.shuffleRNG)
        network.random.rng = RNG(state: saved.dropoutRNG)
        state = saved
    }

    /// Copies named values into parameters (every parameter must be present with its size).
    public static func load(_ values: [String: [Float]], into parameters: [Parameter]) throws {
        for p in parameters {
            guard let v = values[p.name] else { throw TrainerError.missingParameter(p.name) }
            guard v.count == p.count else { throw TrainerError.parameterSize(p.name, expected: p.count, got: v.count) }
            p.value.storage = v
        }
    }

    public static func snapshot(_ parameters: [Parameter]) -> [String: [Float]] {
        Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0.value.storage) })
    }

    /// Trains for the remaining epochs.
    ///
    /// - Parameter onEpoch: called after every epoch with its record and the state to
    ///   checkpoint (built on demand); throwing stops training.
    /// - Returns: the history; the network then holds the best epoch's weights.
    public func fit(train: LabelledSet, validation: LabelledSet,
                    onEpoch: (EpochRecord, () -> TrainerState) throws -> Void = { _, _ in }) throws -> TrainingHistory {
        let tasks = network.tasks
        precondition(train.targets.count == tasks.count && validation.targets.count == tasks.count)
        let parameters = network.parameters
        var history = state?.history ?? []
        var best = state?.bestParameters ?? Self.snapshot(parameters)
        var bestEpoch = state?.bestEpoch ?? 0
        var bestScore = state?.bestScore ?? -Double.infinity
        let firstEpoch = (state?.epoch ?? 0) + 1
        let clock = ContinuousClock()
        let started = clock.now

        var xb = Matrix.empty
        var grads = tasks.map { _ in Matrix.empty }
        var softBatch = tasks.map { _ in Matrix.empty }
        var scratch = Matrix.empty
        var classBatch = [Int32](), valueBatch = [Float]()
        let T = settings.temperature, alpha = settings.alpha

        if firstEpoch <= settings.epochs {
        for epoch in firstEpoch...settings.epochs {
            let epochStart = clock.now
            let order = shuffleRNG.permutation(train.count)
            var lossSum = 0.0
            var taskLossSums = [Double](repeating: 0, count: tasks.count)
            var batches = 0
            var start = 0
            while start < order.count {
                let end = min(start + settings.batchSize, order.count)
                let idx = order[start..<end]
                start = end
                train.x.gatherRows(idx, into: &xb)
                parameters.zeroGrads()
                let outputs = network.forward(xb, training: true)
                var batchLoss = 0.0
                for t in tasks.indices {
                    let out = outputs[t]
                    grads[t].resize(rows: out.rows, cols: out.cols)
                    grads[t].fill(0)
                    let w = settings.taskWeights[t]
                    let target = train.targets[t]
                    let hasSoft = target.soft != nil
                    let hardScale = hasSoft ? w * (1 - alpha) : w
                    var taskLoss = 0.0
                    switch target.labels {
                    case .classes(let labels):
                        classBatch.removeAll(keepingCapacity: true)
                        for i in idx { classBatch.append(labels[i]) }
                        if hardScale > 0 {
                            let v = Loss.crossEntropy(logits: out, labels: classBatch[...], scale: hardScale, grad: &grads[t], scratch: &scratch)
                            taskLoss += Double(hasSoft ? 1 - alpha : 1) * v.mean
                        }
                        if let soft = target.soft, alpha > 0 {
                            soft.gatherRows(idx, into: &softBatch[t])
                            let v = Loss.softCrossEntropy(logits: out, targets: softBatch[t], temperature: T,
                                                          scale: w * alpha * T * T, grad: &grads[t], scratch: &scratch)
                            taskLoss += Double(alpha * T * T) * v.mean
                        }
                    case .values(let values):
                        valueBatch.removeAll(keepingCapacity: true)
                        for i in idx { valueBatch.append(values[i]) }
                        if hardScale > 0 {
                            let v = Loss.meanSquaredError(predictions: out, targets: valueBatch[...], scale: hardScale, grad: &grads[t])
                            taskLoss += Double(hasSoft ? 1 - alpha : 1) * v.mean
                        }
                        if let soft = target.soft, alpha > 0 {
                            soft.gatherRows(idx, into: &softBatch[t])
                            let v = Loss.meanSquaredError(predictions: out, targets: softBatch[t].storage[...],
                                                          scale: w * alpha, grad: &grads[t])
                            taskLoss += Double(alpha) * v.mean
                        }
                    }
                    taskLossSums[t] += taskLoss
                    batchLoss += Double(w) * taskLoss
                }
                network.backward(grads)
                batchLoss += network.addPenalty()
                optimizer.step(parameters)
                lossSum += batchLoss
                batches += 1
            }
            let metrics = Self.validationMetrics(network: network, on: validation)
            let available = metrics.filter { !$0.isNaN }
            let trainLoss = lossSum / Double(max(batches, 1))
            let score = available.isEmpty ? -trainLoss : available.reduce(0, +) / Double(available.count)
            if score > bestScore {
                bestScore = score
                bestEpoch = epoch
                best = Self.snapshot(parameters)
            }
            let seconds = Self.seconds(clock.now - epochStart)
            let record = EpochRecord(epoch: epoch, trainLoss: trainLoss,
                                     taskLosses: taskLossSums.map { $0 / Double(max(batches, 1)) },
                                     validationMetrics: metrics, validationScore: score, seconds: seconds,
                                     examplesPerSecond: Double(train.count) / max(seconds, 1e-9))
            history.append(record)
            let snapshotBest = best, snapshotBestEpoch = bestEpoch, snapshotBestScore = bestScore, h = history
            try onEpoch(record) {
                let o = self.optimizer.state
                return TrainerState(epoch: epoch, parameters: Self.snapshot(parameters), bestParameters: snapshotBest,
                                    bestEpoch: snapshotBestEpoch, bestScore: snapshotBestScore, optimizerStep: o.step,
                                    optimizerSlots: o.slots, shuffleRNG: self.shuffleRNG.state,
                                    dropoutRNG: self.network.random.rng.state, history: h)
            }
        }
        }
        try Self.load(best, into: parameters)
        return TrainingHistory(epochs: history, bestEpoch: bestEpoch, seconds: Self.seconds(clock.now - started))
    }

    /// Per task: accuracy (classification) or R² (regression) of `network` on `set`; NaN when unavailable.
    public static func validationMetrics(network: MultiTaskNetwork, on set: LabelledSet) -> [Double] {
        guard set.count > 0 else { return network.tasks.map { _ in .nan } }
        let outputs = network.predict(set.x)
        return network.tasks.indices.map { t in
            switch set.targets[t].labels {
            case .classes(let labels):
                let predicted = Metrics.argmax(probabilities: outputs[t].storage, classCount: outputs[t].cols)
                return Metrics.accuracy(predicted: predicted, labels: labels) ?? .nan
            case .values(let values):
                return Metrics.r2(predicted: outputs[t].storage.map(Double.init), targets: values.map(Double.init)) ?? .nan
            }
        }
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}

public enum TrainerError: Error, CustomStringConvertible {
    case missingParameter(String)
    case parameterSize(String, expected: Int, got: Int)

    public var description: String {
        switch self {
        case .missingParameter(let n): return "no values for parameter '\(n)'"
        case .parameterSize(let n, let e, let g): return "parameter '\(n)' has \(g) values, expected \(e)"
        }
    }
}
