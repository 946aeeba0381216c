import Artifacts
import Foundation
import Metrics
import MultiTask
import Tensor

/// What `soft-targets.h5` means: per task how good and how confident the teacher ensemble is
/// on the training rows, measured against the training labels of the same artifacts folder.
public struct SoftTargetsMeaning: Codable, Equatable, Sendable {
    public struct Task: Codable, Equatable, Sendable {
        public var name: String
        /// "classification" or "regression".
        public var kind: String
        /// K, the ensemble's members.
        public var members: Int
        public var rows: Int
        /// C (1 for regression).
        public var classes: Int
        /// Class names from dataset.h5, when found.
        public var classNames: [String]?
        /// Each member's best validation metric (accuracy or R²), as the teachers stage recorded it.
        public var memberValidation: [Double]
        /// Training rows with a label (when labels were found).
        public var labelledRows: Int?

        // Classification
        /// Accuracy of the targets' argmax against the training labels.
        public var ensembleAccuracy: Double?
        /// Accuracy of each member's argmax (of its logits) against the training labels.
        public var memberAccuracies: [Double?]?
        /// Fraction of rows on which every member's argmax is the same class.
        public var agreement: Double?
        /// Mean entropy of the target distributions, in nats.
        public var meanEntropy: Double?
        /// ln C: the entropy of a uniform distribution, for reference.
        public var maximumEntropy: Double?

        // Regression
        /// Mean over rows of the members' standard deviation (population, across members), label units.
        public var memberSpread: Double?
        /// RMSE of the members' mean prediction against the training labels, label units.
        public var ensembleRMSE: Double?
        /// RMSE of each member against the training labels.
        public var memberRMSE: [Double?]?
    }

    public var temperature: Double
    public var combine: String
    /// The split the targets were computed on ("train").
    public var split: String?
    /// Where labels were looked for: `<dir of soft-targets.h5>/data/dataset.h5`.
    public var labelsPath: String
    /// True when labels were found and match the targets' rows.
    public var labelsFound: Bool
    /// Why labels are not used, e.g. "labels not found (expected at …)".
    public var labelsNote: String?
    public var tasks: [Task]

    /// Where the labels of a soft-targets file live: `data/dataset.h5` beside it.
    public static func labelsPath(forSoftTargets path: String) -> String {
        let directory = (path as NSString).deletingLastPathComponent
        return ((directory.isEmpty ? "." : directory) as NSString).appendingPathComponent("data/dataset.h5")
    }

    /// The meaning of `targets`, scored against `labels` (the prepared dataset of the same folder) when given.
    /// - Parameters:
    ///   - labelsPath: where the labels were looked for (for messages).
    ///   - labelsError: why `labels` is nil, when it is.
    public init(_ targets: SoftTargetsFile, split: String?, labels: PreparedDataset?, labelsPath: String,
                labelsError: String? = nil) {
        temperature = targets.temperature
        combine = targets.combine
        self.split = split
        self.labelsPath = labelsPath
        let labelSplit = labels?.split(split ?? "train")
        var notes: [String] = []
        if labels == nil {
            notes.append(labelsError ?? "labels not found (expected at \(labelsPath))")
        } else if labelSplit == nil {
            notes.append("labels not found: \(labelsPath) has no \(split ?? "train") split")
        }
        var anyLabels = false
        tasks = targets.tasks.map { t in
            var task = Task(name: t.task, kind: t.kind.rawValue, members: t.memberOutputs.count, rows: t.targets.rows,
                            classes: t.targets.cols, memberValidation: t.memberValidation)
            var taskLabels: TaskTargets.Labels?
            if let data = labels, let s = labelSplit {
                if let i = data.taskIndex(t.task) {
                    task.classNames = t.kind == .classification ? data.tasks[i].classes : nil
                    if s.x.rows == t.targets.rows {
                        taskLabels = s.labels[i]
                    } else {
                        notes.append("task \(t.task): \(t.targets.rows) target rows but \(s.x.rows) \(s.name) rows in \(labelsPath); labels not used")
                    }
                } else {
                    notes.append("task \(t.task): no labels in \(labelsPath)")
                }
            }
            SoftTargetsMeaning.measure(t, labels: taskLabels, into: &task)
            if task.labelledRows != nil { anyLabels = true }
            return task
        }
        labelsFound = anyLabels
        labelsNote = notes.isEmpty ? nil : notes.joined(separator: "; ")
    }

