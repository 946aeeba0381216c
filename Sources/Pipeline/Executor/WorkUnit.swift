import Artifacts
import Foundation

/// One network a stage trains, which one command runs on its own against the artifacts folder
/// (`mtkd unit PIPELINE ID`): a teacher member or a student replicate. Each has its own seed,
/// checkpoint and output file, written atomically; the local executor and Slurm run the same units.
public struct WorkUnit: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        case teacherMember(task: String, member: Int)
        case studentReplicate(student: String, replicate: Int)
    }

    public let kind: Kind

    /// `teachers/<task>/member-<k>` or `students/<variant>/replicate-<k>`: the output's path
    /// in the artifacts folder without `.h5`.
    public var id: String {
        switch kind {
        case .teacherMember(let task, let member): return "teachers/\(task)/member-\(member)"
        case .studentReplicate(let student, let replicate): return "students/\(student)/replicate-\(replicate)"
        }
    }

    public var description: String { id }

    /// The network's name in progress lines, model files and timings: `<task>/member-<k>`, `<variant>/replicate-<k>`.
    public var network: String {
        switch kind {
        case .teacherMember(let task, let member): return "\(task)/member-\(member)"
        case .studentReplicate(let student, let replicate): return ArtifactLayout.replicateName(student, replicate)
        }
    }

    /// The stage whose lock entry covers this unit's output.
    public var stage: StageName {
        switch kind {
        case .teacherMember: return .teachers
        case .studentReplicate(let student, _): return .student(student)
        }
    }

    /// The file the unit writes.
    public func output(_ layout: ArtifactLayout) -> String {
        switch kind {
        case .teacherMember(let task, let member): return layout.teacherMember(task: task, member: member)
        case .studentReplicate(let student, let replicate): return layout.student(student, replicate: replicate)
        }
    }

    /// The unit's training checkpoint.
    public func checkpoint(_ layout: ArtifactLayout) -> String {
        switch kind {
        case .teacherMember(let task, let member): return layout.teacherCheckpoint(task: task, member: member)
        case .studentReplicate(let student, let replicate): return layout.studentCheckpoint(student, replicate: replicate)
        }
    }

    /// Every unit of the pipeline, in stage order (members in task order, then replicates).
    public static func all(_ spec: PipelineSpec) -> [WorkUnit] {
        spec.teacherMembers.map { WorkUnit(kind: .teacherMember(task: $0.teacher.task, member: $0.member)) }
            + spec.students.flatMap { s in (0..<s.replicates).map { WorkUnit(kind: .studentReplicate(student: s.name, replicate: $0)) } }
    }

    /// The units of one stage (none for stages that train nothing).
    public static func of(_ stage: StageName, in spec: PipelineSpec) -> [WorkUnit] {
        all(spec).filter { $0.stage == stage }
    }

    /// The unit named `id` in `spec`; a `UnitError` naming the valid ids otherwise.
    public static func named(_ id: String, in spec: PipelineSpec) throws -> WorkUnit {
        let units = all(spec)
        if let unit = units.first(where: { $0.id == id }) { return unit }
        let listed = units.prefix(8).map(\.id).joined(separator: ", ") + (units.count > 8 ? ", … (\(units.count) in all)" : "")
        throw UnitError(message: units.isEmpty
            ? "no unit \(id) in \(spec.name): the pipeline trains no networks"
            : "no unit \(id) in \(spec.name); units: \(listed)")
    }
}

/// A unit id that names no unit of the pipeline (exit code 64).
public struct UnitError: Error, LocalizedError {
    public var message: String
    public var errorDescription: String? { message }
}
