import Artifacts
import Foundation
import MultiTask

/// Trains one network so that a killed run loses at most one epoch: the trainer's state is
/// checkpointed after every epoch, a matching checkpoint is resumed, and a finished file with
/// the same fingerprint is reused. The resumed result is bit-identical to an uninterrupted one.
struct CheckpointedTraining {
    let context: StageContext
    /// "teacher" or "student".
    let role: String
    /// "species/member-0", "kd", …
    let name: String
    let seed: UInt64
    /// Everything that determines the result; stored in the checkpoint and the final file.
    let fingerprint: String
    let checkpointPath: String
    let finalPath: String
    /// Ignore finished files and checkpoints: train from scratch.
    let force: Bool
    /// Whether a finished file at `finalPath` may be reused when its fingerprint matches
    /// (false when it differs from what the lock recorded, e.g. edited by hand).
    let finishedIsTrusted: Bool
    /// Stored in the finished file, so that it predicts on its own.
    var preprocessing: Preprocessing? = nil
    /// Data-parallel ranks training this network with this process (rank 0), or nil.
    var group: RankGroup? = nil
    /// Called just before training starts, with whether it resumes from the checkpoint (rank 0
    /// tells the other ranks here what to train).
    var beforeFit: ((Bool) -> Void)? = nil

    enum Outcome { case trained(TrainingHistory), reused }

    func run(network: MultiTaskNetwork, settings: TrainerSettings, train: RowBlocks, validation: RowBlocks,
             progress: @escaping (EpochRecord) -> Void) throws -> Outcome {
        let fm = FileManager.default
        if force {
            if fm.fileExists(atPath: checkpointPath) { try fm.removeItem(atPath: checkpointPath) }
        } else if finishedIsTrusted, try existingFingerprint(finalPath) == fingerprint {
            return .reused
        }
        let trainer = Trainer(network: network, settings: settings, group: group)
        var resumed = false
        if !force, fm.fileExists(atPath: checkpointPath) {
            do {
                // Verified (seal, then checksum) before anything of it is used.
                let (model, state) = try CheckpointFile.read(from: checkpointPath)
                if model.fingerprint == fingerprint {  // else: left by other settings, overwritten as training goes
                    try trainer.restore(state)
                    resumed = true
                    context.console.info("  \(name): resuming from its checkpoint at epoch \(state.epoch + 1)/\(settings.epochs)")
                }
            } catch {
                // A damaged checkpoint is never resumed: training starts over, which gives the
                // same bytes as a run that was never interrupted.
                context.console.info("  \(name): \(Self.describe(error)); training from scratch")
                try fm.removeItem(atPath: checkpointPath)
            }
        }
        var template = ModelFile(role: role, name: name, network: network, seed: seed,
                                 history: TrainingHistory(epochs: [], bestEpoch: 0, seconds: 0), fingerprint: fingerprint)
        template.ranks = group.map(\.size)
        let history: TrainingHistory
        beforeFit?(resumed)
        do {
            history = try trainer.fit(train: train, validation: validation, shouldStop: { Interruption.requested }) { record, state in
                progress(record)
                if record.epoch < settings.epochs {
                    try CheckpointFile.write(state(), model: template, to: checkpointPath)
                }
            }
        } catch let e as TrainerError {
            if case .interrupted = e { throw e }  // the runner says where the next run resumes
            throw NetworkFailure(network: "\(role) \(name)", reason: e.description)
        } catch {
            // Not agreed by the ranks (a checkpoint that cannot be written, say): the others
            // would wait for this rank in the next step forever.
            if let group {
                FileHandle.standardError.write(Data("mtkd: \(role) \(name): \(Self.describe(error)); ending every rank\n".utf8))
                group.abort(1)
            }
            throw error
        }
        var model = ModelFile(role: role, name: name, network: network, seed: seed, history: history, fingerprint: fingerprint,
                              taskLogVariance: trainer.logVariance?.value.storage)
        model.preprocessing = preprocessing
        model.ranks = template.ranks
        try model.write(to: finalPath)
        if fm.fileExists(atPath: checkpointPath) { try fm.removeItem(atPath: checkpointPath) }
        return .trained(history)
    }

    /// Says on the console what `run` did (`label` names the network there) and records a
    /// trained network's timings; `best` describes the best epoch's score, e.g. "val acc 0.951".
    /// A best epoch in the first tenth of a schedule of `epochs` gets a warning: the network was
    /// probably kept before it learned (a learning rate too high, or a validation split too small).
    func announce(_ outcome: Outcome, label: String, parameters: Int, epochs: Int, best: (EpochRecord) -> String) {
        switch outcome {
        case .reused:
            context.console.info("  \(label): unchanged, reusing \(context.layout.relative(finalPath))")
        case .trained(let history):
            let rate = history.epochs.last!.examplesPerSecond
            let ran = history.epochs.last!.epoch
            let stopped = ran < epochs ? " (stopped early at epoch \(ran) of \(epochs))" : ""
            context.console.info("  \(label): best epoch \(history.bestEpoch)\(stopped), \(best(history.epochs[history.bestEpoch - 1])), "
                                 + "\(parameters) parameters, \(Format.seconds(history.seconds)), \(Format.count(rate)) ex/s")
            if Self.bestIsSuspiciouslyEarly(bestEpoch: history.bestEpoch, epochs: epochs) {
                context.console.info("  warning: \(label) kept epoch \(history.bestEpoch) of \(epochs), in the first tenth of its schedule: "
                                     + "check its learning_rate and the validation split's size")
            }
            context.timings.record(network: name, seconds: history.seconds, examplesPerSecond: rate)
        }
    }

    static func bestIsSuspiciouslyEarly(bestEpoch: Int, epochs: Int) -> Bool {
        epochs >= 10 && bestEpoch * 10 <= epochs
    }

    /// The fingerprint stored in `path`; nil when absent, and nil (with a note) when the file
    /// cannot be read — an unreadable leftover is retrained, never trusted.
    func existingFingerprint(_ path: String) throws -> String? {
        do { return try ModelFile.fingerprint(at: path) } catch {
            context.console.info("  note: ignoring unreadable \(context.layout.relative(path)): \(Self.describe(error))")
            return nil
        }
    }

    static func describe(_ error: Error) -> String { (error as? LocalizedError)?.errorDescription ?? "\(error)" }
}

/// A network whose training failed (diverged, say): which one, and why.
struct NetworkFailure: Error, LocalizedError {
    var network: String
    var reason: String
    var errorDescription: String? { "\(network) \(reason)" }
}
