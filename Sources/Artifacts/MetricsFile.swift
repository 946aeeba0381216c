import Foundation

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

    public init(pipeline: String, split: String, tasks: [Task], models: [ModelEvaluation]) {
        self.pipeline = pipeline; self.formatVersion = ArtifactFormat.version; self.split = split
        self.tasks = tasks; self.models = models
    }

    enum CodingKeys: String, CodingKey { case pipeline, split, tasks, models; case formatVersion = "format_version" }

    public func write(to path: String) throws {
        try AtomicWrite.write(try JSONEncoder.sorted.encode(self) + Data("\n".utf8), to: path)
    }

    public static func read(from path: String) throws -> EvaluationReport {
        try JSONArtifact.read(EvaluationReport.self, from: path, what: "metrics file")
    }

    public func model(_ name: String) -> ModelEvaluation? { models.first { $0.name == name } }
}
