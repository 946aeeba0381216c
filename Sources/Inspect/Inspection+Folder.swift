import Artifacts
import Crypto
import Foundation

/// What a pipeline's artifacts folder (`artifacts/<pipeline>/`) holds: the stages recorded in
/// `mtkd.lock` and whether their outputs on disk still match, how long they took, the headline
/// test metrics, and every file with a one-line summary.
public struct FolderMeaning: Codable, Equatable, Sendable {
    /// An output on disk compared with what the lock recorded.
    public enum OutputState: String, Codable, Sendable {
        /// Same size and SHA-256.
        case ok
        /// Present, but its size or content differs.
        case modified
        /// Not on disk.
        case missing
    }

    public struct Output: Codable, Equatable, Sendable {
        /// Relative to the folder.
        public var path: String
        public var recordedSize: Int64
        public var recordedSHA256: String
        /// Size on disk now (nil when missing).
        public var size: Int64?
        public var state: OutputState
    }

    public struct Stage: Codable, Equatable, Sendable {
        /// "prepare", "teachers", "soft-targets", "student:<variant>", "evaluate".
        public var name: String
        public var fingerprint: String
        public var outputs: [Output]
        /// Wall-clock seconds of its last run, from timings.json.
        public var seconds: Double?
        /// ISO 8601 time its last run finished, from timings.json.
        public var finished: String?

        /// The worst state of its outputs (ok when it has none).
        public var state: OutputState {
            if outputs.contains(where: { $0.state == .missing }) { return .missing }
            if outputs.contains(where: { $0.state == .modified }) { return .modified }
            return .ok
        }
    }

    /// One task's headline test metric: the best student against the teacher ensemble.
    public struct TaskMetric: Codable, Equatable, Sendable {
        public var task: String
        /// "accuracy" (classification) or "rmse" (regression).
        public var metric: String
        public var higherIsBetter: Bool
        public var bestStudent: String?
        public var bestStudentValue: Double?
        /// Nil when the task has no teacher.
        public var teacherEnsemble: Double?
        /// Every student's value.
        public var students: [String: Double]
    }

    public struct File: Codable, Equatable, Sendable {
        /// Relative to the folder.
        public var path: String
        public var size: Int64
        /// See `FileHeadline.kind`.
        public var kind: String
        public var headline: String
    }

    /// The teachers of another pipeline this one uses (`teachers/from.json`).
    public struct TeacherSource: Codable, Equatable, Sendable {
        /// The other pipeline's name.
        public var pipeline: String
        /// Its artifacts folder, absolute.
        public var artifacts: String
        public var members: [Member]
    }

    /// One member file of another pipeline, compared with its hash in `teachers/from.json`.
    public struct Member: Codable, Equatable, Sendable {
        /// "income/member-0".
        public var name: String
        /// Absolute.
        public var path: String
        public var state: OutputState
        /// See `FileHeadline` (empty when missing).
        public var headline: String
    }

    /// From the lock or the metrics file; nil when neither exists.
    public var pipeline: String?
    /// True when mtkd.lock exists and was read.
    public var lockFound: Bool
    /// In pipeline order: prepare, teachers, soft-targets, students, evaluate.
    public var stages: [Stage]
    /// The split of report/metrics.json ("test"); nil without metrics.
    public var metricsSplit: String?
    public var metrics: [TaskMetric]
    /// Every regular file, sorted by path.
    public var files: [File]
    /// Temporary files left by interrupted writes (names containing `.partial-`).
    public var debris: [String]
    /// Training checkpoints under `checkpoints/`: training in progress or interrupted.
    public var checkpoints: [String]
    /// Problems that do not stop the inspection (unreadable lock, metrics or timings).
    public var notes: [String]
    /// Set when the teachers are another pipeline's (their files are not in this folder).
    public var teachersFrom: TeacherSource?

