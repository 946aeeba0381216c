import Artifacts
import Foundation
import GBDT
import MultiTask
import Tensor

/// Boosts one GBDT teacher member as a unit: a finished file with the same fingerprint is
/// reused, otherwise the member is boosted from its first round and written atomically.
/// There is no checkpoint inside boosting (a member takes seconds): a killed run boosts the
/// member again, and XGBoost with one thread and the same seed gives the same bytes.
struct BoostedTraining {
    let context: StageContext
    /// "income/member-0"
    let name: String
    let fingerprint: String
    let finalPath: String
    /// A training checkpoint a network member may have left at this member's place (before
    /// the teacher became kind gbdt); removed once the member is boosted.
    let checkpointPath: String
    let force: Bool
    /// Whether a finished file at `finalPath` may be reused when its fingerprint matches.
    let finishedIsTrusted: Bool
    /// Stored in the finished file, so that it predicts on its own.
    var preprocessing: Preprocessing? = nil

    enum Outcome { case trained(BoostingResult, TreeCounts, rows: Int), reused }

    /// - Parameters:
    ///   - train, validation: the task's labelled rows (regression labels standardised).
    ///   - zeroIsMissing: per input, whether its zeros are missing to the booster (one-hot inputs).
    func run(blueprint: GBDTBlueprint, zeroIsMissing: [Bool], train: SplitBlocks, validation: SplitBlocks,
             progress: @escaping (BoostingRound) -> Void) throws -> Outcome {
        if !force, finishedIsTrusted, try existingFingerprint() == fingerprint { return .reused }
        let (trainRows, trainSample) = try Self.matrices(train, zeroIsMissing: zeroIsMissing, sample: Self.trainLossRows)
        let (validationRows, _) = try Self.matrices(validation, zeroIsMissing: zeroIsMissing, sample: nil)
        let result: BoostingResult
        do {
            result = try BoostingTrainer.fit(blueprint.boosting, train: trainRows, validation: validationRows, trainLossRows: trainSample,
                                             shouldStop: { Interruption.requested }, progress: progress)
        } catch let e as BoostingError {
            if case .interrupted = e { throw e }  // the runner says what the next run does
            throw NetworkFailure(network: "teacher \(name)", reason: e.errorDescription ?? "\(e)")
        } catch let e as XGBoostError {
            throw NetworkFailure(network: "teacher \(name)", reason: e.errorDescription ?? "\(e)")
        }
        var file = try GBDTMemberFile(role: "teacher", name: name, blueprint: blueprint, zeroIsMissing: zeroIsMissing,
                                      result: result, fingerprint: fingerprint)
        file.preprocessing = preprocessing
        try file.write(to: finalPath)
        if FileManager.default.fileExists(atPath: checkpointPath) { try FileManager.default.removeItem(atPath: checkpointPath) }
        return .trained(result, file.trees, rows: trainRows.rows)
    }

    /// The training loss of every round is taken on at most this many training rows: every
    /// k-th labelled training row when there are more (all of them up to this).
    static let trainLossRows = 20_000

    /// The rows of `blocks` with their (single task's) labels, as XGBoost takes them, read
    /// block by block so the dense rows are never all in memory at once; and, when `sample`
    /// is given and there are more rows, every k-th of them, at most `sample` (else nil).
    static func matrices(_ blocks: SplitBlocks, zeroIsMissing: [Bool], sample: Int?) throws -> (DMatrix, DMatrix?) {
        var input = BoosterInput(zeroIsMissing: zeroIsMissing)
        for b in 0..<blocks.blockCount { input.append(try blocks.block(b).x) }
        let labels: [Float]
        switch blocks.targets[0].labels {
        case .classes(let c): labels = c.map(Float.init)
        case .values(let v): labels = v
        }
        guard let sample, input.rows > sample else { return (try DMatrix(input, labels: labels), nil) }
        let step = (input.rows + sample - 1) / sample
        let sampled = try DMatrix(input.strided(step), labels: Array(stride(from: 0, to: labels.count, by: step).map { labels[$0] }))
        return (try DMatrix(input, labels: labels), sampled)
    }

