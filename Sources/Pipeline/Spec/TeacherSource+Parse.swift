import Artifacts
import Foundation

/// `teachers: {from: other.yaml, tasks: [income]}`: another pipeline's teachers, used as they
/// are in its artifacts folder. Read with the rest of the file; the other file is read, and
/// checked against this one, once this one is valid (`resolve`).
struct SpecTeacherSourceDraft {
    /// The other pipeline file as written.
    let written: String
    /// Absolute.
    let path: String
    /// The tasks taken, with the nodes that name them; nil: every teacher of the other pipeline.
    let tasks: [(name: String, node: SpecNode)]?
    /// The `from:` node.
    let node: SpecNode

    /// The source, when `node` is a mapping whose `from:` is a string (a task named `from`
    /// would have settings: a mapping, a list or nothing); nil otherwise.
    static func read(_ node: SpecNode, baseDirectory: String) throws -> SpecTeacherSourceDraft? {
        guard case .mapping = node.node else { return nil }
        var isSource = false
        try node.forEachEntry(keys: nil) { key, value in
            if key == "from", case .scalar = value.node, !value.isNull { isSource = true }
        }
        guard isSource else { return nil }
        var written = "", fromNode: SpecNode?
        var tasks: [(name: String, node: SpecNode)]?
        try node.forEachEntry(keys: nil) { key, value in
            switch key {
            case "from":
                written = try value.nonEmptyString("a pipeline file")
                fromNode = value
            case "tasks":
                let items = try value.items(of: "task names")
                guard !items.isEmpty else { throw value.error("list at least one task, or leave tasks out to take every teacher") }
                var names: [(name: String, node: SpecNode)] = []
                for item in items {
                    let name = try SpecDraft.identifier(item)
                    guard !names.contains(where: { $0.name == name }) else { throw item.error("task '\(name)' is listed twice") }
                    names.append((name, item))
                }
                tasks = names
            default:
                throw value.error("with `from:` every teacher comes from that pipeline, so `\(key)` cannot be set here "
                                  + "(teachers.from takes: from, tasks); to train teachers here, remove `from:`")
            }
        }
        return SpecTeacherSourceDraft(written: written, path: SpecPaths.absolute(written, base: baseDirectory), tasks: tasks, node: fromNode!)
    }

    /// Reads the other pipeline file and checks that its teachers can serve `spec`: it is
    /// another pipeline with its own artifacts folder and teachers of its own, for the tasks
    /// taken, and it prepares the same dataset (same prepare parameters, same data files or
    /// files of the same content), which its members learned from.
    ///
    /// - Parameters:
    ///   - artifactsRoot: the `--artifacts` override as given (it applies to the other pipeline too).
    ///   - load: reads a pipeline file without resolving its own `teachers.from`; returns the
    ///     spec and that `from:` as written, if any.
    func resolve(for spec: PipelineSpec, artifactsRoot: String?,
                 load: (_ path: String) throws -> (spec: PipelineSpec, from: String?)) throws -> TeacherSource {
        guard path != spec.file else { throw node.error("a pipeline cannot take its teachers from itself") }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue else {
            throw node.error(isFolder.boolValue ? "\(path) is a folder, not a pipeline file" : "no such file: \(path)")
        }
        let (other, chained) = try load(Self.display(path))
        if let chained {
            throw node.error("\(written) takes its teachers from \(chained) itself: take them from that pipeline directly")
        }
        guard !other.teachers.isEmpty else { throw node.error("\(written) (pipeline \(other.name)) has no teachers") }
        guard other.artifactsDirectory != spec.artifactsDirectory else {
            throw node.error("\(written) keeps its artifacts in \(Self.display(other.artifactsDirectory)), as this pipeline does: "
                             + "give this pipeline a name of its own")
        }
        let offered = other.teacherTasks
        for task in tasks ?? [] where !offered.contains(task.name) {
            throw task.node.error("\(written) has no teacher for task '\(task.name)'; its teachers are for: \(offered.joined(separator: ", "))")
        }
        try checkSameData(spec, other)
        let taken = tasks.map { t in offered.filter { name in t.contains { $0.name == name } } } ?? offered
        let command = Self.display(path) + (artifactsRoot.map { " --artifacts \($0)" } ?? "")
        return TeacherSource(pipeline: other, tasks: taken, command: command, file: node.source.file, line: node.line)
    }

    /// Throws unless `other` prepares the dataset `spec` prepares.
    private func checkSameData(_ spec: PipelineSpec, _ other: PipelineSpec) throws {
        let mine = StageDefinition.prepareParams(spec), theirs = StageDefinition.prepareParams(other)
        let differences = Set(mine.keys).union(theirs.keys).sorted().filter { mine[$0] != theirs[$0] }.map {
            "\($0) is \(mine[$0] ?? "(none)") here, \(theirs[$0] ?? "(none)") there"
        }
        let advice = "its teachers learned from the dataset it prepares, so the seed and the data and tasks sections must be the same"
        if !differences.isEmpty {
            let shown = differences.prefix(3).joined(separator: "; ") + (differences.count > 3 ? "; …" : "")
            throw node.error("\(written) prepares other data (\(shown)): \(advice)")
        }
        let myFiles = StageDefinition.dataFiles(spec.data.source), theirFiles = StageDefinition.dataFiles(other.data.source)
        let hasher = FileHasher()
        for (a, b) in zip(myFiles, theirFiles) where a != b {
            guard let ha = try hasher.hash(a), let hb = try hasher.hash(b), ha == hb else {
                throw node.error("\(written) reads other data (\(Self.display(a)) here, \(Self.display(b)) there, "
                                 + "with other content): \(advice)")
            }
        }
    }

    /// A path as a user types it: relative to the working directory when inside it.
    static func display(_ path: String) -> String {
        let cwd = SpecPaths.normalized(SpecPaths.currentDirectory)
        let prefix = cwd.hasSuffix("/") ? cwd : cwd + "/"
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
    }
}
