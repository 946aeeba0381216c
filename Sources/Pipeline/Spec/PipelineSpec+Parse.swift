import Artifacts
import Foundation

extension PipelineSpec {
    /// Reads and validates a pipeline file.
    ///
    /// - Parameters:
    ///   - path: the pipeline file, absolute or relative to the working directory; errors name
    ///     it as given.
    ///   - artifactsRoot: overrides the file's `artifacts:` key (relative to the working directory).
    ///   - columnsOf: gets the absolute path of a data file and returns the fields of its first
    ///     line: its column names when it has a header line (with `header: false` only their
    ///     number is used). Called once per data file, after all of them are known to exist.
    /// - Throws: `SpecError` for the first problem found; nothing is written anywhere.
    public static func load(path: String, artifactsRoot: String? = nil,
                            columnsOf: (_ path: String, _ delimiter: Character, _ header: Bool) throws -> [String]) throws -> PipelineSpec {
        var unused: String?
        return try load(path: path, artifactsRoot: artifactsRoot, columnsOf: columnsOf, nested: &unused, resolve: true)
    }

    /// Reads a pipeline file; with `resolve` false its `teachers.from` is not followed but
    /// given back in `nested` as written.
    private static func load(path: String, artifactsRoot: String?,
                             columnsOf: (_ path: String, _ delimiter: Character, _ header: Bool) throws -> [String],
                             nested: inout String?, resolve: Bool = false) throws -> PipelineSpec {
        let absolute = SpecPaths.absolute(path)
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: absolute, isDirectory: &isFolder) else {
            throw SpecError(file: path, message: "no such file: \(absolute)")
        }
        guard !isFolder.boolValue else {
            throw SpecError(file: path, message: "\(absolute) is a folder, not a pipeline file")
        }
        let bytes: Data
        do { bytes = try Data(contentsOf: URL(fileURLWithPath: absolute)) } catch {
            throw SpecError(file: path, message: "cannot read \(absolute): \(FileSystemError.reason(error) ?? "\(error)")")
        }
        guard let yaml = String(data: bytes, encoding: .utf8) else {
            throw SpecError(file: path, message: "the file is not UTF-8 text")
        }
        return try parse(yaml: yaml, file: path, baseDirectory: (absolute as NSString).deletingLastPathComponent,
                         artifactsRoot: artifactsRoot, columnsOf: columnsOf, nested: &nested, resolve: resolve)
    }

    /// `load(path:artifactsRoot:columnsOf:)` without resolving the file's `teachers.from`;
    /// returns that `from:` as written instead (for reading the pipeline another one takes its teachers from).
    static func loadWithoutSource(path: String, artifactsRoot: String?,
                                  columnsOf: (_ path: String, _ delimiter: Character, _ header: Bool) throws -> [String]) throws -> (spec: PipelineSpec, from: String?) {
        var from: String?
        let spec = try load(path: path, artifactsRoot: artifactsRoot, columnsOf: columnsOf, nested: &from)
        return (spec, from)
    }

    /// Validates the text of a pipeline file.
    ///
    /// Problems inside the file are reported in file order; then references between sections
    /// (task names, feature and label columns); then whether the networks fit in memory; then
    /// the data files and their columns.
    ///
    /// - Parameters:
    ///   - yaml: the file's text.
    ///   - file: the file's name for messages, as the user gave it. `PipelineSpec.file` is this
    ///     path if absolute, otherwise `baseDirectory` joined with its last component.
    ///   - baseDirectory: the pipeline file's folder; relative paths in the file are resolved against it.
    ///   - artifactsRoot, columnsOf: as for `load(path:artifactsRoot:columnsOf:)`.
    public static func parse(yaml: String, file: String, baseDirectory: String, artifactsRoot: String? = nil,
                             columnsOf: (_ path: String, _ delimiter: Character, _ header: Bool) throws -> [String]) throws -> PipelineSpec {
        var unused: String?
        return try parse(yaml: yaml, file: file, baseDirectory: baseDirectory, artifactsRoot: artifactsRoot, columnsOf: columnsOf,
                         nested: &unused, resolve: true)
    }

    private static func parse(yaml: String, file: String, baseDirectory: String, artifactsRoot: String?,
                              columnsOf: (_ path: String, _ delimiter: Character, _ header: Bool) throws -> [String],
                              nested: inout String?, resolve: Bool) throws -> PipelineSpec {
        let base = SpecPaths.absolute(baseDirectory)
        guard let root = try YAMLReader.read(yaml, file: file) else {
            throw SpecError(file: file, message: "the file holds no settings; a pipeline needs at least name, data and tasks")
        }
        let draft = try SpecDraft(root: root, baseDirectory: base)
        try draft.checkReferences()
        try draft.checkMemory()
        try draft.checkDataFiles(columnsOf: columnsOf)
        let absoluteFile = file.hasPrefix("/")
            ? SpecPaths.normalized(file)
            : SpecPaths.absolute((file as NSString).lastPathComponent, base: base)
        let artifacts = artifactsRoot.map { SpecPaths.absolute($0) }
            ?? draft.artifactsRoot
            ?? SpecPaths.absolute("artifacts")
        var spec = draft.spec(file: absoluteFile, artifactsRoot: artifacts)
        if let from = draft.teachersFrom {
            guard resolve else { nested = from.written; return spec }
            let source = try from.resolve(for: spec, artifactsRoot: artifactsRoot) { path in
                try loadWithoutSource(path: path, artifactsRoot: artifactsRoot, columnsOf: columnsOf)
            }
            spec.teacherSource = source
            spec.teachers = source.pipeline.teachers.filter { source.tasks.contains($0.task) }
        }
        return spec
    }
}

