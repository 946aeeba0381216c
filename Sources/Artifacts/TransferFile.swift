import Foundation
import HDF5
import MultiTask
import Tensor

/// `transfer.h5`: extra inputs (augmented copies of the training rows) and every teacher
/// member's outputs on them; students with `transfer: true` learn the teachers' targets there.
///
/// ```
/// /                         attrs mtkd_format="transfer", mtkd_version, multiplier, noise, resample,
///                                 munge, mixup, tasks
/// /transfer/x               (R, F) f32   encoded inputs, as data/dataset.h5's /train/x (chunked, shuffle+deflate)
/// /transfer/source_row      (R) i32      the training row (index into /train) each row was made from
/// /<task>/member-<k>        (R, C) f32   member k's logits (classification) or prediction in label units
///                           attrs on /<task>: kind, members
/// ```
/// Rows are written a block at a time, so the file never has to fit in memory.
public enum TransferFile {
    public static let format = "transfer"

    /// One task's teacher outputs on the transfer rows.
    public struct Task: Sendable {
        public var name: String
        public var kind: TaskHead.Kind
        /// K members' outputs, each (R, C).
        public var members: [Matrix]
    }

    /// An open file being written; `append` adds a block of rows.
    public final class Writer {
        let file: H5File
        let x: H5Dataset, source: H5Dataset
        let outputs: [[H5Dataset]]
        public private(set) var rows = 0

        init(file: H5File, x: H5Dataset, source: H5Dataset, outputs: [[H5Dataset]]) {
            self.file = file; self.x = x; self.source = source; self.outputs = outputs
        }

        /// Appends `block` (n, F) with its source rows and, per task (in the writer's order) and
        /// member, its (n, C) outputs.
        public func append(_ block: Matrix, sourceRows: [Int32], outputs perTask: [[Matrix]]) throws {
            let range = rows..<(rows + block.rows)
            try x.writeRows(range, block.storage)
            try source.writeRows(range, sourceRows)
            for (t, members) in perTask.enumerated() {
                for (k, m) in members.enumerated() { try outputs[t][k].writeRows(range, m.storage) }
            }
            rows = range.upperBound
        }
    }

    /// Writes `transfer.h5` atomically: `fill` appends exactly `rows` rows through the writer.
    public static func write(to path: String, rows: Int, features: Int, attributes: [String: Double],
                             tasks: [(name: String, kind: TaskHead.Kind, members: Int, outputs: Int)],
                             fill: (Writer) throws -> Void) throws {
        try AtomicWrite.write(to: path) { temp in
            let file = try H5File.create(temp)
            let root = file.root
            try ArtifactHeader.write(root, format: format)
            for key in attributes.keys.sorted() { try root.attributes.set(key, .double(attributes[key]!)) }
            try root.attributes.set("tasks", .strings(tasks.map(\.name)))
            let g = try root.createGroup("transfer")
            let x = try g.createDataset("x", type: .float32, shape: [rows, features],
                                        chunks: PreparedDataset.rowChunks(rows: rows, cols: features),
                                        compression: H5Compression(shuffle: true, deflateLevel: 1))
            try x.attributes.set("description", .string("augmented copies of training rows, encoded as data/dataset.h5's /train/x"))
            let source = try g.createDataset("source_row", type: .int32, shape: [rows], chunks: [max(1, min(rows, 65_536))])
            try source.attributes.set("description", .string("the training row (index into /train of data/dataset.h5) each row was made from"))
            var outputs: [[H5Dataset]] = []
            for t in tasks {
                let tg = try root.createGroup(t.name)
                try tg.attributes.set("kind", .string(t.kind.rawValue))
                try tg.attributes.set("members", .int(Int64(t.members)))
                outputs.append(try (0..<t.members).map { k in
                    let d = try tg.createDataset("member-\(k)", type: .float32, shape: [rows, t.outputs],
                                                 chunks: PreparedDataset.rowChunks(rows: rows, cols: t.outputs), compression: .shuffleDeflate)
                    try d.attributes.set("description", .string(t.kind == .classification
                        ? "member \(k)'s logits (transfer row, class) at temperature 1" : "member \(k)'s prediction (transfer row, 1) in label units"))
                    return d
                })
            }
            let writer = Writer(file: file, x: x, source: source, outputs: outputs)
            try fill(writer)
            guard writer.rows == rows else { throw ArtifactError(path: path, "\(writer.rows) transfer rows written, \(rows) expected") }
            try file.close()
        }
        BlockCache.shared.invalidate(path: path)
        DecodedSpill.shared.invalidate(path: path)
    }

    /// Every task's member outputs (small: the inputs stay on disk and stream through `SplitRows`).
    public static func readOutputs(from path: String) throws -> [Task] {
        let file = try H5File.open(path)
        let root = file.root
        try ArtifactHeader.check(root, format: format, path: path)
        return try root.attributes.strings("tasks").map { name in
            let g = try root.group(name)
            guard let kind = TaskHead.Kind(rawValue: try g.attributes.string("kind")) else {
                throw ArtifactError(path: path, "/\(name) has an unknown kind")
            }
            let members = try (0..<Int(try g.attributes.int("members"))).map { k -> Matrix in
                let d = try g.dataset("member-\(k)")
                guard d.shape.count == 2 else { throw ArtifactError(path: path, "/\(name)/member-\(k) is not a matrix") }
                return Matrix(rows: d.shape[0], cols: d.shape[1], storage: try d.read(Float.self))
            }
            return Task(name: name, kind: kind, members: members)
        }
    }
}
