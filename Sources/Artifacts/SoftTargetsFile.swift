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
        try AtomicWrite.write(to: path) { temp in
            let file = try H5File.create(temp)
            let root = file.root
            try ArtifactHeader.write(root, format: Self.format)
            try root.attributes.set("split", .string("train"))
            try root.attributes.set("temperature", .double(temperature))
            try root.attributes.set("combine", .string(combine))
            try root.attributes.set("tasks", .strings(tasks.map(\.task)))
            for t in tasks {
                let g = try root.createGroup(t.task)
                let k = t.memberOutputs.count
                let n = t.targets.rows, c = t.targets.cols
                try g.attributes.set("kind", .string(t.kind.rawValue))
                try g.attributes.set("members", .int(Int64(k)))
                try g.attributes.set("member_validation", .doubles(t.memberValidation))
                let chunkRows = max(1, min(max(n, 1), 65_536 / max(c, 1)))
                let (membersName, targetName) = t.kind == .classification ? ("logits", "probs") : ("predictions", "mean")
                let members = try g.write(t.memberOutputs.flatMap(\.storage), shape: [k, n, c], to: membersName,
                                          chunks: [1, chunkRows, c], compression: .shuffleDeflate)
                let targets = try g.write(t.targets.storage, shape: [n, c], to: targetName, chunks: [chunkRows, c], compression: .shuffleDeflate)
                if let first = t.validationMemberOutputs.first {
                    let nv = first.rows
                    try g.write(t.validationMemberOutputs.flatMap(\.storage), shape: [k, nv, c], to: "val_" + membersName,
                                chunks: [1, max(1, min(max(nv, 1), 65_536 / max(c, 1))), c], compression: .shuffleDeflate)
                        .attributes.set("description", .string("every member's outputs on the validation split (member, validation row, class), as \(membersName)"))
                }
                // What the arrays hold, where a reader of the file alone can see it.
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
