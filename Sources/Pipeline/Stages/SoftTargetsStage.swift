import Artifacts
import Foundation
import MultiTask
import Tensor

/// `soft-targets`: every teacher member's outputs on the training split, and the ensemble's
/// targets combined at the pipeline's temperature. Writes `soft-targets.h5`. Members of
/// either kind (MLP, GBDT) give logits, so an ensemble may mix them.
public struct SoftTargetsStage {
    public let context: StageContext
    public init(context: StageContext) { self.context = context }

    public func run(dataset: PreparedDataset, jobs: Int = 1) throws {
        let spec = context.spec
        guard let train = dataset.split("train") else { throw ArtifactError(path: context.layout.dataset, "has no train split") }
        let rows = try dataset.blocks("train", tasks: [], path: context.layout.dataset)
        var tasks: [TaskSoftTargets] = []
        let combine = EnsembleCombine(rawValue: spec.softTargets.combine.rawValue)!
        // Every member's outputs on the training split, `jobs` members at a time.
        let members = spec.teachers.flatMap { t in (0..<t.members).map { (t, $0) } }
        var results = [(output: Matrix, validation: Double)?](repeating: nil, count: members.count)
        let lock = NSLock()
        try WorkerPool.run(count: members.count, jobs: jobs) { i in
            let (teacher, member) = members[i]
            let info = dataset.tasks[dataset.taskIndex(teacher.task)!]
            // MLP or GBDT: the member's logits (or standardised prediction) for every row.
            let model = try TeacherMemberFile.read(from: context.layout.teacherMember(task: teacher.task, member: member))
            var out = try rows.predict(try model.makePredictor())
            if info.kind == .regression {
                for i in 0..<out.count { out.storage[i] = out.storage[i] * Float(info.labelStd) + Float(info.labelMean) }
            }
            let validation = model.keptValidationMetric
            lock.withLock { results[i] = (out, validation) }
        }
        var next = 0
        for teacher in spec.teachers {
            let info = dataset.tasks[dataset.taskIndex(teacher.task)!]
            var outputs: [Matrix] = []
            var validation: [Double] = []
            for _ in 0..<teacher.members {
                outputs.append(results[next]!.output)
                validation.append(results[next]!.validation)
                next += 1
            }
            let targets = info.kind == .classification
                ? Ensemble.probabilities(memberLogits: outputs, combine: combine, temperature: Float(spec.softTargets.temperature))
                : Ensemble.meanPrediction(outputs)
            tasks.append(TaskSoftTargets(task: teacher.task, kind: info.kind, memberOutputs: outputs, targets: targets,
                                         memberValidation: validation))
            context.console.info("  \(teacher.task): \(teacher.members) members × \(train.rowCount) rows, combined by \(combine.rawValue) at T=\(spec.softTargets.temperature)")
        }
        try SoftTargetsFile(temperature: spec.softTargets.temperature, combine: combine.rawValue, tasks: tasks)
            .write(to: context.layout.softTargets)
    }
}
