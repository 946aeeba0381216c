import Artifacts
import Foundation
import GBDT
import MultiTask
import Tensor

/// `teachers`: for every task with a teacher, an ensemble of K single-task members that differ
/// by seed, each trained on the task's labelled training rows and kept at its best
/// validation epoch or round: MLPs (`kind: mlp`), or gradient-boosted trees (`kind: gbdt`,
/// which differ by row and column subsampling too). Writes `teachers/<task>/member-<k>.h5`.
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

    /// Trains every member, `jobs` at a time: each is the unit `teachers/<task>/member-<k>`.
    public func run(dataset: PreparedDataset, jobs: Int = 1) throws {
        let items = context.spec.teacherMembers
        try WorkerPool.run(count: items.count, jobs: jobs) { i in
            try runMember(items[i].teacher, member: items[i].member, dataset: dataset)
        }
    }

    /// Trains (or reuses) one member: the body of the unit `teachers/<task>/member-<k>`.
    func runMember(_ teacher: TeacherSpec, member: Int, dataset: PreparedDataset) throws {
        switch teacher.kind {
        case .mlp: try trainMember(teacher, member: member, dataset: dataset)
        case .gbdt: try boostMember(teacher, member: member, dataset: dataset)
        }
    }

    /// The group of `task`'s ensemble that member `member` belongs to.
    func teacher(task: String, member: Int) -> TeacherSpec? {
        context.spec.teacherMembers.first { $0.teacher.task == task && $0.member == member }?.teacher
    }

    /// Whether the member's file is what a run would write now (trusted, with its fingerprint):
    /// a run reuses it without training.
    func isCurrent(_ teacher: TeacherSpec, member: Int) -> Bool {
        let path = context.layout.teacherMember(task: teacher.task, member: member)
        guard !force, isTrusted(path) else { return false }
        return (try? ModelFile.fingerprint(at: path)) == .some(memberFingerprint(teacher, member: member))
    }

    /// What determines one member: its task's teacher settings, its seed and the data.
    func memberFingerprint(_ teacher: TeacherSpec, member: Int) -> String {
        var p = Params()
        p.teacher(teacher)
        // The ensemble's size is not the member's: raising `members` from 3 to 5 keeps members 0–2.
        let settings = p.values.keys.sorted().filter { !$0.hasSuffix(".members") }.map { "\($0)=\(p.values[$0]!)" }
            .joined(separator: "\n")
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
        let settings = teacher.training.trainerSettings(taskWeights: [1], seed: seed, rows: train.count)
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
