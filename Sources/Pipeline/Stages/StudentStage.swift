import Artifacts
import Foundation
import MultiTask
import Tensor

/// `student:<variant>`: one multi-task network trained on hard labels and, for tasks with a
/// teacher (unless `distill: none`), the ensemble's soft targets, trained once per replicate.
/// Writes `students/<variant>/replicate-<k>.h5`.
public struct StudentStage {
    public let context: StageContext
    public let student: StudentSpec
    /// The stage's fingerprint without the replicate count: each replicate's file and checkpoint
    /// store it with the replicate's index, so adding replicates keeps the existing ones.
    public let fingerprint: String
    public let force: Bool
    /// Whether an existing output file is the one the lock recorded (see `CheckpointedTraining`).
    public let isTrusted: (String) -> Bool
    /// The ranks the replicates train with when this process is not one of them: the Slurm driver
    /// deciding which replicates are current for units that train over `student_ranks` MPI ranks.
    public var plannedRanks = 1
    public init(context: StageContext, student: StudentSpec, fingerprint: String, force: Bool = false,
                isTrusted: @escaping (String) -> Bool = { _ in true }) {
        self.context = context; self.student = student; self.fingerprint = fingerprint; self.force = force
        self.isTrusted = isTrusted
    }

    /// The processes that train each replicate: this process's MPI ranks, or the planned count.
    var ranks: Int { context.ranks?.size ?? plannedRanks }

    /// The network a student spec describes.
    static func blueprint(_ s: StudentSpec, inputs: Int, tasks: [TaskHead]) -> NetworkBlueprint {
        let architecture: String
        switch s.architecture {
        case .hardSharing: architecture = HardSharingNetwork.architecture
        case .crossStitch: architecture = CrossStitchNetwork.architecture
        case .softSharing: architecture = SoftSharingNetwork.architecture
        }
        return NetworkBlueprint(architecture: architecture, inputs: inputs, hidden: s.hidden, dropout: s.dropout, tasks: tasks,
                                alphaSame: s.alphaSame, perUnit: s.perUnit,
                                stitchLearningRateScale: s.stitchLearningRateScale, lambda: s.lambda)
    }

    /// Fixed weights from the file, times 1/n_t normalised to mean 1 for `inverse-size`.
    static func taskWeights(_ s: StudentSpec, tasks: [TaskInfo], train: SplitBlocks) -> [Float] {
        let fixed = tasks.map { s.taskWeights[$0.name] ?? 1 }
        guard s.taskWeighting == .inverseSize else { return fixed.map(Float.init) }
        let inverse = train.targets.map { 1 / Double(max($0.labelledCount, 1)) }
        let mean = inverse.reduce(0, +) / Double(inverse.count)
        return zip(fixed, inverse).map { Float($0 * $1 / mean) }
    }

    /// What every replicate of the student learns from: rows, targets and the network's shape.
    struct Inputs {
        var train: RowBlocks
        var validation: SplitBlocks
        var names: [String]
        var blueprint: NetworkBlueprint
        var taskWeights: [Float]
        var temperature: Double
        var combine: EnsembleCombine
        var preprocessing: Preprocessing
    }

    /// Trains the student's replicates, `jobs` at a time.
    public func run(dataset: PreparedDataset, jobs: Int = 1) throws {
        let inputs = try self.inputs(dataset: dataset)
        let (combine, temperature, names) = (inputs.combine.rawValue, inputs.temperature, inputs.names)
        let weights = zip(names, inputs.taskWeights).map { "\($0) \(Format.fixed(Double($1), 2))" }.joined(separator: ", ")
        context.console.info("  \(student.architecture.rawValue), \(student.distill == .soft ? "distilling (α \(student.alphaSchedule == .linear ? "1 → 0" : "\(student.alpha)"), T \(temperature), \(combine))" : "hard labels only"), task weights \(student.taskWeighting.rawValue): \(weights); \(student.batching.rawValue) batches; \(student.replicates) replicate\(student.replicates == 1 ? "" : "s")")
        if let ranks = context.ranks {
            context.console.info("  data-parallel over \(ranks.size) MPI ranks: each computes 1/\(ranks.size) of every batch")
        }
        // Replicates are independent units: each has its own seed, checkpoint and file. Data-parallel
        // ranks train one network at a time together.
        try WorkerPool.run(count: student.replicates, jobs: context.ranks == nil ? jobs : 1) { k in
            try trainReplicate(k, inputs: inputs)
        }
    }

