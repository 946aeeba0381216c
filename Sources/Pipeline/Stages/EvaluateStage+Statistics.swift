import Artifacts
import Foundation
import Metrics
import MultiTask
import NN
import Tensor

/// The statistics `evaluate` adds to `metrics.json`: per student and task, every metric's mean
/// and t-interval over replicates; against the no-KD baseline and the teacher ensemble, the
/// difference of the primary metric (paired t over replicates, or with one replicate the paired
/// bootstrap over test rows) and the gap recovered; and the student to ship, chosen on validation.
struct EvaluationStatistics {
    /// One student's replicates: their evaluations and test outputs (`outputs[k][t]`: logits, or
    /// standardised values for regression).
    struct Replicates {
        var student: StudentSpec
        var evaluations: [ReplicateEvaluation]
        var outputs: [[Matrix]]
        var parameters: Int
    }

    let spec: PipelineSpec
    let dataset: PreparedDataset
    let tasks: [EvaluationReport.Task]
    let labels: [TaskTargets.Labels]
    /// Per task index: the ensemble's test outputs (probabilities; standardised values for
    /// regression) and metrics, for tasks with a teacher.
    let ensembles: [Int: (outputs: Matrix, metrics: TaskMetrics)]

    /// The no-KD student `student` is compared with: the one it names, else the first student
    /// with the same architecture trained without teachers. nil for a student without teachers.
    static func baseline(of student: StudentSpec, in students: [StudentSpec]) -> StudentSpec? {
        guard student.distill == .soft else { return nil }
        if let name = student.baseline { return students.first { $0.name == name } }
        return students.first { $0.distill == .none && $0.architecture == student.architecture && $0.name != student.name }
    }

    func comparisons(_ all: [Replicates]) -> [StudentComparison] {
        all.map { s in
            let baseline = Self.baseline(of: s.student, in: spec.students).flatMap { b in all.first { $0.student.name == b.name } }
            var perTask: [String: TaskComparison] = [:]
            for (t, task) in tasks.enumerated() {
                perTask[task.name] = compare(s, baseline: baseline, task: t)
            }
            return StudentComparison(student: s.student.name, distill: s.student.distill.rawValue, baseline: baseline?.student.name,
                                     replicates: s.evaluations.count, validationScore: validationScore(s), tasks: perTask)
        }
    }

    /// The student with the best validation score; ties go to the first listed.
    func ship(_ all: [Replicates], comparisons: [StudentComparison]) -> ShipChoice? {
        var best: Int?
        for (i, c) in comparisons.enumerated() where !c.validationScore.isNaN {
            if best == nil || c.validationScore > comparisons[best!].validationScore { best = i }
        }
        guard let i = best else { return nil }
        let members = spec.teachers.isEmpty ? nil : ensembleParameters
        return ShipChoice(student: comparisons[i].student, validationScore: comparisons[i].validationScore,
                          parameters: all[i].parameters, ensembleParameters: members)
    }

    /// Set by the caller: every teacher member's parameters together.
    var ensembleParameters = 0

    /// Mean over replicates of the mean over tasks of the primary metric on the validation split.
    func validationScore(_ s: Replicates) -> Double {
        let perReplicate = s.evaluations.compactMap { r -> Double? in
            let values = tasks.compactMap { PrimaryMetric.of($0).value(r.validation[$0.name]) }
            return values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
        }
        return perReplicate.isEmpty ? .nan : perReplicate.reduce(0, +) / Double(perReplicate.count)
    }

