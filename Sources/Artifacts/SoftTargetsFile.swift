import Foundation
import HDF5
import MultiTask
import Tensor

/// One task's teacher outputs on the training split.
public struct TaskSoftTargets: Sendable {
    public var task: String
    public var kind: TaskHead.Kind
    /// K members' raw outputs, each (N, C): logits, or (N, 1) predictions in label units (regression).
    public var memberOutputs: [Matrix]
    /// (N, C) ensemble class probabilities at the temperature, or (N, 1) mean prediction in label units.
    public var targets: Matrix
    /// Each member's best validation metric (accuracy or R²).
    public var memberValidation: [Double]
    /// K members' raw outputs on the validation split, each (N_val, C), as `memberOutputs`:
    /// what a distilled student's validation objective is measured against.
    public var validationMemberOutputs: [Matrix]

    public init(task: String, kind: TaskHead.Kind, memberOutputs: [Matrix], targets: Matrix, memberValidation: [Double],
                validationMemberOutputs: [Matrix] = []) {
        self.task = task; self.kind = kind; self.memberOutputs = memberOutputs
        self.targets = targets; self.memberValidation = memberValidation; self.validationMemberOutputs = validationMemberOutputs
    }
}

/// `soft-targets.h5`: every teacher member's outputs and the ensembles' targets.
///
/// ```
/// /                     attrs mtkd_format="soft-targets", mtkd_version, split="train",
///                             temperature, combine ("mean-probs" | "mean-logits"), tasks
/// /<task>/logits        (K, N, C) f32   classification: each member's logits (T-free: rebuild any T)
/// /<task>/probs         (N, C) f32      the ensemble's targets at the temperature
/// /<task>/predictions   (K, N, 1) f32   regression: each member's prediction, in label units
/// /<task>/mean          (N, 1) f32      regression: the members' mean prediction
/// /<task>/val_logits, /<task>/val_predictions (K, N_val, C) f32   the same members on the validation split
///                       attrs on /<task>: kind, members, member_validation
/// ```
public struct SoftTargetsFile: Sendable {
    public static let format = "soft-targets"

    public var temperature: Double
    public var combine: String
    public var tasks: [TaskSoftTargets]

    public init(temperature: Double, combine: String, tasks: [TaskSoftTargets]) {
        self.temperature = temperature; self.combine = combine; self.tasks = tasks
    }

    public func task(_ name: String) -> TaskSoftTargets? { tasks.first { $0.task == name } }

    public func write(to path: String) throws {
        let shapes = tasks.map {
            TaskShape(task: $0.task, kind: $0.kind, members: $0.memberOutputs.count, rows: $0.targets.rows,
                      validationRows: $0.validationMemberOutputs.first?.rows, outputs: $0.targets.cols,
                      memberValidation: $0.memberValidation)
        }
        try Self.write(to: path, temperature: temperature, combine: combine, tasks: shapes) { t, member, validation, rows in
            let task = tasks[t]
            let m = member.map { validation ? task.validationMemberOutputs[$0] : task.memberOutputs[$0] } ?? task.targets
            return Array(m.storage[(rows.lowerBound * m.cols)..<(rows.upperBound * m.cols)])
        }
    }

    /// One task of a file written block by block (`write(to:temperature:combine:tasks:rows:)`):
    /// its sizes, without the arrays.
    public struct TaskShape: Sendable {
        public var task: String
        public var kind: TaskHead.Kind
        public var members: Int
        /// Training rows N and validation rows (nil: no validation outputs stored).
        public var rows: Int
        public var validationRows: Int?
        /// C: classes, or 1 for regression.
        public var outputs: Int
        public var memberValidation: [Double]
        public init(task: String, kind: TaskHead.Kind, members: Int, rows: Int, validationRows: Int?, outputs: Int,
                    memberValidation: [Double]) {
            self.task = task; self.kind = kind; self.members = members; self.rows = rows
            self.validationRows = validationRows; self.outputs = outputs; self.memberValidation = memberValidation
        }
    }