    /// Fills the label-free and label-based measures of one task.
    static func measure(_ t: TaskSoftTargets, labels: TaskTargets.Labels?, into task: inout Task) {
        let n = t.targets.rows, c = t.targets.cols
        guard c > 0 else { return }
        switch t.kind {
        case .classification:
            let memberPredictions = t.memberOutputs.map { Metrics.argmax(probabilities: $0.storage, classCount: c) }
            task.agreement = Metrics.agreement(predictions: memberPredictions)
            task.meanEntropy = n > 0 ? Metrics.meanEntropy(probabilities: t.targets.storage, classCount: c) : nil
            task.maximumEntropy = log(Double(c))
            if case .classes(let y)? = labels {
                task.labelledRows = y.filter { $0 >= 0 }.count
                let ensemble = Metrics.argmax(probabilities: t.targets.storage, classCount: c)
                task.ensembleAccuracy = Metrics.accuracy(predicted: ensemble, labels: y)
                task.memberAccuracies = memberPredictions.map { Metrics.accuracy(predicted: $0, labels: y) }
            }
        case .regression:
            let k = t.memberOutputs.count
            if k > 0 && n > 0 {
                var spread = 0.0
                for row in 0..<n {
                    let values = t.memberOutputs.map { Double($0.storage[row * c]) }
                    let mean = values.reduce(0, +) / Double(k)
                    spread += (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(k)).squareRoot()
                }
                task.memberSpread = spread / Double(n)
            }
            if case .values(let v)? = labels {
                task.labelledRows = v.filter { !$0.isNaN }.count
                let column = { (m: Matrix) in (0..<n).map { m.storage[$0 * c] } }
                task.ensembleRMSE = Metrics.rmse(predicted: column(t.targets), targets: v)
                task.memberRMSE = t.memberOutputs.map { Metrics.rmse(predicted: column($0), targets: v) }
            }
        }
    }

    /// The headline for a folder listing: `T 2, mean-probs: species (3 members), island (3 members); 239 rows`.
    static func headline(temperature: Double?, combine: String?, tasks: [(name: String, members: Int)], rows: Int?) -> String {
        var parts: [String] = []
        if let t = temperature { parts.append("T \(Format.compact(t))") }
        if let c = combine { parts.append(c) }
        let list = tasks.map { "\($0.name) (\($0.members) member\($0.members == 1 ? "" : "s"))" }.joined(separator: ", ")
        return parts.joined(separator: ", ") + (parts.isEmpty ? "" : ": ") + list + (rows.map { "; \(Format.count($0)) rows" } ?? "")
    }

    // MARK: - Text

    func sections(style: TextStyle) -> [[String]] {
        var overview = TextTable([.left, .left])
        overview.add("targets", "temperature \(Format.compact(temperature)), combine \(combine)"
                     + (split.map { ", on the \($0) split" } ?? ""))
        if labelsFound {
            overview.add("labels", labelsPath)
        }
        var head = overview.render(indent: 2)
        if let note = labelsNote { head.append("  " + style.yellow(note)) }
        var out = [head]
        for task in tasks { out.append(taskLines(task, style: style)) }
        return out
    }

    private func taskLines(_ task: Task, style: TextStyle) -> [String] {
        let shape = task.kind == TaskHead.Kind.regression.rawValue
            ? "\(task.members) members × \(Format.count(task.rows)) rows"
            : "\(task.members) members × \(Format.count(task.rows)) rows × \(task.classes) classes"
        var lines = [style.heading("task \(task.name)") + "  \(task.kind): \(shape)"]
        var table = TextTable([.left, .left])
        let metricName = task.kind == TaskHead.Kind.regression.rawValue ? "R²" : "accuracy"
        let labelled = task.labelledRows.map { " on \(Format.count($0)) labelled \(split ?? "train") rows" } ?? ""
        if task.kind == TaskHead.Kind.regression.rawValue {
            if let rmse = task.ensembleRMSE {
                table.add("ensemble RMSE", "\(Format.number(rmse))\(labelled) (mean of the members vs labels)")
            }
            if let members = task.memberRMSE {
                table.add("member RMSE", Format.numbers(members).joined(separator: "  "))
            }
            if let spread = task.memberSpread {
                table.add("member spread", "\(Format.number(spread)) (mean std across members, label units)")
            }
        } else {
            if let accuracy = task.ensembleAccuracy {
                table.add([TextTable.Cell("ensemble accuracy"),
                           TextTable.Cell(Format.metric(accuracy) + labelled)])
            }
            if let members = task.memberAccuracies {
                table.add("member accuracy", members.map(Format.metric).joined(separator: "  "))
            }
            if let agreement = task.agreement {
                table.add("agreement", "\(Format.percent(agreement)) of rows: all \(task.members) members predict the same class")
            }
            if let entropy = task.meanEntropy, let maximum = task.maximumEntropy {
                table.add("mean entropy", "\(Format.fixed(entropy, 4)) nats (max ln \(task.classes) = \(Format.fixed(maximum, 4)))")
            }
        }
        table.add("member validation", task.memberValidation.map(Format.metric).joined(separator: "  ")
                  + "  (best validation \(metricName) per member)")
        if let names = task.classNames, !names.isEmpty {
            table.add("classes", names.joined(separator: ", "))
        }
        lines += table.render(indent: 2)
        return lines
    }
}
