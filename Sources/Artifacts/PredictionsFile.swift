import Foundation
import HDF5
import MultiTask

/// `mtkd predict --output OUT.h5`: predictions, one row per input row, written block by block.
///
/// ```
/// /                          attrs mtkd_format="predictions", mtkd_version, model, input, tasks (order)
/// /<task>/probabilities      (N, C) f32   classification: class probabilities; attr classes
/// /<task>/class              (N) i32      classification: index of the predicted class (first largest probability)
/// /<task>/value              (N) f32      regression: the prediction in label units
/// /keep/<column>             (N) string   input columns carried through (--keep), attr column (the name)
/// ```
/// Datasets are chunked and extendable along rows. The file appears under its name only when
/// complete (written under a temporary name, renamed by `finish`).
public final class PredictionsFile {
    public static let format = "predictions"

    public struct Task: Equatable, Sendable {
        public var name: String
        public var kind: TaskHead.Kind
        public var classes: [String]
        public init(name: String, kind: TaskHead.Kind, classes: [String]) { self.name = name; self.kind = kind; self.classes = classes }
    }

    public let path: String
    private let temp: String
    private var file: H5File?
    private let tasks: [Task]
    /// Per task: probabilities and class (classification) or value (regression).
    private var outputs: [(main: H5RowAppender, classes: H5RowAppender?)] = []
    private var kept: [H5RowAppender] = []
    private var finished = false

    /// Creates the (temporary) file with empty datasets.
    public init(path: String, tasks: [Task], keep: [String], model: String, input: String) throws {
        self.path = path
        self.tasks = tasks
        let url = URL(fileURLWithPath: path)
        temp = (url.deletingLastPathComponent().path as NSString)
            .appendingPathComponent("\(AtomicWrite.marker)\(getpid())-\(url.lastPathComponent)")
        if FileManager.default.fileExists(atPath: temp) { try FileManager.default.removeItem(atPath: temp) }
        let file = try H5File.create(temp)
        self.file = file
        let root = file.root
        try ArtifactHeader.write(root, format: Self.format)
        try root.attributes.set("model", .string(model))
        try root.attributes.set("input", .string(input))
        try root.attributes.set("tasks", .strings(tasks.map(\.name)))
        for task in tasks {
            let g = try root.createGroup(task.name)
            if task.kind == .classification {
                let p = try H5RowAppender(g, "probabilities", type: .float32, rowShape: [task.classes.count])
                try p.attributes.set("classes", .strings(task.classes))
                outputs.append((p, try H5RowAppender(g, "class", type: .int32)))
            } else {
                outputs.append((try H5RowAppender(g, "value", type: .float32), nil))
            }
        }
        if !keep.isEmpty {
            let g = try root.createGroup("keep")
            for name in keep {
                guard !name.contains("/"), name != ".", !name.isEmpty else {
                    throw ArtifactError(path: path, "cannot keep column '\(name)' in HDF5: a dataset name cannot be empty, '.' or contain '/'")
                }
                let d = try H5RowAppender(g, name, type: .string)
                try d.attributes.set("column", .string(name))
                kept.append(d)
            }
        }
    }

    deinit {
        if !finished {
            try? file?.close()
            try? FileManager.default.removeItem(atPath: temp)
        }
    }

    /// Appends rows: per task (N, C) probabilities with the predicted classes, or N values;
    /// per kept column N strings.
    public func append(outputs values: [(values: [Float], classes: [Int32])], kept columns: [[String]]) throws {
        precondition(values.count == outputs.count && columns.count == kept.count, "one entry per task and kept column")
        for (o, v) in zip(outputs, values) {
            try o.main.append(v.values)
            try o.classes?.append(v.classes)
        }
        for (d, c) in zip(kept, columns) { try d.append(strings: c) }
    }

    /// Closes the file and moves it into place.
    public func finish() throws {
        guard !finished, let file else { return }
        outputs = []
        kept = []
        try file.close()
        self.file = nil
        try AtomicWrite.syncFile(temp)
        guard rename(temp, path) == 0 else {
            throw ArtifactError(path: path, "cannot move the finished file into place: \(String(cString: strerror(errno)))")
        }
        finished = true
    }
}
