import Foundation
import Metrics

/// One task's test metrics for one model. Absent values do not apply (e.g. AUC of a 3-class task).
public struct TaskMetrics: Equatable, Sendable, Codable {
    /// Labelled test rows the metrics were computed on.
    public var rows: Int
    public var accuracy: Double?
    public var macroF1: Double?
    /// ROC AUC, binary tasks only.
    public var auc: Double?
    public var logLoss: Double?
    public var rmse: Double?
    public var r2: Double?

    public init(rows: Int, accuracy: Double? = nil, macroF1: Double? = nil, auc: Double? = nil, logLoss: Double? = nil,
                rmse: Double? = nil, r2: Double? = nil) {
        self.rows = rows; self.accuracy = accuracy; self.macroF1 = macroF1; self.auc = auc
        self.logLoss = logLoss; self.rmse = rmse; self.r2 = r2
    }

    enum CodingKeys: String, CodingKey {
        case rows, accuracy, auc, rmse, r2
        case macroF1 = "macro_f1"
        case logLoss = "log_loss"
    }
}

/// One evaluated model: a teacher member, a teacher ensemble or a student.
public struct ModelEvaluation: Equatable, Sendable, Codable {
    public enum Role: String, Equatable, Sendable, Codable {
        case teacherMember = "teacher-member"
        case teacherEnsemble = "teacher-ensemble"
        case student
    }
    /// "species/member-0", "species/ensemble", or the student variant's name.
    public var name: String
    public var role: Role
    public var architecture: String
    public var parameters: Int
    /// Metrics per task name (teachers: their own task only). Students: the mean over replicates.
    public var tasks: [String: TaskMetrics]
    /// Students: every replicate's test and validation metrics, replicate k trained with the seed
    /// that replicate k of every other student had (so students compare in pairs).
    public var replicates: [ReplicateEvaluation]?

    public init(name: String, role: Role, architecture: String, parameters: Int, tasks: [String: TaskMetrics],
                replicates: [ReplicateEvaluation]? = nil) {
        self.name = name; self.role = role; self.architecture = architecture; self.parameters = parameters; self.tasks = tasks
        self.replicates = replicates
    }
}

/// One replicate of a student: its test metrics and, for choosing the student to ship, its
/// validation metrics.
public struct ReplicateEvaluation: Equatable, Sendable, Codable {
    public var replicate: Int
    public var tasks: [String: TaskMetrics]
    public var validation: [String: TaskMetrics]
    public init(replicate: Int, tasks: [String: TaskMetrics], validation: [String: TaskMetrics]) {
        self.replicate = replicate; self.tasks = tasks; self.validation = validation
    }
}

extension TaskMetrics {
    /// The field-by-field mean of several replicates' metrics (a field absent in any is absent).
    public static func mean(_ all: [TaskMetrics]) -> TaskMetrics {
        func m(_ key: KeyPath<TaskMetrics, Double?>) -> Double? {
            let values = all.compactMap { $0[keyPath: key] }
            return values.count == all.count && !values.isEmpty ? values.reduce(0, +) / Double(values.count) : nil
        }
        return TaskMetrics(rows: all.first?.rows ?? 0, accuracy: m(\.accuracy), macroF1: m(\.macroF1), auc: m(\.auc),
                           logLoss: m(\.logLoss), rmse: m(\.rmse), r2: m(\.r2))
    }
}

/// `report/metrics.json`: test-split metrics of every model of the pipeline.
public struct EvaluationReport: Equatable, Sendable, Codable, VersionedArtifact {
    public struct Task: Equatable, Sendable, Codable {
        public var name: String
        public var kind: String
        public var classes: [String]
        public var hasTeacher: Bool
        public init(name: String, kind: String, classes: [String], hasTeacher: Bool) {
            self.name = name; self.kind = kind; self.classes = classes; self.hasTeacher = hasTeacher
        }
        enum CodingKeys: String, CodingKey { case name, kind, classes; case hasTeacher = "has_teacher" }
    }
    public var pipeline: String
    public var formatVersion: Int64
    public var split: String
    public var tasks: [Task]
    public var models: [ModelEvaluation]
    /// Per student: its statistics against its no-KD baseline and the teacher ensembles.
    public var comparisons: [StudentComparison]?
    /// The student to ship, chosen on the validation split.
    public var ship: ShipChoice?

