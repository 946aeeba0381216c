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
        let valRows = try dataset.blocks("val", tasks: [], path: context.layout.dataset)
        var tasks: [TaskSoftTargets] = []
        let combine = EnsembleCombine(rawValue: spec.softTargets.combine.rawValue)!
        // Every member's outputs on the training split, `jobs` members at a time.
        let members = spec.teacherMembers
        var results = [(output: Matrix, valOutput: Matrix, validation: Double)?](repeating: nil, count: members.count)
        let lock = NSLock()
        try WorkerPool.run(count: members.count, jobs: jobs) { i in
            let (teacher, member) = members[i]
            let info = dataset.tasks[dataset.taskIndex(teacher.task)!]
            // MLP or GBDT: the member's logits (or standardised prediction) for every row.
            let model = try TeacherMemberFile.read(from: context.spec.teacherMemberFile(task: teacher.task, member: member))
            let predictor = try model.makePredictor()
            let out = info.inLabelUnits(try rows.predict(predictor)), valOut = info.inLabelUnits(try valRows.predict(predictor))
            let validation = model.keptValidationMetric
            lock.withLock { results[i] = (out, valOut, validation) }
        }
        // One ensemble per task, of every member of its groups (of any kind), in member order.
        for task in spec.teacherTasks {
            let info = dataset.tasks[dataset.taskIndex(task)!]
            let mine = members.indices.filter { members[$0].teacher.task == task }
            let outputs = mine.map { results[$0]!.output }, valOutputs = mine.map { results[$0]!.valOutput }
            let validation = mine.map { results[$0]!.validation }
            let targets = info.kind == .classification
                ? Ensemble.probabilities(memberLogits: outputs, combine: combine, temperature: Float(spec.softTargets.temperature))
                : Ensemble.meanPrediction(outputs)
            tasks.append(TaskSoftTargets(task: task, kind: info.kind, memberOutputs: outputs, targets: targets,
                                         memberValidation: validation, validationMemberOutputs: valOutputs))
            context.console.info("  \(task): \(outputs.count) members × \(train.rowCount) rows, combined by \(combine.rawValue) at T=\(spec.softTargets.temperature)")
        }
        try SoftTargetsFile(temperature: spec.softTargets.temperature, combine: combine.rawValue, tasks: tasks)
            .write(to: context.layout.softTargets)
    }
}