    /// Inspects the folder at `root`.
    public init(root: String) throws {
        let layout = ArtifactLayout(root: root)
        var notes: [String] = []

        var lock: LockFile?
        do { lock = try LockFile.read(from: layout.lock) } catch {
            notes.append(Self.message(error))
        }
        var timings = Timings()
        do { timings = try Timings.read(from: layout.timings) } catch {
            notes.append(Self.message(error))
        }
        lockFound = lock != nil
        pipeline = lock?.pipeline
        stages = (lock?.stages ?? [:]).sorted { Self.stageRank($0.key) < Self.stageRank($1.key) }.map { name, entry in
            Stage(name: name, fingerprint: entry.fingerprint,
                  outputs: entry.outputs.keys.sorted().map { Self.check(entry.outputs[$0]!, path: $0, layout: layout) },
                  seconds: timings.stages[name]?.seconds, finished: timings.stages[name]?.finished)
        }

        metrics = []
        metricsSplit = nil
        if FileManager.default.fileExists(atPath: layout.metrics) {
            do {
                let report = try EvaluationReport.read(from: layout.metrics)
                pipeline = pipeline ?? report.pipeline
                metricsSplit = report.split
                metrics = report.tasks.map { Self.headlineMetric($0, report) }
            } catch {
                notes.append(Self.message(error))
            }
        }

        let (found, complete) = try Self.regularFiles(under: root)
        if !complete {
            notes.append("listing stopped after \(Format.count(found.count)) files: is this really an artifacts folder?")
        }
        files = found.map { relative in
            let absolute = layout.path(relative)
            let size = ((try? FileManager.default.attributesOfItem(atPath: absolute))?[.size] as? NSNumber)?.int64Value ?? 0
            let headline = FileHeadline.describe(path: absolute, relative: relative)
            return File(path: relative, size: size, kind: headline.kind, headline: headline.headline)
        }
        debris = files.filter { $0.path.contains(AtomicWrite.marker) }.map(\.path)
        checkpoints = files.filter { $0.path.hasPrefix("checkpoints/") && !$0.path.contains(AtomicWrite.marker) }.map(\.path)
        if lock == nil && !notes.contains(where: { $0.contains("mtkd.lock") }) {
            let nested = files.map(\.path).filter { $0.hasSuffix("/mtkd.lock") }.map { ($0 as NSString).deletingLastPathComponent }
            if nested.isEmpty {
                notes.append("no mtkd.lock: no stage has completed here yet, or this is not an mtkd artifacts folder")
            } else {
                notes.append("no mtkd.lock here, but in \(nested.joined(separator: ", ")): inspect "
                             + (nested.count == 1 ? "that folder" : "one of those folders") + ", e.g. mtkd inspect \(layout.path(nested[0]))")
            }
        }
        do {
            if let source = try TeacherSourceFile.read(root: root) {
                let folder = source.artifactsFolder(root: root)
                teachersFrom = TeacherSource(pipeline: source.pipeline, artifacts: folder, members: source.members.map { m in
                    let path = source.path(of: m, root: root)
                    let state = Self.check(FileHash(sha256: m.sha256, size: m.size), path: m.path, layout: ArtifactLayout(root: folder)).state
                    let headline = state == .missing ? "" : FileHeadline.describe(path: path, relative: m.path).headline
                    return Member(name: m.name, path: path, state: state, headline: headline)
                })
            }
        } catch {
            notes.append(Self.message(error))
        }
        self.notes = notes
    }

    /// Pipeline order of the stage names the lock uses; unknown names last.
    static func stageRank(_ name: String) -> (Int, String) {
        switch name {
        case "prepare": return (0, name)
        case "teachers": return (1, name)
        case "soft-targets": return (2, name)
        case "evaluate": return (4, name)
        default: return (name.hasPrefix("student:") ? 3 : 5, name)
        }
    }