    public init(pipeline: String, split: String, tasks: [Task], models: [ModelEvaluation]) {
        self.pipeline = pipeline; self.formatVersion = ArtifactFormat.version; self.split = split
        self.tasks = tasks; self.models = models
    }

    enum CodingKeys: String, CodingKey { case pipeline, split, tasks, models, comparisons, ship; case formatVersion = "format_version" }

    public func write(to path: String) throws {
        try AtomicWrite.write(try JSONEncoder.sorted.encode(self) + Data("\n".utf8), to: path)
    }

    public static func read(from path: String) throws -> EvaluationReport {
        try JSONArtifact.read(EvaluationReport.self, from: path, what: "metrics file")
    }

    public func model(_ name: String) -> ModelEvaluation? { models.first { $0.name == name } }
}

/// One student's statistics on the test split (`metrics.json` → `comparisons`).
///
/// Intervals cover the students' own randomness (replicate seeds); the data split and the
/// teacher ensembles are fixed. With two or more replicates the comparisons are paired t over
/// replicates; with one, a paired bootstrap over test rows.
public struct StudentComparison: Equatable, Sendable, Codable {
    public var student: String
    /// "soft" or "none".
    public var distill: String
    /// The no-KD student compared with (nil: the student is one, or there is none).
    public var baseline: String?
    public var replicates: Int
    /// Mean over replicates of the mean over tasks of the primary metric on the validation split.
    public var validationScore: Double
    /// Per task name.
    public var tasks: [String: TaskComparison]

    public init(student: String, distill: String, baseline: String?, replicates: Int, validationScore: Double,
                tasks: [String: TaskComparison]) {
        self.student = student; self.distill = distill; self.baseline = baseline; self.replicates = replicates
        self.validationScore = validationScore; self.tasks = tasks
    }

    enum CodingKeys: String, CodingKey {
        case student, distill, baseline, replicates, tasks
        case validationScore = "validation_score"
    }
}

/// One task of a student's statistics.
public struct TaskComparison: Equatable, Sendable, Codable {
    /// Key of the primary metric the comparisons use ("auc", "accuracy", "r2").
    public var metric: String
    /// Every metric's mean over replicates with its 95% t-interval (bounds null with one replicate).
    public var metrics: [String: Statistics.Interval]
    /// student − baseline on the primary metric (nil without a baseline).
    public var vsBaseline: Statistics.Comparison?
    /// student − teacher ensemble on the primary metric (nil without a teacher for the task).
    public var vsEnsemble: Statistics.Comparison?
    /// (student − baseline) / (ensemble − baseline), or n/a with the reason.
    public var gapRecovered: Statistics.GapRecovered?

    public init(metric: String, metrics: [String: Statistics.Interval], vsBaseline: Statistics.Comparison?,
                vsEnsemble: Statistics.Comparison?, gapRecovered: Statistics.GapRecovered?) {
        self.metric = metric; self.metrics = metrics; self.vsBaseline = vsBaseline; self.vsEnsemble = vsEnsemble
        self.gapRecovered = gapRecovered
    }

    enum CodingKeys: String, CodingKey {
        case metric, metrics
        case vsBaseline = "vs_baseline", vsEnsemble = "vs_ensemble", gapRecovered = "gap_recovered"
    }
}

/// The student to ship: the best validation score (never the test split), ties to the first listed.
public struct ShipChoice: Equatable, Sendable, Codable {
    public var student: String
    public var validationScore: Double
    public var parameters: Int
    /// Parameters of every teacher member together (nil without teachers).
    public var ensembleParameters: Int?

    public init(student: String, validationScore: Double, parameters: Int, ensembleParameters: Int?) {
        self.student = student; self.validationScore = validationScore; self.parameters = parameters
        self.ensembleParameters = ensembleParameters
    }

    enum CodingKeys: String, CodingKey {
        case student, parameters
        case validationScore = "validation_score", ensembleParameters = "ensemble_parameters"
    }
}