    func compare(_ s: Replicates, baseline: Replicates?, task t: Int) -> TaskComparison {
        let task = tasks[t], primary = PrimaryMetric.of(task)
        var intervals: [String: Statistics.Interval] = [:]
        for (key, path) in PrimaryMetric.allKeys {
            let values = s.evaluations.map { $0.tasks[task.name]?[keyPath: path] ?? .nan }
            if values.contains(where: { !$0.isNaN }) { intervals[key] = Statistics.meanInterval(values) }
        }
        let mine = s.evaluations.map { primary.value($0.tasks[task.name]) ?? .nan }
        let ensemble = ensembles[t]
        var vsBaseline: Statistics.Comparison?, vsEnsemble: Statistics.Comparison?, gap: Statistics.GapRecovered?
        let pairs = min(s.evaluations.count, baseline?.evaluations.count ?? s.evaluations.count)
        // The paired bootstrap over test rows of replicate 0: the interval of one seed.
        let bootstrap = Bootstrap(primary: primary, task: task, info: dataset.tasks[t], labels: labels[t],
                                  seed: RNG.derive(seed: spec.seed, stream: Seeds.fnv("bootstrap/\(task.name)")))
        // Built only when a bootstrap is needed (one replicate, or a zero-width paired interval).
        lazy var me = bootstrap.prediction(s.outputs[0][t], isProbability: false)
        lazy var base = baseline.map { bootstrap.prediction($0.outputs[0][t], isProbability: false) }
        lazy var ens = ensemble.map { bootstrap.prediction($0.outputs, isProbability: true) }
        if pairs >= 2 {
            // Over replicates, paired by seed. When every replicate differs by exactly the same
            // amount (a discrete metric on few test rows, say), the t-interval has no width and
            // would call any difference significant: the bootstrap over test rows decides then.
            func degenerate(_ c: Statistics.Comparison?) -> Bool {
                guard let c, let low = c.interval.low, let high = c.interval.high else { return false }
                return low == high && c.estimate != 0
            }
            if let baseline {
                let theirs = baseline.evaluations.prefix(pairs).map { primary.value($0.tasks[task.name]) ?? .nan }
                vsBaseline = Statistics.pairedDifference(Array(mine.prefix(pairs)), theirs)
                if degenerate(vsBaseline) { vsBaseline = base.flatMap { bootstrap.difference(me, $0) } }
                if let e = ensemble.flatMap({ primary.value($0.metrics) }) {
                    gap = Statistics.gapRecovered(student: Array(mine.prefix(pairs)), baseline: theirs, ensemble: e)
                    if let g = gap?.interval, g.low != nil, g.low == g.high, let base, let ens {
                        gap = bootstrap.gapRecovered(student: me, baseline: base, ensemble: ens)
                    }
                }
            }
            if let e = ensemble.flatMap({ primary.value($0.metrics) }) {
                vsEnsemble = Statistics.pairedDifference(mine, Array(repeating: e, count: mine.count))
                if degenerate(vsEnsemble) { vsEnsemble = ens.flatMap { bootstrap.difference(me, $0) } }
            }
        } else {
            // One replicate: the paired bootstrap over test rows says how uncertain one seed is.
            if let base { vsBaseline = bootstrap.difference(me, base) }
            if let ens { vsEnsemble = bootstrap.difference(me, ens) }
            if let base, let ens { gap = bootstrap.gapRecovered(student: me, baseline: base, ensemble: ens) }
        }
        return TaskComparison(metric: primary.key, metrics: intervals, vsBaseline: vsBaseline, vsEnsemble: vsEnsemble,
                              gapRecovered: gap)
    }

    /// The paired bootstrap of one task's primary metric.
    struct Bootstrap {
        enum Prediction { case probabilities([Float]), values([Double]) }
        let metric: PairedBootstrap.Metric
        let bootstrap: PairedBootstrap
        let info: TaskInfo

        init(primary: PrimaryMetric, task: EvaluationReport.Task, info: TaskInfo, labels: TaskTargets.Labels, seed: UInt64) {
            metric = PairedBootstrap.Metric(rawValue: primary.key)!
            self.info = info
            switch labels {
            case .classes(let y): bootstrap = PairedBootstrap(labels: y, classCount: task.classes.count, seed: seed)
            case .values(let v): bootstrap = PairedBootstrap(targets: v.map(Double.init), seed: seed)
            }
        }

        /// Class probabilities (from logits unless `isProbability`), or values in label units.
        func prediction(_ outputs: Matrix, isProbability: Bool) -> Prediction {
            if info.kind == .regression {
                return .values(outputs.storage.map { Double($0) * info.labelStd + info.labelMean })
            }
            return .probabilities((isProbability ? outputs : Softmax.probabilities(outputs)).storage)
        }

        func difference(_ a: Prediction, _ b: Prediction) -> Statistics.Comparison? {
            switch (a, b) {
            case (.probabilities(let x), .probabilities(let y)): return bootstrap.difference(metric, x, y)
            case (.values(let x), .values(let y)): return bootstrap.difference(metric, x, y)
            default: return nil
            }
        }

        func gapRecovered(student: Prediction, baseline: Prediction, ensemble: Prediction) -> Statistics.GapRecovered? {
            switch (student, baseline, ensemble) {
            case (.probabilities(let s), .probabilities(let b), .probabilities(let e)):
                return bootstrap.gapRecovered(metric, student: s, baseline: b, ensemble: e)
            case (.values(let s), .values(let b), .values(let e)):
                return bootstrap.gapRecovered(metric, student: s, baseline: b, ensemble: e)
            default: return nil
            }
        }
    }
}
