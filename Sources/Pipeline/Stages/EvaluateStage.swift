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
        let rows = try dataset.blocks("test", tasks: [], path: context.layout.dataset)
        // Every model's test outputs, `jobs` models at a time.
        let memberPaths = spec.teachers.flatMap { t in (0..<t.members).map { (t.task, $0) } }
        var memberResults = [(ModelFile, Matrix)?](repeating: nil, count: memberPaths.count)
        var studentResults = [(ModelFile, [Matrix])?](repeating: nil, count: spec.students.count)
        let lock = NSLock()
        try WorkerPool.run(count: memberPaths.count + spec.students.count, jobs: jobs) { i in
            if i < memberPaths.count {
                let (task, member) = memberPaths[i]
                let model = try ModelFile.read(from: context.layout.teacherMember(task: task, member: member))
                let out = try timedPredict(model, rows, name: "\(task)/member-\(member)")[0]
                lock.withLock { memberResults[i] = (model, out) }
            } else {
                let s = spec.students[i - memberPaths.count]
                let model = try ModelFile.read(from: context.layout.student(s.name))
                let outputs = try timedPredict(model, rows, name: s.name)
                lock.withLock { studentResults[i - memberPaths.count] = (model, outputs) }
            }
        }
        var models: [ModelEvaluation] = []
        var next = 0
        for teacher in spec.teachers {
            let t = dataset.taskIndex(teacher.task)!
            let info = dataset.tasks[t]
            var outputs: [Matrix] = []
            var total = 0
            for member in 0..<teacher.members {
                let (model, out) = memberResults[next]!
                next += 1
                outputs.append(out)
                total += model.parameterCount
                models.append(ModelEvaluation(name: "\(teacher.task)/member-\(member)", role: .teacherMember,
                                              architecture: "mlp", parameters: model.parameterCount,
                                              tasks: [teacher.task: Self.metrics(outputs: out, isProbability: false, task: info, labels: test.labels[t])]))
            }
            // The ensemble predicts as its soft targets are made, at temperature 1.
            let ensemble: Matrix
            if info.kind == .classification {
                ensemble = Ensemble.probabilities(memberLogits: outputs, combine: EnsembleCombine(rawValue: spec.softTargets.combine.rawValue)!, temperature: 1)
            } else {
                ensemble = Ensemble.meanPrediction(outputs)
            }
            models.append(ModelEvaluation(name: "\(teacher.task)/ensemble", role: .teacherEnsemble, architecture: "ensemble",
                                          parameters: total,
                                          tasks: [teacher.task: Self.metrics(outputs: ensemble, isProbability: true, task: info, labels: test.labels[t])]))
        }
        for (k, student) in spec.students.enumerated() {
            let (model, outputs) = studentResults[k]!
            var tasks: [String: TaskMetrics] = [:]
            for (t, info) in dataset.tasks.enumerated() {
                tasks[info.name] = Self.metrics(outputs: outputs[t], isProbability: false, task: info, labels: test.labels[t])
            }
            models.append(ModelEvaluation(name: student.name, role: .student, architecture: model.blueprint.architecture,
                                          parameters: model.parameterCount, tasks: tasks))
        }
        let report = EvaluationReport(
            pipeline: spec.name, split: "test",
            tasks: dataset.tasks.map { .init(name: $0.name, kind: $0.kind.rawValue, classes: $0.classes, hasTeacher: spec.teacher(for: $0.name) != nil) },
            models: models)
        try report.write(to: context.layout.metrics)
        try AtomicWrite.write(Data(("# \(spec.name): test metrics\n\n" + ComparisonTable.markdown(report)).utf8), to: context.layout.reportMarkdown)
        return report
    }

    /// The model's test outputs, recording its prediction throughput: best of 3 timed passes
    /// over 16,384 rows (the first rows of the split, repeated when it is smaller).
    func timedPredict(_ model: ModelFile, _ rows: SplitBlocks, name: String) throws -> [Matrix] {
        let net = try model.makeNetwork()
        let outputs = try rows.predict(net)
        guard rows.count > 0 else { return outputs }
        let sample = try rows.source.read(0..<min(rows.count, 16_384))
        let repeats = max(1, 16_384 / sample.rows)
        let clock = ContinuousClock()
        var best = Double.infinity
        for _ in 0..<3 {
            let start = clock.now
            for _ in 0..<repeats { _ = net.predict(sample) }
            best = min(best, (clock.now - start).seconds)
        }
        context.timings.record(network: name, inferenceExamplesPerSecond: Double(repeats * sample.rows) / max(best, 1e-9))
        return outputs
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