/// A pipeline file read section by section, each value checked on its own;
/// `PipelineSpec+Checks` then checks what spans sections.
struct SpecDraft {
    static let keys = ["name", "seed", "artifacts", "data", "tasks", "teachers", "soft_targets", "students", "replicates", "transfer", "executor"]

    var name: String
    var seed: UInt64
    /// From the file's `artifacts:` key, absolute; nil when not given.
    var artifactsRoot: String?
    var data: SpecDataDraft
    var tasks: [SpecTaskDraft]
    var teachers: [SpecTeacherDraft]
    /// `teachers: {from: …}`: another pipeline's teachers (then `teachers` is empty).
    var teachersFrom: SpecTeacherSourceDraft?
    var softTargets: SoftTargetSpec
    /// nil: not given, one default student.
    var students: [SpecStudentDraft]?
    /// `replicates:` for every student that does not set its own.
    var replicates = 1
    var transfer: TransferSpec?
    var transferNode: SpecNode?
    var executor = ExecutorSpec()

    /// Reads the top-level mapping.
    init(root: SpecNode, baseDirectory: String) throws {
        var name: String?, seed: UInt64 = 0, artifacts: String?
        var data: SpecDataDraft?, tasks: [SpecTaskDraft]?
        var teachers: [SpecTeacherDraft] = [], teachersFrom: SpecTeacherSourceDraft?, softTargets = SoftTargetSpec(), students: [SpecStudentDraft]?
        var replicates = 1
        var transfer: TransferSpec?, transferNode: SpecNode?
        var executor = ExecutorSpec()
        try root.forEachEntry(keys: Self.keys, expected: "a mapping of pipeline settings (name, data, tasks, …)") { key, value in
            switch key {
            case "name":
                name = try SpecDraft.identifier(value)
            case "seed":
                seed = UInt64(try value.int(in: SpecLimits.seed))
            case "artifacts":
                artifacts = SpecPaths.absolute(try value.nonEmptyString("a folder path"), base: baseDirectory)
            case "data":
                data = try SpecDataDraft(value, baseDirectory: baseDirectory)
            case "tasks":
                tasks = try SpecTaskDraft.readAll(value)
            case "teachers":
                if let source = try SpecTeacherSourceDraft.read(value, baseDirectory: baseDirectory) {
                    teachersFrom = source
                } else {
                    teachers = try SpecTeacherDraft.readAll(value)
                }
            case "soft_targets":
                softTargets = try SpecDraft.softTargets(value)
            case "students":
                students = try SpecStudentDraft.readAll(value)
            case "replicates":
                replicates = try SpecDraft.replicates(value)
            case "transfer":
                transfer = try SpecDraft.transfer(value, baseDirectory: baseDirectory)
                transferNode = value
            case "executor":
                executor = try SpecDraft.executor(value)
            default:
                break
            }
        }
        guard let name else { throw root.missing("name") }
        guard let data else { throw root.missing("data") }
        guard let tasks else { throw root.missing("tasks") }
        self.name = name; self.seed = seed; self.artifactsRoot = artifacts; self.data = data
        self.tasks = tasks; self.teachers = teachers; self.teachersFrom = teachersFrom; self.softTargets = softTargets; self.students = students
        self.replicates = replicates
        self.transfer = transfer
        self.transferNode = transferNode
        self.executor = executor
    }

    /// The validated spec: teachers in task order, the default student when none was given.
    func spec(file: String, artifactsRoot: String) -> PipelineSpec {
        let order = Dictionary(uniqueKeysWithValues: tasks.enumerated().map { ($1.spec.name, $0) })
        // Task order; a task's groups keep their file order.
        let teacherSpecs = teachers.map(\.spec).enumerated()
            .sorted { (order[$0.element.task] ?? 0, $0.offset) < (order[$1.element.task] ?? 0, $1.offset) }.map(\.element)
        var spec = PipelineSpec(name: name, file: file, artifactsRoot: artifactsRoot, seed: seed, data: data.spec,
                                tasks: tasks.map(\.spec), teachers: teacherSpecs, softTargets: softTargets,
                                students: (students?.map { s in
                                    var spec = s.spec
                                    spec.replicates = s.replicates ?? replicates
                                    return spec
                                }) ?? [{ var s = SpecStudentDraft.defaultStudent; s.replicates = replicates; return s }()])
        spec.transfer = transfer
        spec.executor = executor
        return spec
    }

    /// `replicates:` (pipeline-wide or per student).
    static func replicates(_ node: SpecNode) throws -> Int { try node.int(in: SpecLimits.replicates) }

    /// A name of a pipeline, task or student: `[A-Za-z0-9][A-Za-z0-9_.-]*`.
    static func identifier(_ node: SpecNode) throws -> String {
        let text = try node.nonEmptyString("a name")
        func isAlphanumeric(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c.isNumber) }
        guard let first = text.first, isAlphanumeric(first),
              text.allSatisfy({ isAlphanumeric($0) || $0 == "_" || $0 == "." || $0 == "-" }) else {
            throw node.error("invalid name '\(text)': use letters, digits, '_', '.' and '-', starting with a letter or digit")
        }
        return text
    }
}
