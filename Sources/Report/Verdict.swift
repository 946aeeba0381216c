import Artifacts

/// A change of a task's primary metric beyond the threshold, or not.
public enum Verdict: String, Equatable, Sendable {
    case gain, loss, even

    /// `delta` judged against ±`threshold` (strictly beyond it).
    public init(delta: Double, threshold: Double) {
        self = delta > threshold ? .gain : delta < -threshold ? .loss : .even
    }
}

/// One student on one task against one reference (the teacher ensemble, or the no-KD baseline).
public struct Reference: Equatable, Sendable {
    /// "species/ensemble", or the baseline student's name.
    public var name: String
    /// The reference's primary metric, nil when it has none.
    public var value: Double?
    /// student − reference, nil when either is missing.
    public var delta: Double?
    public var verdict: Verdict?

    public init(name: String, value: Double?, student: Double?, threshold: Double) {
        self.name = name
        self.value = value
        if let v = value, let s = student, v.isFinite, s.isFinite {
            delta = s - v
            verdict = Verdict(delta: s - v, threshold: threshold)
        }
    }
}

/// What one student gained or lost on one task.
public struct TaskGain: Equatable, Sendable {
    public var student: String
    public var task: String
    public var metric: PrimaryMetric
    /// The student's primary metric.
    public var value: Double?
    /// Against the task's teacher ensemble; nil when the task has no teacher.
    public var teachers: Reference?
    /// Against the no-KD baseline; nil when the student is the baseline or there is none.
    public var baseline: Reference?
}
