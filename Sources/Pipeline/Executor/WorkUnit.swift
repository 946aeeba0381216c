import Artifacts
import Foundation

/// One piece of work that one command runs on its own against the artifacts folder
/// (`mtkd unit PIPELINE ID`): a network a stage trains (a teacher member or a student replicate,
/// each with its own seed, checkpoint and output file, written atomically; the local executor and
/// Slurm run the same units), or a whole cheap stage (soft targets, transfer, evaluate), which the
/// Slurm driver submits after the jobs it reads from.
public struct WorkUnit: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        case teacherMember(task: String, member: Int)
        case studentReplicate(student: String, replicate: Int)
        /// A stage that trains nothing: `.softTargets`, `.transfer` or `.evaluate`.
        case stage(StageName)
    }

    /// The stages that run as one unit each (`stage/<name>`).
    public static let stageUnits: [StageName] = [.softTargets, .transfer, .evaluate]

    public let kind: Kind

    /// `teachers/<task>/member-<k>` or `students/<variant>/replicate-<k>`: the output's path
    /// in the artifacts folder without `.h5`; `stage/<name>` for a stage.
    public var id: String {
        switch kind {
        case .teacherMember(let task, let member): return "teachers/\(task)/member-\(member)"
        case .studentReplicate(let student, let replicate): return "students/\(student)/replicate-\(replicate)"
        case .stage(let name): return "stage/\(name)"
        }
    }

    public var description: String { id }

    /// The network's name in progress lines, model files and timings: `<task>/member-<k>`, `<variant>/replicate-<k>`.
    public var network: String {
        switch kind {
        case .teacherMember(let task, let member): return "\(task)/member-\(member)"
        case .studentReplicate(let student, let replicate): return ArtifactLayout.replicateName(student, replicate)
        case .stage(let name): return name.description
        }
    }

    /// The stage whose lock entry covers this unit's output.
    public var stage: StageName {
        switch kind {
        case .teacherMember: return .teachers
        case .studentReplicate(let student, _): return .student(student)
        case .stage(let name): return name
        }
    }

    /// The file the unit writes (a stage's main one).
    public func output(_ layout: ArtifactLayout) -> String {
        switch kind {
        case .teacherMember(let task, let member): return layout.teacherMember(task: task, member: member)
        case .studentReplicate(let student, let replicate): return layout.student(student, replicate: replicate)
        case .stage(.softTargets): return layout.softTargets
        case .stage(.transfer): return layout.transfer
        case .stage: return layout.metrics
        }
    }

    /// The unit's training checkpoint (none for a stage).
    public func checkpoint(_ layout: ArtifactLayout) -> String? {
        switch kind {
        case .teacherMember(let task, let member): return layout.teacherCheckpoint(task: task, member: member)
        case .studentReplicate(let student, let replicate): return layout.studentCheckpoint(student, replicate: replicate)
        case .stage: return nil
        }
    }

    /// Every network unit of the pipeline, in stage order (members in task order, then replicates).
    public static func all(_ spec: PipelineSpec) -> [WorkUnit] {
        spec.teacherMembers.map { WorkUnit(kind: .teacherMember(task: $0.teacher.task, member: $0.member)) }
            + spec.students.flatMap { s in (0..<s.replicates).map { WorkUnit(kind: .studentReplicate(student: s.name, replicate: $0)) } }
    }

    /// The units of one stage: its networks, or the stage itself for soft targets, transfer and evaluate
    /// (none for prepare and teachers taken from another pipeline).
    public static func of(_ stage: StageName, in spec: PipelineSpec) -> [WorkUnit] {
        if stageUnits.contains(stage) { return [WorkUnit(kind: .stage(stage))] }
        return all(spec).filter { $0.stage == stage }
    }

    /// The unit named `id` in `spec`; a `UnitError` naming the valid ids otherwise.
    public static func named(_ id: String, in spec: PipelineSpec) throws -> WorkUnit {
        let units = StageDefinition.all(spec).flatMap { of($0.name, in: spec) }
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