    /// Compares one recorded output with the file on disk (size first, then SHA-256).
    static func check(_ recorded: FileHash, path relative: String, layout: ArtifactLayout) -> Output {
        let absolute = layout.path(relative)
        var output = Output(path: relative, recordedSize: recorded.size, recordedSHA256: recorded.sha256, size: nil, state: .missing)
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: absolute),
              (attributes[.type] as? FileAttributeType) == .typeRegular else { return output }
        let size = (attributes[.size] as? NSNumber)?.int64Value ?? 0
        output.size = size
        output.state = size == recorded.size && (try? sha256(of: absolute)) == recorded.sha256.lowercased() ? .ok : .modified
        return output
    }

    /// SHA-256 of a file's content, lower-case hex, read in 4 MiB pieces.
    static func sha256(of path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw InspectError.notReadable(path: path, reason: "cannot open to hash")
        }
        defer { try? handle.close() }  // read-only handle: nothing to lose on close
        var hasher = SHA256()
        while let chunk = try handle.read(upToCount: 4 << 20), !chunk.isEmpty {
            hasher.update(data: chunk)
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// The best student and the teacher ensemble on one task's headline metric.
    static func headlineMetric(_ task: EvaluationReport.Task, _ report: EvaluationReport) -> TaskMetric {
        let regression = task.kind == "regression"
        let metric = regression ? "rmse" : "accuracy"
        let value = { (m: TaskMetrics?) -> Double? in regression ? m?.rmse : m?.accuracy }
        var students: [String: Double] = [:]
        for model in report.models where model.role == .student {
            if let v = value(model.tasks[task.name]), v.isFinite { students[model.name] = v }
        }
        let best = students.sorted { regression ? ($0.value, $0.key) < ($1.value, $1.key) : ($0.value, $1.key) > ($1.value, $0.key) }.first
        let ensemble = report.models.first { $0.role == .teacherEnsemble && $0.tasks[task.name] != nil }
        return TaskMetric(task: task.name, metric: metric, higherIsBetter: !regression, bestStudent: best?.key,
                          bestStudentValue: best?.value, teacherEnsemble: value(ensemble?.tasks[task.name]), students: students)
    }

    /// A folder listing stops after this many files (someone inspecting `/` by mistake).
    static let maximumFiles = 5_000

    /// Regular files under `root`, relative and sorted (hidden ones included; links not followed),
    /// and whether that is all of them.
    static func regularFiles(under root: String) throws -> (files: [String], complete: Bool) {
        guard FileManager.default.isReadableFile(atPath: root),
              let enumerator = FileManager.default.enumerator(atPath: root) else {
            throw InspectError.notReadable(path: root, reason: "cannot list the folder")
        }
        var files: [String] = []
        while let relative = enumerator.nextObject() as? String {
            if (enumerator.fileAttributes?[.type] as? FileAttributeType) == .typeRegular { files.append(relative) }
            if files.count >= maximumFiles { return (files.sorted(), false) }
        }
        return (files.sorted(), true)
    }

    static func message(_ error: Error) -> String {
        FileSystemError.message(error)
    }

    // MARK: - Text

    func sections(style: TextStyle) -> [[String]] {
        var out: [[String]] = []
        var overview = TextTable([.left, .left])
        overview.add("pipeline", pipeline ?? "unknown")
        out.append(overview.render(indent: 2))
        if !notes.isEmpty { out.append(notes.map { "  " + style.yellow("note: ") + $0 }) }
        if lockFound { out.append(stageLines(style: style)) }
        if !metrics.isEmpty { out.append(metricLines(style: style)) }
        if let teachersFrom { out.append(teacherSourceLines(teachersFrom, style: style)) }
        out.append(fileLines(style: style))
        if !debris.isEmpty {
            out.append([style.heading("debris of an interrupted write") + style.dim("  (temporary files; safe to delete when no run is going)")]
                       + debris.map { "  " + style.yellow($0) })
        }
        if !checkpoints.isEmpty {
            let byPath = Dictionary(files.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
            var table = TextTable([.left, .left])
            for path in checkpoints { table.add(path, byPath[path]?.headline ?? "") }
            out.append([style.heading("in progress") + style.dim("  (training checkpoints: a run was interrupted or is going)")]
                       + table.render(indent: 2))
        }
        return out
    }

    private func stageLines(style: TextStyle) -> [String] {
        let changed = stages.filter { $0.state != .ok }
        let summary = changed.isEmpty ? "all outputs match the lock"
            : "\(changed.count) stage\(changed.count == 1 ? "" : "s") with outputs changed since recorded"
        var lines = [style.heading("stages") + "  \(stages.count) recorded in mtkd.lock; " + (changed.isEmpty ? style.green(summary) : style.red(summary))]
        var table = TextTable([.left, .left, .right, .left, .right, .left])
        table.add(["stage", "fingerprint", "time", "output", "size", "state"].map { TextTable.Cell($0, paint: style.dim) })
        for stage in stages {
            let head = [TextTable.Cell(stage.name), TextTable.Cell(String(stage.fingerprint.prefix(12)), paint: style.dim),
                        TextTable.Cell(stage.seconds.map(Format.duration) ?? "—")]
            if stage.outputs.isEmpty { table.add(head + [TextTable.Cell("(no outputs)", paint: style.dim)]) }
            for (i, output) in stage.outputs.enumerated() {
                var state = output.state.rawValue
                if output.state == .modified, let size = output.size, size != output.recordedSize {
                    state += " (\(Format.count(size)) bytes, recorded \(Format.count(output.recordedSize)))"
                }
                let paint = output.state == .ok ? style.green : style.red
                table.add((i == 0 ? head : [TextTable.Cell(""), TextTable.Cell(""), TextTable.Cell("")])
                          + [TextTable.Cell(output.path), TextTable.Cell(Format.bytes(output.recordedSize)), TextTable.Cell(state, paint: paint)])
            }
        }
        lines += table.render(indent: 2)
        let total = stages.compactMap(\.seconds).reduce(0, +)
        if stages.contains(where: { $0.seconds != nil }) { lines.append("  " + style.dim("total time \(Format.duration(total)) (timings.json)")) }
        return lines
    }

    private func metricLines(style: TextStyle) -> [String] {
        var lines = [style.heading("\(metricsSplit ?? "test") metrics") + style.dim("  report/metrics.json")]
        var table = TextTable([.left, .left, .left, .right, .right])
        table.add(["task", "metric", "best student", "", "teacher ensemble"].map { TextTable.Cell($0, paint: style.dim) })
        for m in metrics {
            table.add([TextTable.Cell(m.task), TextTable.Cell(m.metric + (m.higherIsBetter ? " ↑" : " ↓")),
                       TextTable.Cell(m.bestStudent ?? "—"), TextTable.Cell(Format.metric(m.bestStudentValue)),
                       TextTable.Cell(m.teacherEnsemble.map { Format.metric($0) } ?? "no teacher", paint: m.teacherEnsemble == nil ? style.dim : nil)])
        }
        lines += table.render(indent: 2)
        return lines
    }

    private func teacherSourceLines(_ source: TeacherSource, style: TextStyle) -> [String] {
        let n = source.members.count
        var lines = [style.heading("teachers") + "  \(n) member\(n == 1 ? "" : "s") of \(source.pipeline), in \(source.artifacts)"
                     + style.dim("  (teachers/from.json: used where they are, not copied)")]
        var table = TextTable([.left, .left, .left])
        for m in source.members {
            table.add([TextTable.Cell(m.name), TextTable.Cell(m.state.rawValue, paint: m.state == .ok ? style.green : style.red),
                       TextTable.Cell(m.headline)])
        }
        lines += table.render(indent: 2)
        if source.members.contains(where: { $0.state != .ok }) {
            lines.append("  " + style.yellow("note: ") + "members changed since this pipeline recorded them: `mtkd status` says what re-runs")
        }
        return lines
    }

    private func fileLines(style: TextStyle) -> [String] {
        let total = files.reduce(Int64(0)) { $0 + $1.size }
        var lines = [style.heading("files") + "  \(files.count), \(Format.bytes(total))"]
        var table = TextTable([.left, .left, .right, .left])
        // The executors' bookkeeping (`mtkd unit`'s state and lock files, the Slurm executor's job
        // scripts, logs and record) is one line per folder; --json lists every file.
        let bookkeeping = [("units/", "state and lock files of the units (mtkd unit)"),
                           ("slurm/", "the Slurm executor's job record, batch scripts and unit logs")]
        for file in files where !bookkeeping.contains(where: { file.path.hasPrefix($0.0) }) || file.kind == "debris" {
            let paint: ((String) -> String)? = file.kind == "debris" ? style.yellow : nil
            table.add([TextTable.Cell(file.path, paint: paint), TextTable.Cell(file.kind, paint: style.cyan),
                       TextTable.Cell(Format.bytes(file.size)), TextTable.Cell(file.headline)])
        }
        for (folder, meaning) in bookkeeping {
            let inside = files.filter { $0.path.hasPrefix(folder) && $0.kind != "debris" }
            guard !inside.isEmpty else { continue }
            table.add([TextTable.Cell(folder), TextTable.Cell("\(inside.count) file\(inside.count == 1 ? "" : "s")", paint: style.cyan),
                       TextTable.Cell(Format.bytes(inside.reduce(Int64(0)) { $0 + $1.size })), TextTable.Cell(meaning)])
        }
        lines += table.render(indent: 2)
        return lines
    }
}
