import Artifacts
import Foundation
import HDF5

/// A one-line summary of any file in an artifacts folder: its kind and the headline fact,
/// from attributes and dataset shapes only (no data is read), so listing a folder stays cheap.
struct FileHeadline {
    /// "dataset", "soft-targets", "model", "checkpoint", "lock", "timings", "metrics", "report",
    /// "run-lock", "teacher-source", "debris", "hdf5" (not mtkd) or "file".
    var kind: String
    var headline: String

    /// - Parameters:
    ///   - path: the file on disk.
    ///   - relative: its path inside the artifacts folder.
    static func describe(path: String, relative: String) -> FileHeadline {
        let name = (relative as NSString).lastPathComponent
        if relative.contains(AtomicWrite.marker) {
            return FileHeadline(kind: "debris", headline: "debris of an interrupted write")
        }
        switch name {
        case "mtkd.lock":
            guard let lock = try? LockFile.read(from: path) else { return FileHeadline(kind: "lock", headline: "unreadable lock file") }
            return FileHeadline(kind: "lock", headline: "\(lock.stages.count) stage\(lock.stages.count == 1 ? "" : "s") recorded")
        case "timings.json":
            guard let timings = try? Timings.read(from: path) else { return FileHeadline(kind: "timings", headline: "unreadable timings file") }
            let total = timings.stages.values.reduce(0) { $0 + $1.seconds }
            return FileHeadline(kind: "timings", headline: "\(timings.stages.count) stage\(timings.stages.count == 1 ? "" : "s"), \(Format.duration(total)) in all")
        case "from.json" where relative == "teachers/from.json":
            guard let source = try? TeacherSourceFile.read(root: ((path as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent) else {
                return FileHeadline(kind: "teacher-source", headline: "unreadable teacher source file")
            }
            let n = source.members.count
            return FileHeadline(kind: "teacher-source", headline: "\(n) teacher member\(n == 1 ? "" : "s") of \(source.pipeline), in \(source.artifacts)")
        case ".mtkd-run.lock":
            let owner = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            return FileHeadline(kind: "run-lock", headline: owner.isEmpty ? "run lock" : "run lock, last taken by \(owner)")
        default:
            break
        }
        if name == "metrics.json", let report = try? EvaluationReport.read(from: path) {
            return FileHeadline(kind: "metrics", headline: "\(report.models.count) models evaluated on the \(report.split) split")
        }
        if name.hasSuffix(".md") { return FileHeadline(kind: "report", headline: "Markdown report") }
        if name.hasSuffix(".html") { return FileHeadline(kind: "report", headline: "HTML report") }
        guard H5File.isHDF5(path) else { return FileHeadline(kind: "file", headline: "") }
        let file: H5File
        do { file = try H5File.open(path) } catch {
            return FileHeadline(kind: "hdf5", headline: "unreadable: \(HDF5Tree.describe(error))")
        }
        return describe(hdf5: file)
    }

    /// The headline of an open HDF5 file, by its `mtkd_format`.
    static func describe(hdf5 file: H5File) -> FileHeadline {
        let root = file.root
        guard let format = try? root.attributes.string("mtkd_format") else {
            return FileHeadline(kind: "hdf5", headline: "not an mtkd artifact")
        }
        let version = try? root.attributes.int("mtkd_version")
        guard version == ArtifactFormat.version else {
            return FileHeadline(kind: format, headline: "format version \(version.map(String.init) ?? "missing"), this mtkd reads \(ArtifactFormat.version)")
        }
        switch format {
        case PreparedDataset.format:
            let splits = PreparedDataset.splitNames.compactMap { s -> DatasetMeaning.Split? in
                guard let rows = try? root.dataset("\(s)/x").shape.first else { return nil }
                return DatasetMeaning.Split(name: s, rows: rows)
            }
            let features = (try? root.dataset("features/name").shape.first) ?? 0
            let tasks = (try? root.group("tasks").attributes.strings("order").count) ?? 0
            return FileHeadline(kind: format, headline: DatasetMeaning.headline(splits: splits, features: features, tasks: tasks))
        case SoftTargetsFile.format:
            let names = (try? root.attributes.strings("tasks")) ?? []
            var rows: Int?
            let tasks = names.map { name -> (name: String, members: Int) in
                let group = try? root.group(name)
                if rows == nil { rows = (try? group?.dataset("probs").shape.first) ?? (try? group?.dataset("mean").shape.first) }
                return (name, Int((try? group?.attributes.int("members")) ?? 0))
            }
            return FileHeadline(kind: format, headline: SoftTargetsMeaning.headline(
                temperature: try? root.attributes.double("temperature"), combine: try? root.attributes.string("combine"),
                tasks: tasks, rows: rows))
        case ModelFile.format where (try? root.attributes.string("kind")) == GBDTMemberFile.kind:
            return FileHeadline(kind: format, headline: BoostedMeaning.headline(
                trees: (try? root.attributes.int("trees")).map(Int.init), nodes: (try? root.attributes.int("nodes")).map(Int.init),
                bestIteration: (try? root.attributes.int("best_iteration")).map(Int.init),
                rounds: (try? root.attributes.int("rounds")).map(Int.init)))
        case ModelFile.format:
            return FileHeadline(kind: format, headline: ModelMeaning.headline(
                parameters: (try? root.attributes.int("parameter_count")).map(Int.init),
                bestEpoch: (try? root.attributes.int("best_epoch")).map(Int.init),
                epochs: try? root.dataset("history/epoch").shape.first))
        case ModelFile.checkpointFormat:
            return FileHeadline(kind: format, headline: CheckpointMeaning.headline(
                name: try? root.attributes.string("name"),
                epoch: (try? root.group("state").attributes.int("epoch")).map(Int.init)))
        default:
            return FileHeadline(kind: "hdf5", headline: "unknown mtkd_format '\(format)'")
        }
    }
}