    /// Trains (or reuses) replicate `k` alone: the body of the unit `students/<variant>/replicate-<k>`.
    func runReplicate(_ k: Int, dataset: PreparedDataset) throws {
        try trainReplicate(k, inputs: try inputs(dataset: dataset))
    }

    /// The fingerprint of replicate `k`, stored in its checkpoint and file. Data-parallel results
    /// differ from one rank's in the last bits: the number of ranks is part of what a replicate's
    /// file and checkpoint are (never resumed across rank counts).
    func replicateFingerprint(_ k: Int) -> String {
        let ranks = self.ranks > 1 ? "\nranks \(self.ranks)" : ""
        return Fingerprint.of(text: "\(fingerprint)\nreplicate \(k)\nseed \(Seeds.student(context.spec, replicate: k))\(ranks)")
    }

    /// Whether replicate `k`'s file is what a run would write now: a run reuses it without training.
    func isCurrent(replicate k: Int) -> Bool {
        let path = context.layout.student(student.name, replicate: k)
        guard !force, isTrusted(path) else { return false }
        return (try? ModelFile.fingerprint(at: path)) == .some(replicateFingerprint(k))
    }

    /// The rows, targets and network shape of this student (reads the dataset, soft targets, transfer rows).
    func inputs(dataset: PreparedDataset) throws -> Inputs {
        let spec = context.spec
        let all = Array(dataset.tasks.indices)
        let temperature = student.temperature ?? spec.softTargets.temperature
        let combine = EnsembleCombine(rawValue: (student.combine ?? spec.softTargets.combine).rawValue)!
        let train = try dataset.blocks("train", tasks: all, path: context.layout.dataset)
        let val = try dataset.blocks("val", tasks: all, path: context.layout.dataset)
        /// The teachers' targets for this student from the members' outputs (logits, or predictions
        /// in label units): combined at its T, standardised for regression as the network learns them.
        func targets(_ members: [Matrix], _ info: TaskInfo) -> Matrix {
            info.standardised(info.kind == .classification
                ? Ensemble.probabilities(memberLogits: members, combine: combine, temperature: Float(temperature))
                : Ensemble.meanPrediction(members))
        }
        if student.distill == .soft && !spec.teachers.isEmpty {
            // Targets at this student's temperature and combination, rebuilt from the members'
            // stored outputs, on the training split (to learn) and the validation split (to
            // measure the student's own objective for model selection).
            // Read with each block of rows: neither the members' outputs nor the targets are ever in memory whole.
            let path = context.layout.softTargets
            for (t, info) in dataset.tasks.enumerated() {
                guard let soft = try SoftTargetsFile.TargetsReader(path: path, task: info.name, validation: false, combine: { targets($0, info) }) else { continue }
                let valSoft = try SoftTargetsFile.TargetsReader(path: path, task: info.name, validation: true, combine: { targets($0, info) })
                guard soft.rows == train.count, let valSoft, valSoft.rows == val.count else {
                    throw ArtifactError(path: path, "/\(info.name) does not match the training and validation splits; re-run soft-targets")
                }
                train.softSources[t] = soft
                val.softSources[t] = valSoft
            }
        }
        // Transfer rows: no labels, the teachers' targets at this student's T and combination.
        var learnFrom: RowBlocks = train
        if student.transfer, student.distill == .soft, spec.transfer != nil {
            let outputs = try TransferFile.readOutputs(from: context.layout.transfer)
            let rows = try SplitRows(path: context.layout.transfer, split: "transfer")
            let transferTargets = dataset.tasks.map { info -> TaskTargets in
                let missing: TaskTargets.Labels = info.kind == .classification
                    ? .classes([Int32](repeating: -1, count: rows.rows)) : .values([Float](repeating: .nan, count: rows.rows))
                guard let t = outputs.first(where: { $0.name == info.name }) else { return TaskTargets(labels: missing) }
                return TaskTargets(labels: missing, soft: targets(t.members, info))
            }
            learnFrom = ConcatenatedBlocks([train, SplitBlocks(source: rows, selection: nil, targets: transferTargets)])
            context.console.info("  learning the teachers' targets on \(rows.rows) transfer rows too")
        }
        if let steps = student.training.steps {
            let t = student.training
            context.console.info("  budget \(steps) steps: \(t.epochs(rows: learnFrom.count)) epochs of \(t.batchesPerEpoch(rows: learnFrom.count)) batches")
        }
        let names = dataset.tasks.map(\.name)
        let blueprint = Self.blueprint(student, inputs: dataset.features.count, tasks: dataset.tasks.map(\.head))
        let taskWeights = Self.taskWeights(student, tasks: dataset.tasks, train: train)
        let preprocessing = Preprocessing(spec: spec, dataset: dataset, taskIndices: all)
        return Inputs(train: learnFrom, validation: val, names: names, blueprint: blueprint, taskWeights: taskWeights,
                      temperature: temperature, combine: combine, preprocessing: preprocessing)
    }

