#if canImport(Glibc)
import Glibc
#endif
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
///
/// Data-parallel (`group` of N > 1 ranks), every rank runs this same trainer on the same data
/// and computes its share of each batch; the ranks combine the shares so that all take the
/// same steps (see `step`), agree on stopping in the same collective, and check at the end
/// that they hold the same weights.
public final class Trainer {
    public let network: MultiTaskNetwork
    public let settings: TrainerSettings
    /// Learned log-variances s_t, (1, T), with `.uncertainty` weighting.
    public let logVariance: Parameter?
    private let optimizer: Optimizer
    private var shuffleRNG: RNG
    private var state: TrainerState?
    /// The ranks training this network together (nil: this process alone).
    public let group: DataParallelGroup?
    /// The ranks' exchange of every step, each updating its share of the values (with `group`;
    /// made by `fit`, where every rank is: making it is a collective).
    private var exchange: ShardedExchange?

    /// - Parameter group: data-parallel ranks; every rank builds the same network and trainer
    ///   (same seeds and data) and calls `fit` at the same time.
    public init(network: MultiTaskNetwork, settings: TrainerSettings, group: DataParallelGroup? = nil) {
        precondition(settings.taskWeights.count == network.tasks.count, "one task weight per task")
        self.network = network
        self.settings = settings
        self.group = group.flatMap { $0.size > 1 ? $0 : nil }
        switch settings.optimizer {
        case .adam: optimizer = Adam(learningRate: settings.learningRate, weightDecay: settings.weightDecay)
        case .sgd: optimizer = SGD(learningRate: settings.learningRate, momentum: settings.momentum, weightDecay: settings.weightDecay)
        }
        shuffleRNG = RNG(seed: settings.seed)
        if settings.weighting == .uncertainty {
            let p = Parameter(name: "task_log_variance", value: Matrix(rows: 1, cols: network.tasks.count))
            p.decays = false
            logVariance = p
        } else {
            logVariance = nil
        }
    }

    /// Everything the optimizer updates: the network's parameters and the learned task weights.
    public var trainables: [Parameter] { network.parameters + (logVariance.map { [$0] } ?? []) }