    /// Says on the console what `run` did and records a boosted member's timings.
    func announce(_ outcome: Outcome, rounds: Int, metricName: String) {
        switch outcome {
        case .reused:
            context.console.info("  \(name): unchanged, reusing \(context.layout.relative(finalPath))")
        case .trained(let result, let trees, let rows):
            let ran = result.history.count
            let stopped = ran < rounds ? " (stopped early after \(ran) of \(rounds) rounds)" : ""
            let kept = result.history[result.bestIteration]
            let rate = Double(rows) * Double(ran) / max(result.seconds, 1e-9)
            context.console.info("  \(name): best iteration \(result.bestIteration)\(stopped), val \(metricName) \(Format.fixed(kept.validationMetric)), "
                                 + "val loss \(Format.fixed(kept.validationLoss)), \(trees.trees) trees of \(trees.nodes) nodes, "
                                 + "\(Format.seconds(result.seconds)), \(Format.count(rate)) ex/s")
            context.timings.record(network: name, seconds: result.seconds, examplesPerSecond: rate)
        }
    }

    /// The fingerprint stored in the finished file; nil when absent or unreadable (retrained).
    func existingFingerprint() throws -> String? {
        do { return try ModelFile.fingerprint(at: finalPath) } catch {
            context.console.info("  note: ignoring unreadable \(context.layout.relative(finalPath)): \(CheckpointedTraining.describe(error))")
            return nil
        }
    }
}

extension TeachersStage {
    /// Boosts member `member` of a GBDT teacher on the task's labelled training rows, with
    /// early stopping on its labelled validation rows.
    func boostMember(_ teacher: TeacherSpec, member: Int, dataset: PreparedDataset) throws {
        let t = dataset.taskIndex(teacher.task)!
        let info = dataset.tasks[t]
        let train = try dataset.blocks("train", tasks: [t], path: context.layout.dataset, labelledOnly: true)
        let val = try dataset.blocks("val", tasks: [t], path: context.layout.dataset, labelledOnly: true)
        let seed = Seeds.teacher(context.spec, task: teacher.task, member: member)
        let head = info.head
        let b = teacher.boosting
        let settings = BoostingSettings(
            objective: .forTask(classification: head.kind == .classification, outputs: head.outputs), outputs: head.outputs,
            maxDepth: b.maxDepth, learningRate: b.learningRate, rounds: b.rounds, earlyStopping: b.earlyStopping,
            subsample: b.subsample, colsample: b.colsample, minChildWeight: b.minChildWeight, lambda: b.lambda, seed: seed)
        let label = "\(teacher.task)/member-\(member)"
        let metricName = info.kind == .classification ? "acc" : "R²"
        let path = context.layout.teacherMember(task: teacher.task, member: member)
        let training = BoostedTraining(context: context, name: label, fingerprint: memberFingerprint(teacher, member: member),
                                       finalPath: path, checkpointPath: context.layout.teacherCheckpoint(task: teacher.task, member: member),
                                       force: force, finishedIsTrusted: isTrusted(path),
                                       preprocessing: Preprocessing(spec: context.spec, dataset: dataset, taskIndices: [t]))
        let started = ContinuousClock.now
        let outcome = try training.run(blueprint: GBDTBlueprint(inputs: dataset.features.count, task: head, boosting: settings),
                                       zeroIsMissing: dataset.features.map { $0.kind == .categorical },
                                       train: train, validation: val) { round in
            context.console.progress("  \(label)  round \(round.iteration + 1)/\(b.rounds)  loss \(Format.fixed(round.trainLoss))  "
                                     + "val loss \(Format.fixed(round.validationLoss))  val \(metricName) \(Format.fixed(round.validationMetric))",
                                     epoch: round.iteration + 1, epochs: b.rounds, started: started)
        }
        training.announce(outcome, rounds: b.rounds, metricName: metricName)
    }
}
