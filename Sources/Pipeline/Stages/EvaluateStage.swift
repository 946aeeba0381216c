import Artifacts
import NN
import Foundation
import Metrics
import MultiTask
import Report
import Tensor

/// `evaluate`: test-split metrics of every teacher member, every ensemble and every student,
/// with parameter counts. Writes `report/metrics.json` and `report/report.md`.
public struct EvaluateStage {
    public let context: StageContext
    public init(context: StageContext) { self.context = context }

    @discardableResult
    public func run(dataset: PreparedDataset, jobs: Int = 1) throws -> EvaluationReport {
        let spec = context.spec
        guard let test = dataset.split("test") else { throw ArtifactError(path: context.layout.dataset, "has no test split") }
        guard let validation = dataset.split("val") else { throw ArtifactError(path: context.layout.dataset, "has no val split") }
        let rows = try dataset.blocks("test", tasks: [], path: context.layout.dataset, cached: false)
        let valRows = try dataset.blocks("val", tasks: [], path: context.layout.dataset, cached: false)
        let memberPaths = spec.teacherMembers.map { ($0.teacher.task, $0.member) }
        let replicatePaths = spec.students.indices.flatMap { s in (0..<spec.students[s].replicates).map { (s, $0) } }
        // Every model, read `jobs` at a time.
        var members = [(file: TeacherMemberFile, predictor: TeacherPredictor)?](repeating: nil, count: memberPaths.count)
        var replicates = [(file: ModelFile, network: MultiTaskNetwork)?](repeating: nil, count: replicatePaths.count)
        let lock = NSLock()
        try WorkerPool.run(count: memberPaths.count + replicatePaths.count, jobs: jobs) { i in
            if i < memberPaths.count {
                let (task, member) = memberPaths[i]
                // MLP or GBDT, through the one predictor interface.
                let model = try TeacherMemberFile.read(from: context.spec.teacherMemberFile(task: task, member: member))
                let predictor = try model.makePredictor()
                lock.withLock { members[i] = (model, predictor) }
            } else {
                let (s, k) = replicatePaths[i - memberPaths.count]
                let model = try ModelFile.read(from: context.layout.student(spec.students[s].name, replicate: k))
                let net = try model.makeNetwork()
                lock.withLock { replicates[i - memberPaths.count] = (model, net) }
            }
        }
        // Every model's test outputs (students: also validation): one pass over each split, every
        // block read once and given to every model, `jobs` models at a time.
        let outputs = try Self.predict(rows, members: members.map { $0!.predictor }, networks: replicates.map { $0!.network }, jobs: jobs)
        let valOutputs = try Self.predict(valRows, members: [], networks: replicates.map { $0!.network }, jobs: jobs)
        // Inference speed: each member, and replicate 0 of each student, on the test split (model time only).
        if rows.count > 0 {
            for (i, (task, member)) in memberPaths.enumerated() {
                context.timings.record(network: "\(task)/member-\(member)", inferenceExamplesPerSecond: Double(rows.count) / max(outputs.memberSeconds[i], 1e-9))
            }
            for (i, (s, k)) in replicatePaths.enumerated() where k == 0 {
                context.timings.record(network: spec.students[s].name, inferenceExamplesPerSecond: Double(rows.count) / max(outputs.networkSeconds[i], 1e-9))
            }
        }
        let memberResults = memberPaths.indices.map { (members[$0]!.file, outputs.members[$0]) }
        let replicateResults = replicatePaths.indices.map { (model: replicates[$0]!.file, test: outputs.networks[$0], val: valOutputs.networks[$0]) }
        var models: [ModelEvaluation] = []
        var ensembles: [Int: (outputs: Matrix, metrics: TaskMetrics)] = [:]
        var ensembleParameters = 0
        // One ensemble per task, of every member of its groups (of any kind), in member order.
        for task in spec.teacherTasks {
            let t = dataset.taskIndex(task)!
            let info = dataset.tasks[t]
            var outputs: [Matrix] = []
            var total = 0
            var trees: Int?
            for i in memberPaths.indices where memberPaths[i].0 == task {
                let member = memberPaths[i].1
                let (model, out) = memberResults[i]
                outputs.append(out)
                total += model.parameterCount
                trees = model.trees.map { (trees ?? 0) + $0 } ?? trees
                models.append(ModelEvaluation(name: "\(task)/member-\(member)", role: .teacherMember,
                                              architecture: model.kind, parameters: model.parameterCount,
                                              tasks: [task: Self.metrics(outputs: out, isProbability: false, task: info, labels: test.labels[t])],
                                              trees: model.trees))
            }
            // The ensemble predicts as its soft targets are made, at temperature 1.
            let ensemble: Matrix
            if info.kind == .classification {
                ensemble = Ensemble.probabilities(memberLogits: outputs, combine: EnsembleCombine(rawValue: spec.softTargets.combine.rawValue)!, temperature: 1)
            } else {
                ensemble = Ensemble.meanPrediction(outputs)
            }
            let ensembleMetrics = Self.metrics(outputs: ensemble, isProbability: true, task: info, labels: test.labels[t])
            models.append(ModelEvaluation(name: "\(task)/ensemble", role: .teacherEnsemble, architecture: "ensemble",
                                          parameters: total, tasks: [task: ensembleMetrics], trees: trees))
            ensembles[t] = (ensemble, ensembleMetrics)
            ensembleParameters += total
        }
        var students: [EvaluationStatistics.Replicates] = []
        for (s, student) in spec.students.enumerated() {
            var replicates: [ReplicateEvaluation] = []
            var outputs: [[Matrix]] = []
            var model: ModelFile?
            for (i, (owner, k)) in replicatePaths.enumerated() where owner == s {
                let r = replicateResults[i]
                model = model ?? r.model
                var tasks: [String: TaskMetrics] = [:], val: [String: TaskMetrics] = [:]
                for (t, info) in dataset.tasks.enumerated() {
                    tasks[info.name] = Self.metrics(outputs: r.test[t], isProbability: false, task: info, labels: test.labels[t])
                    val[info.name] = Self.metrics(outputs: r.val[t], isProbability: false, task: info, labels: validation.labels[t])
                }
                replicates.append(ReplicateEvaluation(replicate: k, tasks: tasks, validation: val))
                outputs.append(r.test)
            }
            let mean = Dictionary(uniqueKeysWithValues: dataset.tasks.map { info in
                (info.name, TaskMetrics.mean(replicates.map { $0.tasks[info.name]! }))
            })
            models.append(ModelEvaluation(name: student.name, role: .student, architecture: model!.blueprint.architecture,
                                          parameters: model!.parameterCount, tasks: mean, replicates: replicates))
            students.append(.init(student: student, evaluations: replicates, outputs: outputs, parameters: model!.parameterCount))
        }
        let taskEntries = dataset.tasks.map { EvaluationReport.Task(name: $0.name, kind: $0.kind.rawValue, classes: $0.classes,
                                                                     hasTeacher: spec.teacher(for: $0.name) != nil) }
        var report = EvaluationReport(pipeline: spec.name, split: "test", tasks: taskEntries, models: models)
        var statistics = EvaluationStatistics(spec: spec, dataset: dataset, tasks: taskEntries, labels: test.labels, ensembles: ensembles)
        statistics.ensembleParameters = ensembleParameters
        report.comparisons = statistics.comparisons(students)
        report.ship = statistics.ship(students, comparisons: report.comparisons!)
        try report.write(to: context.layout.metrics)
        try AtomicWrite.write(Data(("# \(spec.name): test metrics\n\n" + ComparisonTable.markdown(report)).utf8), to: context.layout.reportMarkdown)
        return report
    }