    /// Writes the file atomically to `path`, asking `rows` for each array a block of rows at a
    /// time, so that no member's outputs have to exist in memory whole. The bytes are those
    /// `write(to:)` writes for the same values: the same datasets, created in the same order, their
    /// chunks stored in the same order (pieces of whole chunks, member by member).
    /// - Parameters:
    ///   - rows: `(task, member, validation, rows)` → that member's outputs (rows.count × C) on the
    ///     training (`validation` false) or validation split; `(task, nil, false, rows)` → the ensemble's targets.
    ///   - blockRows: rows asked for at a time, about (rounded down to whole chunks).
    public static func write(to path: String, temperature: Double, combine: String, tasks: [TaskShape], blockRows: Int = 131_072,
                             rows: (_ task: Int, _ member: Int?, _ validation: Bool, _ rows: Range<Int>) throws -> [Float]) throws {
        try AtomicWrite.write(to: path) { temp in
            let file = try H5File.create(temp)
            let root = file.root
            try ArtifactHeader.write(root, format: Self.format)
            try root.attributes.set("split", .string("train"))
            try root.attributes.set("temperature", .double(temperature))
            try root.attributes.set("combine", .string(combine))
            try root.attributes.set("tasks", .strings(tasks.map(\.task)))
            for (index, t) in tasks.enumerated() {
                let g = try root.createGroup(t.task)
                let (k, n, c) = (t.members, t.rows, t.outputs)
                try g.attributes.set("kind", .string(t.kind.rawValue))
                try g.attributes.set("members", .int(Int64(k)))
                try g.attributes.set("member_validation", .doubles(t.memberValidation))
                /// Rows `0..<n` in pieces of whole chunks of `chunkRows` rows.
                func pieces(_ n: Int, chunkRows: Int, _ body: (Range<Int>) throws -> Void) rethrows {
                    let step = max(1, blockRows / chunkRows) * chunkRows
                    var start = 0
                    while start < n {
                        try body(start..<min(start + step, n))
                        start += step
                    }
                }
                let chunkRows = max(1, min(max(n, 1), 65_536 / max(c, 1)))
                let (membersName, targetName) = t.kind == .classification ? ("logits", "probs") : ("predictions", "mean")
                let members = try g.createDataset(membersName, type: .float32, shape: [k, n, c], chunks: [1, chunkRows, c],
                                                  compression: .shuffleDeflate)
                for m in 0..<k {
                    try pieces(n, chunkRows: chunkRows) { r in try members.writeRows(r, ofPlane: m, try rows(index, m, false, r)) }
                }
                let targets = try g.createDataset(targetName, type: .float32, shape: [n, c], chunks: [chunkRows, c],
                                                  compression: .shuffleDeflate)
                try pieces(n, chunkRows: chunkRows) { r in try targets.writeRows(r, try rows(index, nil, false, r)) }
                if let nv = t.validationRows {
                    let chunkRows = max(1, min(max(nv, 1), 65_536 / max(c, 1)))
                    let val = try g.createDataset("val_" + membersName, type: .float32, shape: [k, nv, c], chunks: [1, chunkRows, c],
                                                  compression: .shuffleDeflate)
                    for m in 0..<k {
                        try pieces(nv, chunkRows: chunkRows) { r in try val.writeRows(r, ofPlane: m, try rows(index, m, true, r)) }
                    }
                    try val.attributes.set("description", .string("every member's outputs on the validation split (member, validation row, class), as \(membersName)"))
                }
                if t.kind == .classification {
                    try members.attributes.set("description", .string("every member's logits (member, training row, class) at temperature 1; softmax(logits / T) gives the member's targets at T"))
                    try targets.attributes.set("description", .string("the ensemble's class probabilities (training row, class) at temperature \(temperature), members combined by \(combine)"))
                } else {
                    try members.attributes.set("description", .string("every member's prediction (member, training row, 1) in label units"))
                    try targets.attributes.set("description", .string("the members' mean prediction (training row, 1) in label units"))
                }
            }
            try file.close()
        }
    }

    /// Reads a task's members' stored outputs (training or validation split) a block of rows at
    /// a time and combines them into the ensemble's targets on those rows, so that neither the
    /// members' outputs nor the targets are ever in memory whole.
    public final class TargetsReader: @unchecked Sendable {
        /// Training (or validation) rows N and outputs C.
        public let rows: Int, outputs: Int
        private let dataset: H5Dataset
        private let members: Int
        private let combine: ([Matrix]) -> Matrix
        private let lock = NSLock()

        /// Nil when the file has no such task (or, for `validation`, no validation outputs).
        /// - Parameter combine: the members' outputs on some rows (each (rows, C)) → the targets
        ///   on those rows, row by row.
        public init?(path: String, task: String, validation: Bool, combine: @escaping ([Matrix]) -> Matrix) throws {
            let file = try H5File.open(path)
            let root = file.root
            try ArtifactHeader.check(root, format: SoftTargetsFile.format, path: path)
            guard try root.attributes.strings("tasks").contains(task) else { return nil }
            let g = try root.group(task)
            let kind = try g.attributes.string("kind")
            let name = (validation ? "val_" : "") + (kind == TaskHead.Kind.classification.rawValue ? "logits" : "predictions")
            guard g.contains(name) else { return nil }
            // No chunk cache: blocks come in random order, so a chunk kept would rarely be read again.
            let d = try g.dataset(name, chunkCacheBytes: 0)
            guard d.shape.count == 3, d.shape[0] > 0 else {
                throw ArtifactError(path: path, "/\(task)/\(name) has shape \(d.shape), expected (K, N, C)")
            }
            dataset = d
            (members, rows, outputs) = (d.shape[0], d.shape[1], d.shape[2])
            self.combine = combine
        }

