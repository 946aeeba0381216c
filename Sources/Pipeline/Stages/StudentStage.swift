import Artifacts
import Foundation
import MultiTask
import Tensor

/// `student:<variant>`: one multi-task network trained on hard labels and, for tasks with a
/// teacher (unless `distill: none`), the ensemble's soft targets. Writes `students/<variant>.h5`.
public struct StudentStage {
    public let context: StageContext
    public let student: StudentSpec
    /// The stage's fingerprint: stored in the student file and its checkpoints.
    public let fingerprint: String
    public let force: Bool
    /// Whether an existing output file is the one the lock recorded (see `CheckpointedTraining`).
    public let isTrusted: (String) -> Bool
    public init(context: StageContext, student: StudentSpec, fingerprint: String, force: Bool = false,
                isTrusted: @escaping (String) -> Bool = { _ in true }) {
        self.context = context; self.student = student; self.fingerprint = fingerprint; self.force = force
        self.isTrusted = isTrusted
    }

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

    public func run(dataset: PreparedDataset) throws {
        let spec = context.spec
        let all = Array(dataset.tasks.indices)
        let train = try dataset.blocks("train", tasks: all, path: context.layout.dataset)
        let val = try dataset.blocks("val", tasks: all, path: context.layout.dataset)
        if student.distill == .soft && !spec.teachers.isEmpty {
            let soft = try SoftTargetsFile.read(from: context.layout.softTargets)
            for (t, info) in dataset.tasks.enumerated() {
                guard let s = soft.task(info.name) else { continue }
                guard s.targets.rows == train.count else {
                    throw ArtifactError(path: context.layout.softTargets, "/\(info.name) has \(s.targets.rows) rows, the training split \(train.count); re-run soft-targets")
                }
                var targets = s.targets
                if info.kind == .regression {
                    for i in 0..<targets.count { targets.storage[i] = (targets.storage[i] - Float(info.labelMean)) / Float(info.labelStd) }
                }
                train.targets[t].soft = targets
            }
        }
        let seed = Seeds.student(spec, variant: student.name)
        let net = try NetworkFactory.make(Self.blueprint(student, inputs: dataset.features.count, tasks: dataset.tasks.map(\.head)),
                                          seed: seed)
        var settings = student.training.trainerSettings(alpha: student.alpha, temperature: spec.softTargets.temperature,
                                                        taskWeights: Self.taskWeights(student, tasks: dataset.tasks, train: train),
                                                        seed: seed)
        settings.weighting = student.taskWeighting == .uncertainty ? .uncertainty : .fixed
        settings.batching = student.batching == .perTask ? .perTask(temperature: student.samplingTemperature) : .mixed
        let names = dataset.tasks.map(\.name)
        let weights = zip(names, settings.taskWeights).map { "\($0) \(Format.fixed(Double($1), 2))" }.joined(separator: ", ")
        context.console.info("  \(student.architecture.rawValue), \(student.distill == .soft ? "distilling (α \(student.alpha), T \(spec.softTargets.temperature))" : "hard labels only"), task weights \(student.taskWeighting.rawValue): \(weights); \(student.batching.rawValue) batches")
        let training = CheckpointedTraining(
            context: context, role: "student", name: student.name, seed: seed, fingerprint: fingerprint,
            checkpointPath: context.layout.studentCheckpoint(student.name), finalPath: context.layout.student(student.name),
            force: force, finishedIsTrusted: isTrusted(context.layout.student(student.name)),
            preprocessing: Preprocessing(spec: spec, dataset: dataset, taskIndices: all))
        let outcome = try training.run(network: net, settings: settings, train: train, validation: val) { record in
            let metrics = zip(names, record.validationMetrics).map { "\($0) \(Format.fixed($1, 3))" }.joined(separator: " ")
            context.console.progress("  \(student.name)  epoch \(record.epoch)/\(settings.epochs)  loss \(Format.fixed(record.trainLoss))  val \(metrics)  \(Format.count(record.examplesPerSecond)) ex/s")
        }
        training.announce(outcome, label: student.name, parameters: net.parameterCount) {
            "val score \(Format.fixed($0.validationScore))"
        }
    }
}
