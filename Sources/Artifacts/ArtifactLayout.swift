import Foundation

/// Where every artifact of a pipeline lives, relative to `artifacts/<pipeline>/`.
///
/// ```
/// mtkd.lock                         stage fingerprints and output hashes
/// timings.json                      wall-clock times of the last run (the one non-deterministic file)
/// data/dataset.h5                   prepared splits
/// teachers/<task>/member-<k>.h5     one teacher ensemble member
/// teachers/from.json                or, instead, the record of another pipeline's members used
/// soft-targets.h5                   the ensembles' logits and targets on the training split
/// students/<variant>/replicate-<k>.h5  one trained student (replicate k = 0, 1, …)
/// report/metrics.json, report.md    evaluation
/// checkpoints/…                     in-progress training state (removed when a stage completes)
/// ```
public struct ArtifactLayout: Sendable, Equatable {
    public let root: String

    public init(root: String) { self.root = root }

    public func path(_ relative: String) -> String { (root as NSString).appendingPathComponent(relative) }

    public var lock: String { path("mtkd.lock") }
    public var runLock: String { path(".mtkd-run.lock") }
    public var timings: String { path("timings.json") }
    public var dataset: String { path("data/dataset.h5") }
    public var softTargets: String { path("soft-targets.h5") }
    public var transfer: String { path("transfer.h5") }
    public var metrics: String { path("report/metrics.json") }
    public var reportMarkdown: String { path("report/report.md") }
    public var checkpoints: String { path("checkpoints") }

    /// The record of another pipeline's teacher members (when this pipeline takes its teachers from it).
    public var teachersFrom: String { path("teachers/from.json") }
    public func teacherMember(task: String, member: Int) -> String { path("teachers/\(task)/member-\(member).h5") }
    public func teacherCheckpoint(task: String, member: Int) -> String { path("checkpoints/teachers/\(task)/member-\(member).h5") }
    public func student(_ variant: String, replicate: Int = 0) -> String { path("students/\(variant)/replicate-\(replicate).h5") }
    public func studentCheckpoint(_ variant: String, replicate: Int = 0) -> String {
        path("checkpoints/students/\(variant)/replicate-\(replicate).h5")
    }
    /// "kd/replicate-0": how files, messages and metrics name one replicate of a student.
    public static func replicateName(_ variant: String, _ replicate: Int) -> String { "\(variant)/replicate-\(replicate)" }

    /// A path relative to the root, for messages and the lock file.
    public func relative(_ absolute: String) -> String {
        let prefix = root.hasSuffix("/") ? root : root + "/"
        return absolute.hasPrefix(prefix) ? String(absolute.dropFirst(prefix.count)) : absolute
    }
}

/// The version of every file format mtkd writes; part of every stage fingerprint, so a
/// change of format makes old artifacts stale instead of misread.
public enum ArtifactFormat {
    /// 2: model files carry their preprocessing (`/preprocessing`).
    public static let version: Int64 = 2
}