    /// Continues from a saved state (weights, optimizer, random generators, history).
    public func restore(_ saved: TrainerState) throws {
        try Self.load(saved.parameters, into: trainables)
        try optimizer.restore(OptimizerState(step: saved.optimizerStep, slots: saved.optimizerSlots), parameters: trainables)
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

    /// Reused buffers of one training step.
    private struct StepBuffers {
        var x = Matrix.empty
        var grads: [Matrix]
        var soft: [Matrix]
        var scratch = Matrix.empty
        var classes = [Int32]()
        var values = [Float]()
        init(tasks: Int) { grads = Array(repeating: .empty, count: tasks); soft = Array(repeating: .empty, count: tasks) }
    }

    /// Trains for the remaining epochs.
    ///
    /// - Parameter onEpoch: called after every epoch with its record and the state to
    ///   checkpoint (built on demand); throwing stops training.
    /// - Returns: the history; the network then holds the best epoch's weights.
    /// - Parameter shouldStop: asked before every batch; true stops training with
    ///   `TrainerError.interrupted` (the last epoch's checkpoint is where a later run resumes).
    /// - Throws: `TrainerError.diverged` at the first non-finite batch loss (before that batch's
    ///   update) or non-finite parameter after an epoch: non-finite weights are never selected.
    public func fit(train: RowBlocks, validation: RowBlocks, shouldStop: () -> Bool = { false },
                    onEpoch: (EpochRecord, () -> TrainerState) throws -> Void = { _, _ in }) throws -> TrainingHistory {
        let tasks = network.tasks
        let parameters = trainables
        var history = state?.history ?? []
        var best = state?.bestParameters ?? Self.snapshot(parameters)
        var bestEpoch = state?.bestEpoch ?? 0
        var bestScore = state?.bestScore ?? -Double.infinity
        let firstEpoch = (state?.epoch ?? 0) + 1
        let clock = ContinuousClock()
        let started = clock.now
        var buffers = StepBuffers(tasks: tasks.count)
        // A source of one block is read once, not every epoch.
        let single: LabelledSet? = train.blockCount == 1 ? try train.block(0) : nil
        if let group, exchange == nil {
            // Room for every task's two loss terms and the stop flag.
            let made = ShardedExchange(group: group, parameters: parameters, doubles: 2 * tasks.count + 1)
            exchange = made
            // Ranks that start from different weights (another seed, another checkpoint) would
            // train on different gradients: refused before the first step, alike on every rank.
            try Self.checkRanksAgree(parameters, exchange: made)
        }

        if firstEpoch <= settings.epochs {
        for epoch in firstEpoch...settings.epochs {
            let epochStart = clock.now
            optimizer.learningRate = settings.learningRate * Float(settings.learningRateSchedule.factor(epoch: epoch, epochs: settings.epochs))
            let alpha = settings.alphaSchedule.alpha(base: settings.alpha, epoch: epoch, epochs: settings.epochs)
            var lossSum = 0.0
            var taskLossSums = [Double](repeating: 0, count: tasks.count)
            var batches = 0
            var examples = 0
            // Blocks in random order; within a block, batches as `settings.batching` says.
            let blockOrder = shuffleRNG.permutation(train.blockCount)
            for b in blockOrder {
                let block = try single ?? train.block(b)
                precondition(block.targets.count == tasks.count, "one target per task")
                for (rows, only) in epochBatches(taskRows: Self.taskRows(block), count: block.count) {
                    // Data-parallel, the ranks agree on stopping inside the step's collective.
                    let stop = shouldStop()
                    if stop && group == nil { throw TrainerError.interrupted(epoch: epoch) }
                    guard let (loss, perTask) = step(rows: rows, onlyTask: only, train: block, alpha: alpha, buffers: &buffers,
                                                     parameters: parameters, stop: stop) else {
                        throw TrainerError.interrupted(epoch: epoch)
                    }
                    guard loss.isFinite else {
                        throw TrainerError.diverged(epoch: epoch, batch: batches + 1, quantity: "the training loss", value: loss,
                                                    learningRate: settings.learningRate)
                    }
                    lossSum += loss
                    for t in tasks.indices { taskLossSums[t] += perTask[t] }
                    batches += 1
                    examples += rows.count
                }
            }
            if let exchange {
                // Each rank updated only its share of the optimizer's slots: the whole, on every
                // rank, for the checkpoint.
                var o = optimizer.state
                if o.step > 0 {
                    exchange.shareOwned(slots: &o.slots, of: parameters)
                    try optimizer.restore(o, parameters: parameters)
                }
            }
            if let bad = parameters.first(where: { !$0.value.storage.allSatisfy(\.isFinite) }) {
                let value = bad.value.storage.first { !$0.isFinite }!
                throw TrainerError.diverged(epoch: epoch, batch: batches, quantity: "parameter \(bad.name)", value: Double(value),
                                            learningRate: settings.learningRate)
            }
            let (metrics, validationLoss) = try Self.validate(network: network, on: validation, group: group, alpha: settings.alpha,
                                                              temperature: settings.temperature)
            let available = metrics.filter { !$0.isNaN }
            let trainLoss = lossSum / Double(max(batches, 1))
            let score = available.isEmpty ? -trainLoss : available.reduce(0, +) / Double(available.count)
            // The selection criterion, higher is better; ties keep the later epoch (a plateau
            // reached early does not pin the network to its first epochs).
            let criterion: Double
            switch settings.selectBy {
            case .loss: criterion = validationLoss.isNaN ? -trainLoss : -validationLoss
            case .metric: criterion = score
            }
            if criterion >= bestScore {
                bestScore = criterion
                bestEpoch = epoch
                best = Self.snapshot(parameters)
            }
            let seconds = (clock.now - epochStart).seconds
            let record = EpochRecord(epoch: epoch, trainLoss: trainLoss,
                                     taskLosses: taskLossSums.map { $0 / Double(max(batches, 1)) },
                                     validationMetrics: metrics, validationScore: score, validationLoss: validationLoss, seconds: seconds,
                                     examplesPerSecond: Double(examples) / max(seconds, 1e-9))
            history.append(record)
            let snapshotBest = best, snapshotBestEpoch = bestEpoch, snapshotBestScore = bestScore, h = history
            try onEpoch(record) {
                let o = self.optimizer.state
                return TrainerState(epoch: epoch, parameters: Self.snapshot(parameters), bestParameters: snapshotBest,
                                    bestEpoch: snapshotBestEpoch, bestScore: snapshotBestScore, optimizerStep: o.step,
                                    optimizerSlots: o.slots, shuffleRNG: self.shuffleRNG.state,
                                    dropoutRNG: self.network.random.rng.state, history: h)
            }
            if let patience = settings.patience, epoch - bestEpoch >= patience { break }  // early stopping
        }
        }
        try Self.load(best, into: parameters)
        if let exchange { try Self.checkRanksAgree(parameters, exchange: exchange) }
        return TrainingHistory(epochs: history, bestEpoch: bestEpoch, seconds: (clock.now - started).seconds)
    }

    /// Data-parallel: every rank compares a hash of its weights with the others' (one
    /// collective); ranks that disagree fail alike, loudly. Checked before training (ranks that
    /// built different networks) and after it (an exchange that went wrong).
    static func checkRanksAgree(_ parameters: [Parameter], exchange: ShardedExchange) throws {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for p in parameters {
            for v in p.value.storage { h = (h ^ UInt64(v.bitPattern)) &* 0x100_0000_01b3 }
        }
        let hashes = exchange.gather(h)
        if let r = hashes.firstIndex(where: { $0 != hashes[0] }) { throw TrainerError.ranksDisagree(rank: r) }
    }

    /// Rows each task can learn from (a label, or a soft target), for per-task batching.
    static func taskRows(_ set: LabelledSet) -> [[Int]] {
        set.targets.map { target in
            if target.soft != nil { return Array(0..<set.count) }
            switch target.labels {
            case .classes(let c): return c.indices.filter { c[$0] >= 0 }
            case .values(let v): return v.indices.filter { !v[$0].isNaN }
            }
        }
    }

    /// The batches of one block: row indices, and the one task they are for (per-task batching).
    private func epochBatches(taskRows: [[Int]], count: Int) -> [(ArraySlice<Int>, Int?)] {
        let b = settings.batchSize
        switch settings.batching {
        case .mixed:
            let order = shuffleRNG.permutation(count)
            return stride(from: 0, to: order.count, by: b).map { (order[$0..<min($0 + b, order.count)], nil) }
        case .perTask(let temperature):
            let sizes = taskRows.map(\.count)
            let weights = sizes.map { $0 == 0 ? 0 : pow(Double($0), 1 / temperature) }
            let total = weights.reduce(0, +)
            guard total > 0 else { return [] }
            var orders = taskRows.map { rows -> [Int] in var r = rows; shuffleRNG.shuffle(&r); return r }
            var positions = [Int](repeating: 0, count: taskRows.count)
            let steps = sizes.reduce(0) { $0 + ($1 + b - 1) / b }
            var out: [(ArraySlice<Int>, Int?)] = []
            for _ in 0..<steps {
                var u = shuffleRNG.uniformDouble() * total
                var t = 0
                while t < weights.count - 1 && (weights[t] == 0 || u >= weights[t]) { u -= weights[t]; t += 1 }
                if positions[t] >= orders[t].count {   // task exhausted: a new pass over its rows
                    shuffleRNG.shuffle(&orders[t])
                    positions[t] = 0
                }
                let end = min(positions[t] + b, orders[t].count)
                out.append((orders[t][positions[t]..<end], t))
                positions[t] = end
            }
            return out
        }
    }

    /// One term of a task's loss on this rank's rows: its coefficient in the task's loss, the
    /// mean over this rank's rows and their count, and the count over the whole batch.
    private struct Term { var coefficient: Double; var mean: Double; var count: Int; var batchCount: Int }

    /// One optimisation step on the batch `rows`; returns the weighted batch loss and each task's
    /// combined loss, or nil when a rank asked to stop (`stop` on any rank; no update then).
    ///
    /// Data-parallel (`group` of more than one rank), this rank computes rows `dataParallelShare`
    /// of the batch; each loss term's gradient is scaled by (its rows here) / (its rows in the
    /// batch), so the gradients summed over the ranks are those of the whole batch's means. The
    /// ranks sum the gradients and the terms' loss sums in rank order; the learned task weights'
    /// gradients and the network's penalty (functions of the whole batch) are added after that,
    /// the same on every rank. Each rank sums and updates only its share of the values and hands
    /// the updated share to the others (`ShardedExchange`).
    private func step(rows idx: ArraySlice<Int>, onlyTask: Int?, train: LabelledSet, alpha: Float, buffers b: inout StepBuffers,
                      parameters: [Parameter], stop: Bool) -> (Double, [Double])? {
        let tasks = network.tasks
        let T = settings.temperature
        let ranks = group?.size ?? 1
        let share = ranks == 1 ? 0..<idx.count : dataParallelShare(count: idx.count, rank: group!.rank, size: ranks)
        let mine = idx[(idx.startIndex + share.lowerBound)..<(idx.startIndex + share.upperBound)]
        train.features.gatherRows(mine, into: &b.x)
        network.random.share = ranks == 1 ? nil : (offset: share.lowerBound, total: idx.count)
        parameters.zeroGrads()
        let outputs = network.forward(b.x, training: true)
        var terms = [[Term]](repeating: [], count: tasks.count)
        var logVariances = [Double?](repeating: nil, count: tasks.count)
        /// A term's gradient scale on this rank: `scale` of the batch mean, times this rank's share of its rows.
        func shareScale(_ scale: Float, mine: Int, batch: Int) -> Float {
            ranks == 1 || batch == 0 ? scale : scale * Float(mine) / Float(batch)
        }
        for t in tasks.indices {
            let out = outputs[t]
            b.grads[t].resize(rows: out.rows, cols: out.cols)
            b.grads[t].fill(0)
            if let only = onlyTask, only != t { continue }
            // Uncertainty weighting scales the task's gradient by 1 / (2·exp(s_t)).
            let s = logVariance.map { Double($0.value.storage[t]) }
            logVariances[t] = s
            let w = settings.taskWeights[t] * (s.map { Float(0.5 * exp(-$0)) } ?? 1)
            let target = train.targets[t]
            let hasSoft = target.soft != nil && alpha > 0
            let hardScale = hasSoft ? w * (1 - alpha) : w
            switch target.labels {
            case .classes(let labels):
                b.classes.removeAll(keepingCapacity: true)
                for i in mine { b.classes.append(labels[i]) }
                if hardScale > 0 {
                    let here = b.classes.lazy.filter { $0 >= 0 }.count
                    let batch = ranks == 1 ? here : idx.lazy.filter { labels[$0] >= 0 }.count
                    let v = Loss.crossEntropy(logits: out, labels: b.classes[...], scale: shareScale(hardScale, mine: here, batch: batch),
                                              grad: &b.grads[t], scratch: &b.scratch)
                    terms[t].append(Term(coefficient: Double(hasSoft ? 1 - alpha : 1), mean: v.mean, count: v.count, batchCount: batch))
                }
                if hasSoft, let soft = target.soft {
                    soft.gatherRows(mine, into: &b.soft[t])
                    let v = Loss.softCrossEntropy(logits: out, targets: b.soft[t], temperature: T,
                                                  scale: shareScale(w * alpha * T * T, mine: mine.count, batch: idx.count),
                                                  grad: &b.grads[t], scratch: &b.scratch)
                    terms[t].append(Term(coefficient: Double(alpha * T * T), mean: v.mean, count: v.count, batchCount: idx.count))
                }
            case .values(let values):
                b.values.removeAll(keepingCapacity: true)
                for i in mine { b.values.append(values[i]) }
                if hardScale > 0 {
                    let here = b.values.lazy.filter { !$0.isNaN }.count
                    let batch = ranks == 1 ? here : idx.lazy.filter { !values[$0].isNaN }.count
                    let v = Loss.meanSquaredError(predictions: out, targets: b.values[...], scale: shareScale(hardScale, mine: here, batch: batch),
                                                  grad: &b.grads[t])
                    terms[t].append(Term(coefficient: Double(hasSoft ? 1 - alpha : 1), mean: v.mean, count: v.count, batchCount: batch))
                }
                if hasSoft, let soft = target.soft {
                    soft.gatherRows(mine, into: &b.soft[t])
                    let here = b.soft[t].storage.lazy.filter { !$0.isNaN }.count
                    let batch = ranks == 1 ? here : idx.lazy.filter { !soft.storage[$0].isNaN }.count
                    let v = Loss.meanSquaredError(predictions: out, targets: b.soft[t].storage[...], scale: shareScale(w * alpha, mine: here, batch: batch),
                                                  grad: &b.grads[t])
                    terms[t].append(Term(coefficient: Double(alpha), mean: v.mean, count: v.count, batchCount: batch))
                }
            }
        }
        network.backward(b.grads)
        network.random.share = nil
        // Per task and term: the loss as the whole batch's mean.
        var termLosses: [[Double]] = terms.map { $0.map { $0.mean } }
        if let exchange {
            // The gradients on this rank's share of the values, every term's loss sum, and the stop flags.
            var doubles: [Double] = terms.flatMap { $0.map { (term: Term) -> Double in term.mean * Double(term.count) } }
            doubles.append(stop ? 1 : 0)
            exchange.reduceOwned(parameters, &doubles)
            if doubles.last! > 0 { return nil }
            var k = 0
            for t in terms.indices {
                for j in terms[t].indices {
                    termLosses[t][j] = terms[t][j].batchCount > 0 ? doubles[k] / Double(terms[t][j].batchCount) : 0
                    k += 1
                }
            }
        } else if stop {
            return nil
        }
        var batchLoss = 0.0
        var perTask = [Double](repeating: 0, count: tasks.count)
        for t in tasks.indices where !terms[t].isEmpty {
            var taskLoss = 0.0
            for (term, loss) in zip(terms[t], termLosses[t]) { taskLoss += term.coefficient * loss }
            perTask[t] = taskLoss
            let fixed = Double(settings.taskWeights[t])
            if let s = logVariances[t], let p = logVariance {
                guard terms[t].contains(where: { $0.batchCount > 0 }) else { continue }
                // d/ds [L·exp(-s)/2 + s/2] = -L·exp(-s)/2 + 1/2
                batchLoss += fixed * (taskLoss * 0.5 * exp(-s) + 0.5 * s)
                p.grad.storage[t] += Float(fixed * (0.5 - 0.5 * exp(-s) * taskLoss))
            } else {
                batchLoss += fixed * taskLoss
            }
        }
        batchLoss += network.addPenalty()
        guard batchLoss.isFinite else { return (batchLoss, perTask) }  // the caller stops: no update from a non-finite loss
        if let exchange {
            // Each rank updates its share, then hands it to the others.
            optimizer.step(parameters, ranges: exchange.owned)
            exchange.shareOwned(parameters)
        } else {
            optimizer.step(parameters)
        }
        return (batchLoss, perTask)
    }

    /// Per task: accuracy (classification) or R² (regression) of `network` on `set`; NaN when unavailable.
    public static func validationMetrics(network: MultiTaskNetwork, on set: RowBlocks) throws -> [Double] {
        try validate(network: network, on: set).metrics
    }

    /// The network's outputs for every row of `x`, each rank computing its share of the rows
    /// (`dataParallelShare`) and gathering the others' (one collective; every rank calls it).
    static func sharedPredictions(_ network: MultiTaskNetwork, _ x: FeatureRows, group: DataParallelGroup) -> [Matrix] {
        let n = x.rows, size = group.size
        let share = dataParallelShare(count: n, rank: group.rank, size: size)
        let widths = network.tasks.map(\.outputs), width = widths.reduce(0, +)
        let slotRows = (n + size - 1) / size  // the longest share
        var all = [Float](repeating: 0, count: slotRows * width * size)
        let mine = share.isEmpty ? widths.map { Matrix(rows: 0, cols: $0) } : network.predict(x.rows(share))
        var at = group.rank * slotRows * width
        for out in mine { all.replaceSubrange(at..<(at + out.count), with: out.storage); at += out.count }
        all.withUnsafeMutableBytes { group.allGather($0) }
        var outputs = widths.map { Matrix(rows: n, cols: $0) }
        for r in 0..<size {
            let rows = dataParallelShare(count: n, rank: r, size: size)
            at = r * slotRows * width
            for t in outputs.indices {
                let c = widths[t]
                outputs[t].storage.replaceSubrange((rows.lowerBound * c)..<(rows.upperBound * c), with: all[at..<(at + rows.count * c)])
                at += rows.count * c
            }
        }
        return outputs
    }

    /// Per task accuracy or R² (NaN when unavailable), and the mean over tasks of the validation
    /// loss: the training objective on the validation rows. Per task the hard-label loss
    /// (cross-entropy of the logits, MSE of standardised values) over labelled rows; where the
    /// set carries the teachers' targets and α > 0, `(1-α)·hard + α·T²·KL(q_T ‖ p_T)` (regression:
    /// `(1-α)·MSE + α·MSE to the teachers' mean`), the soft term over every row. NaN when no task has rows.
    ///
    /// - Parameter group: data-parallel ranks (every rank calls this at once): each computes the
    ///   outputs of its share of every block's rows and the ranks gather them, so that each runs
    ///   1/N of the forward passes and all compute the same figures from the same outputs.
    public static func validate(network: MultiTaskNetwork, on set: RowBlocks, group: DataParallelGroup? = nil, alpha: Float = 0,
                                temperature: Float = 1) throws -> (metrics: [Double], loss: Double) {
        guard set.count > 0 else { return (network.tasks.map { _ in .nan }, .nan) }
        let tasks = network.tasks
        var predicted = tasks.map { _ in [Int32]() }, classLabels = tasks.map { _ in [Int32]() }
        var values = tasks.map { _ in [Double]() }, valueTargets = tasks.map { _ in [Double]() }
        var lossSums = [Double](repeating: 0, count: tasks.count), lossRows = [Int](repeating: 0, count: tasks.count)
        var softSums = [Double](repeating: 0, count: tasks.count), softRows = [Int](repeating: 0, count: tasks.count)
        let T = Double(temperature)
        for b in 0..<set.blockCount {
            let block = try set.block(b)
            let outputs = group.map { sharedPredictions(network, block.features, group: $0) } ?? network.predict(block.x)
            for t in tasks.indices {
                let out = outputs[t]
                switch block.targets[t].labels {
                case .classes(let labels):
                    predicted[t] += Metrics.argmax(probabilities: out.storage, classCount: out.cols)
                    classLabels[t] += labels
                    out.storage.withUnsafeBufferPointer { z in
                        for (r, y) in labels.enumerated() where y >= 0 {
                            let row = z[(r * out.cols)..<((r + 1) * out.cols)]
                            let m = row.max()!
                            let lse = Double(m) + log(row.reduce(0.0) { $0 + exp(Double($1 - m)) })
                            lossSums[t] += lse - Double(row[row.startIndex + Int(y)])
                            lossRows[t] += 1
                        }
                    }
                case .values(let v):
                    values[t] += out.storage.map(Double.init)
                    valueTargets[t] += v.map(Double.init)
                    for (r, y) in v.enumerated() where !y.isNaN {
                        let d = Double(out.storage[r]) - Double(y)
                        lossSums[t] += d * d
                        lossRows[t] += 1
                    }
                }
                guard alpha > 0, let q = block.targets[t].soft else { continue }
                for r in 0..<out.rows {
                    if tasks[t].kind == .regression {
                        let d = Double(out.storage[r]) - Double(q.storage[r])
                        softSums[t] += d * d
                    } else {
                        // KL(q ‖ softmax(z / T)) = Σ q (log q − log p_T)
                        let c = out.cols
                        let z = (0..<c).map { Double(out.storage[r * c + $0]) / T }
                        let m = z.max()!
                        let lse = m + log(z.reduce(0.0) { $0 + exp($1 - m) })
                        for k in 0..<c where q.storage[r * c + k] > 0 {
                            let qk = Double(q.storage[r * c + k])
                            softSums[t] += qk * (log(qk) - (z[k] - lse))
                        }
                    }
                    softRows[t] += 1
                }
            }
        }
        let metrics = tasks.indices.map { t in
            tasks[t].kind == .classification
                ? Metrics.accuracy(predicted: predicted[t], labels: classLabels[t]) ?? .nan
                : Metrics.r2(predicted: values[t], targets: valueTargets[t]) ?? .nan
        }
        let a = Double(alpha)
        let losses = tasks.indices.filter { lossRows[$0] > 0 || softRows[$0] > 0 }.map { t -> Double in
            let hard = lossRows[t] > 0 ? lossSums[t] / Double(lossRows[t]) : 0
            guard softRows[t] > 0 else { return hard }
            let soft = softSums[t] / Double(softRows[t]) * (tasks[t].kind == .regression ? 1 : T * T)
            return (1 - a) * hard + a * soft
        }
        return (metrics, losses.isEmpty ? .nan : losses.reduce(0, +) / Double(losses.count))
    }
}

public enum TrainerError: Error, CustomStringConvertible, Equatable {
    case missingParameter(String)
    case parameterSize(String, expected: Int, got: Int)
    /// Training produced a non-finite number (`quantity` says which) in `epoch` (1-based) after `batch` batches.
    case diverged(epoch: Int, batch: Int, quantity: String, value: Double, learningRate: Float)
    /// `shouldStop` asked to stop during `epoch` (1-based), which did not complete.
    case interrupted(epoch: Int)
    /// Data-parallel ranks hold different weights (`rank` differs from rank 0).
    case ranksDisagree(rank: Int)

    public var description: String {
        switch self {
        case .missingParameter(let n): return "no values for parameter '\(n)'"
        case .parameterSize(let n, let e, let g): return "parameter '\(n)' has \(g) values, expected \(e)"
        case .diverged(let epoch, let batch, let quantity, let value, let lr):
            return "diverged in epoch \(epoch), batch \(batch): \(quantity) is \(value.isNaN ? "NaN" : "\(value)"); no weights were saved. "
                + "Lower the learning_rate (now \(lr), e.g. \(lr / 10)) and run again"
        case .interrupted(let epoch): return "interrupted in epoch \(epoch)"
        case .ranksDisagree(let rank): return "rank \(rank) holds weights that differ from rank 0's (every rank must build the same network from the same seed and checkpoint)"
        }
    }
}

extension Duration {
    /// The duration in seconds.
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
