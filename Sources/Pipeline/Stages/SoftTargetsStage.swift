import Artifacts
import Foundation
import MultiTask
import Tensor

/// `soft-targets`: every teacher member's outputs on the training split, and the ensemble's
/// targets combined at the pipeline's temperature. Writes `soft-targets.h5`. Members of
/// either kind (MLP, GBDT) give logits, so an ensemble may mix them.
///
/// One pass over each split: every block of rows is read once and given to every member (`jobs`
/// at a time), the ensembles are combined on the block, and the block's outputs are set aside in
/// a temporary file; the file is then written from there member by member. Memory holds a block
/// and the members, never a member's outputs on the whole split.
public struct SoftTargetsStage {
    public let context: StageContext
    /// Rows read and given to the members at a time.
    let blockRows: Int
    public init(context: StageContext) { self.init(context: context, blockRows: SplitBlocks.defaultBlockRows) }
    init(context: StageContext, blockRows: Int) { self.context = context; self.blockRows = blockRows }

    public func run(dataset: PreparedDataset, jobs: Int = 1) throws {
        let spec = context.spec
        guard let train = dataset.split("train") else { throw ArtifactError(path: context.layout.dataset, "has no train split") }
        let rows = try dataset.blocks("train", tasks: [], path: context.layout.dataset, blockRows: blockRows, cached: false)
        let valRows = try dataset.blocks("val", tasks: [], path: context.layout.dataset, blockRows: blockRows, cached: false)
        let combine = EnsembleCombine(rawValue: spec.softTargets.combine.rawValue)!
        let temperature = Float(spec.softTargets.temperature)
        let members = spec.teacherMembers
        let tasks = spec.teacherTasks
        let infos = tasks.map { dataset.tasks[dataset.taskIndex($0)!] }
        let taskOf = members.map { m in tasks.firstIndex(of: m.teacher.task)! }
        let outputs = infos.map { $0.kind == .classification ? $0.classes.count : 1 }
        // Each member's model (MLP or GBDT), read once.
        var models = [TeacherMemberFile?](repeating: nil, count: members.count)
        var predictors = [TeacherPredictor?](repeating: nil, count: members.count)
        let lock = NSLock()
        try WorkerPool.run(count: members.count, jobs: jobs) { i in
            let model = try TeacherMemberFile.read(from: spec.teacherMemberFile(task: members[i].teacher.task, member: members[i].member))
            let predictor = try model.makePredictor()
            lock.withLock { models[i] = model; predictors[i] = predictor }
        }
        // Where each array lies in the temporary file, in floats: every member's outputs on the
        // training split, on the validation split, then each task's targets.
        var offset = 0
        func region(_ count: Int) -> Int { defer { offset += count }; return offset }
        let trainAt = members.indices.map { region(rows.count * outputs[taskOf[$0]]) }
        let valAt = members.indices.map { region(valRows.count * outputs[taskOf[$0]]) }
        let targetsAt = tasks.indices.map { region(rows.count * outputs[$0]) }
        let spill = try FloatSpill(directory: (context.layout.softTargets as NSString).deletingLastPathComponent, name: "soft-targets")
        for (split, at) in [(rows, trainAt), (valRows, valAt)] {
            for b in 0..<split.blockCount {
                let r = split.range(ofBlock: b)
                let x = try split.block(b).x
                var out = [Matrix?](repeating: nil, count: members.count)
                try WorkerPool.run(count: members.count, jobs: jobs) { i in
                    let y = infos[taskOf[i]].inLabelUnits(try predictors[i]!.predict(x))
                    lock.withLock { out[i] = y }
                }
                for i in members.indices { try spill.write(out[i]!.storage, at: at[i] + r.lowerBound * outputs[taskOf[i]]) }
                guard split === rows else { continue }
                for (t, info) in infos.enumerated() {
                    let mine = members.indices.filter { taskOf[$0] == t }.map { out[$0]! }
                    let targets = info.kind == .classification
                        ? Ensemble.probabilities(memberLogits: mine, combine: combine, temperature: temperature)
                        : Ensemble.meanPrediction(mine)
                    try spill.write(targets.storage, at: targetsAt[t] + r.lowerBound * outputs[t])
                }
            }
        }
        let shapes = tasks.indices.map { t in
            let mine = members.indices.filter { taskOf[$0] == t }
            return SoftTargetsFile.TaskShape(task: tasks[t], kind: infos[t].kind, members: mine.count, rows: rows.count,
                                             validationRows: valRows.count, outputs: outputs[t],
                                             memberValidation: mine.map { models[$0]!.keptValidationMetric })
        }
        let memberIndex = tasks.indices.map { t in members.indices.filter { taskOf[$0] == t } }
        try SoftTargetsFile.write(to: context.layout.softTargets, temperature: spec.softTargets.temperature,
                                  combine: combine.rawValue, tasks: shapes) { t, member, validation, r in
            let c = outputs[t]
            let start = member.map { (validation ? valAt : trainAt)[memberIndex[t][$0]] } ?? targetsAt[t]
            return try spill.read(r.count * c, at: start + r.lowerBound * c)
        }
        for (t, task) in tasks.enumerated() {
            context.console.info("  \(task): \(memberIndex[t].count) members × \(train.rowCount) rows, combined by \(combine.rawValue) at T=\(spec.softTargets.temperature)")
        }
    }
}
