import Artifacts
import Foundation
import HDF5
import MultiTask

/// `mtkd inspect`: what any mtkd artifact holds and what it means.
public enum Inspector {
    /// Inspects a file or an artifacts folder.
    ///
    /// - A folder: the stages of its lock, whether outputs still match, metrics, every file.
    /// - An HDF5 file: its tree, plus its meaning when `/` carries `mtkd_format`
    ///   ("dataset", "soft-targets", "model", "checkpoint").
    /// - Throws: `InspectError` only — a missing path, a file that is not HDF5, an unreadable
    ///   (e.g. truncated) file, an mtkd file of another version or with missing pieces.
    static func describe(mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFIFO: return "a named pipe"
        case S_IFSOCK: return "a socket"
        case S_IFCHR, S_IFBLK: return "a device"
        default: return "a special file"
        }
    }

    public static func inspect(path: String) throws -> Inspection {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw InspectError.notFound(path: path)
        }
        if isDirectory.boolValue {
            return Inspection(path: path, kind: .folder, folder: try FolderMeaning(root: path))
        }
        // A FIFO, socket or device would block or never end: only regular files are read.
        var info = stat()
        if stat(path, &info) == 0, info.st_mode & S_IFMT != S_IFREG {
            throw InspectError.notReadable(path: path, reason: "not a regular file (\(describe(mode: info.st_mode))); inspect reads artifact files and folders")
        }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw InspectError.notReadable(path: path, reason: "permission denied")
        }
        guard H5File.isHDF5(path) else { throw InspectError.notHDF5(path: path, hint: hint(forNonHDF5: path)) }
        if FileSeal.isSealed(path) {
            do { try FileSeal.verify(path) } catch let e as ArtifactError {
                throw InspectError.unreadable(path: path, reason: e.message)
            }
        }
        let file: H5File
        let tree: HDF5Tree
        do {
            file = try H5File.open(path)
            tree = try HDF5Tree.read(file)
        } catch {
            throw InspectError.unreadable(path: path, reason: HDF5Tree.describe(error))
        }
        let root = tree.node("/")
        guard let formatValue = root?.attribute("mtkd_format") else {
            return Inspection(path: path, kind: .hdf5, tree: tree,
                              notes: ["not an mtkd artifact: / has no mtkd_format attribute, so only the HDF5 tree is shown"])
        }
        if formatValue.string == PredictionsFile.format {
            let model = root?.attribute("model")?.string ?? "?", input = root?.attribute("input")?.string ?? "?"
            return Inspection(path: path, kind: .hdf5, tree: tree,
                              notes: ["predictions of \(model) on \(input) (mtkd predict --output): per task probabilities and class, or value, one row per input row"])
        }
        guard let format = formatValue.string, knownFormats.contains(format) else {
            return Inspection(path: path, kind: .hdf5, tree: tree,
                              notes: ["mtkd_format is \(formatValue.text()), not one this mtkd knows (\(knownFormats.joined(separator: ", "))); only the HDF5 tree is shown"])
        }
        let version = root?.attribute("mtkd_version")?.int
        guard version == ArtifactFormat.version else {
            throw InspectError.unsupportedVersion(path: path, format: format, found: version, expected: ArtifactFormat.version)
        }
        try? file.close()  // the Artifacts readers open their own handle; a failed close of a read-only file loses nothing
        if format == ModelFile.format || format == ModelFile.checkpointFormat,
           let json = root?.attribute("blueprint")?.string,
           let blueprint = try? JSONDecoder().decode(NetworkBlueprint.self, from: Data(json.utf8)),
           let problem = problem(with: blueprint) {
            throw InspectError.invalidArtifact(path: path, format: format, detail: "the blueprint attribute describes no network that can be built: \(problem)")
        }
        return try readMeaning(path: path, format: format, tree: tree)
    }

    /// What makes a blueprint (read from a file) impossible to build, or nil when it is sound.
    /// Checked before the network is rebuilt to read the parameters, whose constructors trap on such input.
    static func problem(with blueprint: NetworkBlueprint) -> String? {
        let maximumWeights = 1 << 31
        if blueprint.tasks.isEmpty { return "it has no tasks" }
        if Set(blueprint.tasks.map(\.name)).count != blueprint.tasks.count { return "task names repeat" }
        if let task = blueprint.tasks.first(where: { $0.kind == .classification ? $0.outputs < 2 : $0.outputs != 1 }) {
            return "task \(task.name) has \(task.outputs) outputs"
        }
        if blueprint.inputs < 0 { return "\(blueprint.inputs) inputs" }
        if let width = blueprint.hidden.first(where: { $0 < 1 }) { return "hidden width \(width)" }
        if !(0..<1).contains(blueprint.dropout) { return "dropout \(blueprint.dropout) outside [0, 1)" }
        if !(blueprint.lambda >= 0) { return "λ \(blueprint.lambda) below 0" }
        let widths = [blueprint.inputs] + blueprint.hidden + [blueprint.tasks.map(\.outputs).max() ?? 1]
        for (a, b) in zip(widths, widths.dropFirst()) where a.multipliedReportingOverflow(by: b).overflow || a * b > maximumWeights {
            return "a \(a) × \(b) weight matrix is too large"
        }
        return nil
    }

    /// The `mtkd_format` values this mtkd reads.
    public static let knownFormats = [PreparedDataset.format, SoftTargetsFile.format, ModelFile.format, ModelFile.checkpointFormat]

    /// Reads the file again through its Artifacts schema; any failure names what is missing or wrong.
    static func readMeaning(path: String, format: String, tree: HDF5Tree) throws -> Inspection {
        do {
            switch format {
            case PreparedDataset.format:
                return Inspection(path: path, kind: .dataset, tree: tree, dataset: DatasetMeaning(try PreparedDataset.read(from: path)))
            case SoftTargetsFile.format:
                let targets = try SoftTargetsFile.read(from: path)
                let labelsPath = SoftTargetsMeaning.labelsPath(forSoftTargets: path)
                var labels: PreparedDataset?
                var labelsError: String?
                if FileManager.default.fileExists(atPath: labelsPath) {
                    do { labels = try PreparedDataset.read(from: labelsPath) } catch {
                        labelsError = "labels not readable: \(describe(error, file: labelsPath))"
                    }
                }
                let split = tree.node("/")?.attribute("split")?.string
                return Inspection(path: path, kind: .softTargets, tree: tree,
                                  softTargets: SoftTargetsMeaning(targets, split: split, labels: labels, labelsPath: labelsPath,
                                                                  labelsError: labelsError))
            case ModelFile.format where tree.node("/")?.attribute("kind")?.string == GBDTMemberFile.kind:
                return Inspection(path: path, kind: .model, tree: tree, boosted: BoostedMeaning(try GBDTMemberFile.read(from: path)))
            case ModelFile.format:
                return Inspection(path: path, kind: .model, tree: tree, model: ModelMeaning(try ModelFile.read(from: path)))
            default:
                let (model, state) = try CheckpointFile.read(from: path)
                return Inspection(path: path, kind: .checkpoint, tree: tree, model: ModelMeaning(model),
                                  checkpoint: CheckpointMeaning(state))
            }
        } catch let error as InspectError {
            throw error
        } catch {
            throw InspectError.invalidArtifact(path: path, format: format, detail: describe(error, file: path))
        }
    }

    /// What went wrong reading `file`, without repeating the file's path:
    /// "group /history is missing", "attribute 'best_epoch' of / is missing", …
    static func describe(_ error: Error, file: String) -> String {
        if let h5 = error as? H5Error {
            let prefix = file + ":"
            let object = h5.path.hasPrefix(prefix) ? String(h5.path.dropFirst(prefix.count)) : h5.path
            let absent = ["doesn't exist", "does not exist", "not found", "no attribute named"].contains { h5.message.contains($0) }
            if absent {
                if h5.operation == "open group" { return "group \(object) is missing" }
                if h5.operation == "open dataset" { return "dataset \(object) is missing" }
                if h5.operation.hasPrefix("read attribute") {
                    let name = h5.operation.dropFirst("read attribute ".count)
                    return "attribute \(name) of \(object) is missing"
                }
            }
            return "cannot \(h5.operation) \(object): \(h5.message)"
        }
        if let artifact = error as? ArtifactError {
            return artifact.path == file ? artifact.message : "\(artifact.path): \(artifact.message)"
        }
        return FileSystemError.message(error)
    }

    /// What a non-HDF5 file is when mtkd knows (its JSON artifacts), for the error message.
    static func hint(forNonHDF5 path: String) -> String? {
        let folder = (path as NSString).deletingLastPathComponent
        switch (path as NSString).lastPathComponent {
        case "mtkd.lock", "timings.json":
            return "it is a JSON file of an artifacts folder; inspect the folder: mtkd inspect \(folder.isEmpty ? "." : folder)"
        case "metrics.json":
            let parent = (folder as NSString).deletingLastPathComponent
            return "it is the JSON metrics of an artifacts folder; inspect the folder: mtkd inspect \(parent.isEmpty ? "." : parent)"
        default:
            return nil
        }
    }
}