    /// What every model gives on one split, and the seconds each spent predicting (reading excluded).
    struct SplitOutputs {
        /// Per member: (N, C) logits or standardised predictions.
        var members: [Matrix]
        var memberSeconds: [Double]
        /// Per network: one (N, C) matrix per task.
        var networks: [[Matrix]]
        var networkSeconds: [Double]
    }

    /// Every model's outputs on `rows`, in one pass: each block is read once (past the block cache)
    /// and given to every model, `jobs` models at a time. Each model sees the same blocks as when it
    /// predicted the split alone, so the outputs are the same.
    static func predict(_ rows: SplitBlocks, members: [TeacherPredictor], networks: [MultiTaskNetwork], jobs: Int) throws -> SplitOutputs {
        let n = rows.count
        var out = SplitOutputs(members: [Matrix](repeating: .empty, count: members.count),
                               memberSeconds: [Double](repeating: 0, count: members.count),
                               networks: networks.map { $0.tasks.map { Matrix(rows: n, cols: $0.outputs) } },
                               networkSeconds: [Double](repeating: 0, count: networks.count))
        let lock = NSLock()
        let clock = ContinuousClock()
        for b in 0..<rows.blockCount {
            let r = rows.range(ofBlock: b)
            let x = try rows.block(b).x
            try WorkerPool.run(count: members.count + networks.count, jobs: jobs) { i in
                let start = clock.now
                if i < members.count {
                    let y = try members[i].predict(x)
                    let seconds = (clock.now - start).seconds
                    lock.withLock {
                        if b == 0 { out.members[i] = Matrix(rows: n, cols: y.cols) }
                        out.members[i].storage.replaceSubrange((r.lowerBound * y.cols)..<(r.upperBound * y.cols), with: y.storage)
                        out.memberSeconds[i] += seconds
                    }
                } else {
                    let j = i - members.count
                    let y = networks[j].predict(x)
                    let seconds = (clock.now - start).seconds
                    lock.withLock {
                        for t in y.indices {
                            let c = y[t].cols
                            out.networks[j][t].storage.replaceSubrange((r.lowerBound * c)..<(r.upperBound * c), with: y[t].storage)
                        }
                        out.networkSeconds[j] += seconds
                    }
                }
            }
        }
        return out
    }

    /// Metrics of one model's outputs for one task: logits (or, when `isProbability`, class
    /// probabilities) for classification; standardised predictions for regression.
    static func metrics(outputs: Matrix, isProbability: Bool, task: TaskInfo, labels: TaskTargets.Labels) -> TaskMetrics {
        switch labels {
        case .classes(let y):
            let probs = isProbability ? outputs : Softmax.probabilities(outputs)
            let c = probs.cols
            let predicted = Metrics.argmax(probabilities: probs.storage, classCount: c)
            var auc: Double? = nil
            if c == 2 {
                auc = Metrics.rocAUC(scores: (0..<probs.rows).map { probs[$0, 1] }, labels: y)
            }
            return TaskMetrics(rows: y.lazy.filter { $0 >= 0 }.count,
                               accuracy: Metrics.accuracy(predicted: predicted, labels: y),
                               macroF1: Metrics.macroF1(predicted: predicted, labels: y, classCount: c),
                               auc: auc,
                               logLoss: Metrics.logLoss(probabilities: probs.storage, labels: y, classCount: c))
        case .values(let v):
            let pred = outputs.storage.map { Double($0) * task.labelStd + task.labelMean }
            let target = v.map(Double.init)
            return TaskMetrics(rows: v.lazy.filter { !$0.isNaN }.count,
                               rmse: Metrics.rmse(predicted: pred, targets: target), r2: Metrics.r2(predicted: pred, targets: target))
        }
    }
}
