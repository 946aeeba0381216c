import Artifacts
import Foundation
import MultiTask
import Tensor

/// `teachers`: for every task with a teacher, an ensemble of K single-task MLPs that differ
/// by seed, each trained on the task's labelled training rows and kept at its best
/// validation epoch. Writes `teachers/<task>/member-<k>.h5`.
public struct TeachersStage {
    public let context: StageContext
    /// Content hash of data/dataset.h5 (part of every member's fingerprint).
    public let datasetHash: String
    public let force: Bool
    /// Whether an existing output file is the one the lock recorded (see `CheckpointedTraining`).
    public let isTrusted: (String) -> Bool
    public init(context: StageContext, datasetHash: String, force: Bool = false, isTrusted: @escaping (String) -> Bool = { _ in true }) {
        self.context = context; self.datasetHash = datasetHash; self.force = force; self.isTrusted = isTrusted
    }

    /// Trains every member, `jobs` at a time.
    public func run(dataset: PreparedDataset, jobs: Int = 1) throws {
        let items = context.spec.teachers.flatMap { t in (0..<t.members).map { (t, $0) } }
        try WorkerPool.run(count: items.count, jobs: jobs) { i in
            try trainMember(items[i].0, member: items[i].1, dataset: dataset)
        }
    }

    /// What determines one member: its task's teacher settings, its seed and the data.
    func memberFingerprint(_ teacher: TeacherSpec, member: Int) -> String {
        var p = Params()
        p.teacher(teacher)
        let settings = p.values.keys.sorted().map { "\($0)=\(p.values[$0]!)" }.joined(separator: "\n")
        return Fingerprint.of(text: "format \(ArtifactFormat.version)\nteacher \(teacher.task) member \(member)\nseed \(Seeds.teacher(context.spec, task: teacher.task, member: member))\ndata \(datasetHash)\n\(settings)")
    }

    func trainMember(_ teacher: TeacherSpec, member: Int, dataset: PreparedDataset) throws {
        let spec = context.spec
        let t = dataset.taskIndex(teacher.task)!
        let train = try dataset.blocks("train", tasks: [t], path: context.layout.dataset, labelledOnly: true)
        let val = try dataset.blocks("val", tasks: [t], path: context.layout.dataset, labelledOnly: true)
        let seed = Seeds.teacher(spec, task: teacher.task, member: member)
        let net = HardSharingNetwork(inputs: dataset.features.count, hidden: teacher.hidden, dropout: Float(teacher.dropout),
                                     tasks: [dataset.tasks[t].head], seed: seed)
        let settings = teacher.training.trainerSettings(taskWeights: [1], seed: seed)
        // Named as in its file and in metrics.json (members count from 0 everywhere).
        let label = "\(teacher.task)/member-\(member)"
        let metricName = dataset.tasks[t].kind == .classification ? "acc" : "R²"
        let training = CheckpointedTraining(
            context: context, role: "teacher", name: "\(teacher.task)/member-\(member)", seed: seed,
            fingerprint: memberFingerprint(teacher, member: member),
            checkpointPath: context.layout.teacherCheckpoint(task: teacher.task, member: member),
            finalPath: context.layout.teacherMember(task: teacher.task, member: member), force: force,
            finishedIsTrusted: isTrusted(context.layout.teacherMember(task: teacher.task, member: member)),
            preprocessing: Preprocessing(spec: spec, dataset: dataset, taskIndices: [t]))
        let started = ContinuousClock.now
        let outcome = try training.run(network: net, settings: settings, train: train, validation: val) { record in
            context.console.progress("  \(label)  epoch \(record.epoch)/\(settings.epochs)  loss \(Format.fixed(record.trainLoss))  val \(metricName) \(Format.fixed(record.validationMetrics[0]))  \(Format.count(record.examplesPerSecond)) ex/s",
                                     epoch: record.epoch, epochs: settings.epochs, started: started)
        }
        training.announce(outcome, label: label, parameters: net.parameterCount, epochs: settings.epochs) {
            "val \(metricName) \(Format.fixed($0.validationMetrics[0]))"
        }
    }
}

/// `soft-targets`: every teacher member's outputs on the training split, and the ensemble's
/// targets combined at the pipeline's temperature. Writes `soft-targets.h5`.
public struct SoftTargetsStage {
    public let context: StageContext
    public init(context: StageContext) { self.context = context }

    public func run(dataset: PreparedDataset, jobs: Int = 1) throws {
        let spec = context.spec
        guard let train = dataset.split("train") else { throw ArtifactError(path: context.layout.dataset, "has no train split") }
        let rows = try dataset.blocks("train", tasks: [], path: context.layout.dataset)
        let valRows = try dataset.blocks("val", tasks: [], path: context.layout.dataset)
        var tasks: [TaskSoftTargets] = []
        let combine = EnsembleCombine(rawValue: spec.softTargets.combine.rawValue)!
        // Every member's outputs on the training split, `jobs` members at a time.
        let members = spec.teachers.flatMap { t in (0..<t.members).map { (t, $0) } }
        var results = [(output: Matrix, valOutput: Matrix, validation: Double)?](repeating: nil, count: members.count)
        let lock = NSLock()
        try WorkerPool.run(count: members.count, jobs: jobs) { i in
            let (teacher, member) = members[i]
            let info = dataset.tasks[dataset.taskIndex(teacher.task)!]
            let model = try ModelFile.read(from: context.layout.teacherMember(task: teacher.task, member: member))
            let net = try model.makeNetwork()
            var out = try rows.predict(net)[0], valOut = try valRows.predict(net)[0]
            if info.kind == .regression {
                for i in 0..<out.count { out.storage[i] = out.storage[i] * Float(info.labelStd) + Float(info.labelMean) }
                for i in 0..<valOut.count { valOut.storage[i] = valOut.storage[i] * Float(info.labelStd) + Float(info.labelMean) }
            }
            let validation = model.history[model.bestEpoch - 1].validationMetrics[0]
            lock.withLock { results[i] = (out, valOut, validation) }
        }
        var next = 0
        for teacher in spec.teachers {
            let info = dataset.tasks[dataset.taskIndex(teacher.task)!]
            var outputs: [Matrix] = [], valOutputs: [Matrix] = []
            var validation: [Double] = []
            for _ in 0..<teacher.members {
                outputs.append(results[next]!.output)
                valOutputs.append(results[next]!.valOutput)
                validation.append(results[next]!.validation)
                next += 1
            }
            let targets = info.kind == .classification
                ? Ensemble.probabilities(memberLogits: outputs, combine: combine, temperature: Float(spec.softTargets.temperature))
                : Ensemble.meanPrediction(outputs)
            tasks.append(TaskSoftTargets(task: teacher.task, kind: info.kind, memberOutputs: outputs, targets: targets,
                                         memberValidation: validation, validationMemberOutputs: valOutputs))
            context.console.info("  \(teacher.task): \(teacher.members) members × \(train.rowCount) rows, combined by \(combine.rawValue) at T=\(spec.softTargets.temperature)")
        }
        try SoftTargetsFile(temperature: spec.softTargets.temperature, combine: combine.rawValue, tasks: tasks)
            .write(to: context.layout.softTargets)
    }
}