        /// Rows in a chunk of the stored arrays (reads of whole chunks inflate each once).
        public var chunkRows: Int { dataset.chunkShape.map { $0[1] } ?? 1 }

        /// The targets on rows `r`: (r.count, C).
        public func targets(_ r: Range<Int>) throws -> Matrix {
            let outputs = try lock.withLock {
                try (0..<members).map { Matrix(rows: r.count, cols: self.outputs, storage: try dataset.readRows(r, ofPlane: $0, as: Float.self)) }
            }
            return combine(outputs)
        }
    }

    /// The ensemble targets of task `task` rebuilt from its members' stored outputs, a block of
    /// rows at a time (see `TargetsReader`), whole. Nil when the file has no such task (or, for
    /// `validation`, no validation outputs).
    /// - Returns: (N, C) targets, N the training (or validation) rows.
    public static func combinedTargets(from path: String, task: String, validation: Bool, blockRows: Int = 131_072,
                                       combine: @escaping ([Matrix]) -> Matrix) throws -> Matrix? {
        guard let reader = try TargetsReader(path: path, task: task, validation: validation, combine: combine) else { return nil }
        let step = max(1, blockRows / max(reader.chunkRows, 1)) * max(reader.chunkRows, 1)
        var out = Matrix(rows: reader.rows, cols: reader.outputs)
        var start = 0
        while start < reader.rows {
            let r = start..<min(start + step, reader.rows)
            let block = try reader.targets(r)
            out.storage.replaceSubrange((r.lowerBound * reader.outputs)..<(r.upperBound * reader.outputs), with: block.storage)
            start = r.upperBound
        }
        return out
    }

    public static func read(from path: String) throws -> SoftTargetsFile {
        let file = try H5File.open(path)
        let root = file.root
        try ArtifactHeader.check(root, format: format, path: path)
        var tasks: [TaskSoftTargets] = []
        for name in try root.attributes.strings("tasks") {
            let g = try root.group(name)
            let kindName = try g.attributes.string("kind")
            guard let kind = TaskHead.Kind(rawValue: kindName) else {
                throw ArtifactError(path: path, "/\(name) kind is '\(kindName)', expected classification or regression")
            }
            let (membersName, targetName) = kind == .classification ? ("logits", "probs") : ("predictions", "mean")
            let md = try g.dataset(membersName)
            let td = try g.dataset(targetName)
            guard md.shape.count == 3, td.shape.count == 2, md.shape[1] == td.shape[0], md.shape[2] == td.shape[1] else {
                throw ArtifactError(path: path, "/\(name): \(membersName) \(md.shape) and \(targetName) \(td.shape) do not match")
            }
            let (k, n, c) = (md.shape[0], md.shape[1], md.shape[2])
            let all = try md.read(Float.self)
            let members = (0..<k).map { Matrix(rows: n, cols: c, storage: Array(all[($0 * n * c)..<(($0 + 1) * n * c)])) }
            var validation: [Matrix] = []
            if g.contains("val_" + membersName) {
                let vd = try g.dataset("val_" + membersName)
                guard vd.shape.count == 3, vd.shape[0] == k, vd.shape[2] == c else {
                    throw ArtifactError(path: path, "/\(name)/val_\(membersName) has shape \(vd.shape), expected (\(k), N_val, \(c))")
                }
                let nv = vd.shape[1], values = try vd.read(Float.self)
                validation = (0..<k).map { Matrix(rows: nv, cols: c, storage: Array(values[($0 * nv * c)..<(($0 + 1) * nv * c)])) }
            }
            tasks.append(TaskSoftTargets(task: name, kind: kind, memberOutputs: members,
                                         targets: Matrix(rows: n, cols: c, storage: try td.read(Float.self)),
                                         memberValidation: try g.attributes.doubles("member_validation"),
                                         validationMemberOutputs: validation))
        }
        return SoftTargetsFile(temperature: try root.attributes.double("temperature"),
                               combine: try root.attributes.string("combine"), tasks: tasks)
    }
}
