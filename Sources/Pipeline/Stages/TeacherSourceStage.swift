import Artifacts
import Foundation

/// `teachers` of a pipeline that takes them from another (`teachers: {from: other.yaml}`):
/// nothing is trained or copied. The stage records the other pipeline's member files with their
/// hashes in `teachers/from.json`; soft targets, transfer and evaluation read the members where
/// they are, and the lock keeps their hashes as inputs, so retrained members make those stale.
public struct TeacherSourceStage {
    public let context: StageContext
    public let source: TeacherSource
    public init(context: StageContext, source: TeacherSource) { self.context = context; self.source = source }

    /// Writes `teachers/from.json`.
    public func run(hasher: FileHasher) throws {
        let spec = context.spec, other = source.pipeline
        let otherLayout = ArtifactLayout(root: other.artifactsDirectory)
        var members: [TeacherSourceFile.Member] = []
        for (teacher, k) in spec.teacherMembers {
            let path = spec.teacherMemberFile(task: teacher.task, member: k)
            guard let hash = try hasher.hash(path) else { throw ArtifactError(path: path, "is missing") }
            members.append(.init(name: "\(teacher.task)/member-\(k)", path: otherLayout.relative(path), sha256: hash.sha256, size: hash.size))
        }
        // Relative, so the two folders can move together ("../census-income-gbdt").
        let artifacts = StageChecker.relativePath(other.artifactsDirectory, from: context.layout.root)
        try TeacherSourceFile(pipeline: other.name, artifacts: artifacts, members: members).write(to: context.layout.teachersFrom)
        for task in spec.teacherTasks {
            let groups = spec.teachers.filter { $0.task == task }
            let kinds = Array(Set(groups.map(\.kind.rawValue))).sorted().joined(separator: "/")
            context.console.info("  \(task): \(groups.reduce(0) { $0 + $1.members }) \(kinds) members of \(other.name), nothing trained")
        }
        context.console.info("  in \(PrepareStage.display(other.artifactsDirectory)), recorded in \(context.layout.relative(context.layout.teachersFrom))")
    }

    /// Why the other pipeline's teachers cannot be used now (nil: they can): they must be up to
    /// date in its lock, on a dataset that is up to date too. The message ends with what to run.
    public static func problem(_ source: TeacherSource, hasher: FileHasher = FileHasher()) throws -> String? {
        let other = source.pipeline
        let layout = ArtifactLayout(root: other.artifactsDirectory)
        let lock: LockFile?
        do { lock = try LockFile.read(from: layout.lock) } catch is JSONArtifact.OlderVersion { lock = nil }
        let checker = StageChecker(layout: layout, hasher: hasher, pipelineFile: other.file)
        let definitions = StageDefinition.all(other)
        let prepare = try checker.state(of: definitions.first { $0.name == .prepare }!, lock: lock)
        let teachers = try checker.state(of: definitions.first { $0.name == .teachers }!, lock: lock)
        if prepare == .upToDate && teachers == .upToDate { return nil }
        let state: String
        switch (teachers, prepare) {
        case (.neverRun, _): state = "have not been trained"
        case (.stale(let reasons), _): state = "are not up to date (\(reasons.prefix(2).joined(separator: "; "))\(reasons.count > 2 ? "; …" : ""))"
        case (_, .stale(let reasons)):
            state = "were trained on data that changed since (\(reasons.prefix(2).joined(separator: "; "))\(reasons.count > 2 ? "; …" : ""))"
        default: state = "were trained on data that is no longer recorded"
        }
        let run = "`mtkd run \(source.command) --only teachers`"
        let commands = prepare == .upToDate ? run : "`mtkd run \(source.command) --only prepare`, then \(run)"
        return "the teachers of \(other.name), which this pipeline uses, \(state): run \(commands) first"
    }
}

/// The teachers of the pipeline this one takes them from cannot be used now (exit 1).
public struct TeacherSourceError: Error, LocalizedError {
    public var message: String
    public var errorDescription: String? { message }
}