    /// Trains (or reuses) replicate `k`: the seed shared by replicate k of every student.
    func trainReplicate(_ k: Int, inputs: Inputs) throws {
        let (net, settings, seed) = try network(replicate: k, inputs: inputs)
        let names = inputs.names
        let name = ArtifactLayout.replicateName(student.name, k)
        let finalPath = context.layout.student(student.name, replicate: k)
        var training = CheckpointedTraining(
            context: context, role: "student", name: name, seed: seed,
            fingerprint: replicateFingerprint(k),
            checkpointPath: context.layout.studentCheckpoint(student.name, replicate: k), finalPath: finalPath,
            force: force, finishedIsTrusted: isTrusted(finalPath), preprocessing: inputs.preprocessing)
        if let group = context.ranks {
            training.group = group
            training.beforeFit = { resume in RankCommand.train(student: student.name, replicate: k, resume: resume).send(group) }
        }
        let started = ContinuousClock.now
        let outcome = try training.run(network: net, settings: settings, train: inputs.train, validation: inputs.validation) { record in
            let metrics = zip(names, record.validationMetrics).map { "\($0) \(Format.fixed($1, 3))" }.joined(separator: " ")
            context.console.progress("  \(name)  epoch \(record.epoch)/\(settings.epochs)  loss \(Format.fixed(record.trainLoss))  val loss \(Format.fixed(record.validationLoss))  \(metrics)  \(Format.count(record.examplesPerSecond)) ex/s",
                                     epoch: record.epoch, epochs: settings.epochs, started: started)
        }
        // The epoch's score: the mean over tasks of accuracy or R² (not the ship line's primary metric).
        let kinds = Set(net.tasks.map(\.kind))
        let score = kinds == [.classification] ? "mean val accuracy" : kinds == [.regression] ? "mean val R²" : "mean val accuracy/R²"
        training.announce(outcome, label: name, parameters: net.parameterCount, epochs: settings.epochs) {
            "val loss \(Format.fixed($0.validationLoss)), \(score) \(Format.fixed($0.validationScore))"
        }
    }

    /// Replicate `k`'s network (initialised from its seed) and trainer settings.
    func network(replicate k: Int, inputs: Inputs) throws -> (MultiTaskNetwork, TrainerSettings, UInt64) {
        let seed = Seeds.student(context.spec, replicate: k)
        let net = try NetworkFactory.make(inputs.blueprint, seed: seed)
        var settings = student.training.trainerSettings(alpha: student.alpha, temperature: inputs.temperature,
                                                        taskWeights: inputs.taskWeights, seed: seed, rows: inputs.train.count)
        settings.alphaSchedule = student.alphaSchedule == .linear ? .linear : .constant
        settings.weighting = student.taskWeighting == .uncertainty ? .uncertainty : .fixed
        settings.batching = student.batching == .perTask ? .perTask(temperature: student.samplingTemperature) : .mixed
        return (net, settings, seed)
    }

    /// A rank other than 0: trains replicate `k` with rank 0 (which decided whether it resumes
    /// from its checkpoint), taking the same steps, and writes nothing. A stop or divergence is
    /// agreed by every rank in the same step; rank 0 reports it.
    func follow(replicate k: Int, resume: Bool, dataset: PreparedDataset) throws {
        guard let group = context.ranks else { preconditionFailure("follow without ranks") }
        let inputs = try self.inputs(dataset: dataset)
        let (net, settings, _) = try network(replicate: k, inputs: inputs)
        let trainer = Trainer(network: net, settings: settings, group: group)
        if resume {
            let (_, state) = try CheckpointFile.read(from: context.layout.studentCheckpoint(student.name, replicate: k))
            try trainer.restore(state)
        }
        do {
            _ = try trainer.fit(train: inputs.train, validation: inputs.validation, shouldStop: { Interruption.requested })
        } catch is TrainerError {
            // Interrupted or diverged: every rank saw it at the same step.
        }
    }
}
