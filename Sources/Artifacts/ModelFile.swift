import Crypto
import Foundation
import HDF5
import MultiTask
import NN
import Tensor

/// A trained network file (`teachers/<task>/member-<k>.h5`, `students/<variant>.h5`), and
/// the training checkpoint that uses the same layout plus the state to resume from.
///
/// ```
/// /                          attrs mtkd_format="model" | "checkpoint", mtkd_version, kind="mlp", role, name,
///                                  blueprint (JSON), seed, best_epoch, parameter_count, fingerprint,
///                                  task_log_variance (only with learned uncertainty weights),
///                                  ranks (only for a network trained data-parallel by more than one MPI rank)
/// /parameters/<param>        (rows, cols) f32   e.g. trunk.0.weight (in, out), head.species.bias (1, C)
/// /history/epoch             (E) i32
/// /history/train_loss        (E) f64
/// /history/validation_score  (E) f64     mean over tasks of validation_metric
/// /history/validation_loss   (E) f64     mean over tasks of the hard-label validation loss (selects the best epoch by default)
/// /history/task_loss         (E, T) f64
/// /history/validation_metric (E, T) f64     accuracy or R² per task on the validation split
/// /preprocessing/…           raw CSV columns → inputs, outputs → labels (see `Preprocessing`)
/// checkpoints only:
/// /                          attr checksum: SHA-256 over everything below (see `CheckpointFile.checksum`)
/// /state                     attrs epoch, best_score, optimizer_step, shuffle_rng, dropout_rng
/// /best/<param>              parameters of the best epoch so far
/// /optimizer/<slot>          optimizer moments ("<param>:m", "<param>:v" or "<param>:momentum")
/// ```
/// Wall-clock times are not stored: the same seed gives the same bytes.
public struct ModelFile {
    public static let format = "model"
    public static let checkpointFormat = "checkpoint"
    /// The root attribute `kind` of a network's file (a GBDT member's is "gbdt": `GBDTMemberFile`).
    public static let kind = "mlp"

    /// "teacher" or "student".
    public var role: String
    /// "species/member-0", "kd", …
    public var name: String
    public var blueprint: NetworkBlueprint
    public var seed: UInt64
    public var parameters: [(name: String, value: Matrix)]
    public var history: [EpochRecord]
    public var bestEpoch: Int
    /// SHA-256 of everything that determined this network (settings, seed, data); a finished
    /// file or checkpoint is reused only when it matches.
    public var fingerprint: String
    /// Learned uncertainty weights' log-variances s_t per task, when trained with them.
    public var taskLogVariance: [Float]?
    /// From raw CSV columns to inputs, and from outputs to labels: what makes the file predict
    /// on its own. Written by the stages for every finished network; nil in checkpoints.
    public var preprocessing: Preprocessing?
    /// The MPI ranks that trained the network data-parallel, when more than one (nil: one process;
    /// the attribute is written only then, so one process's files keep their bytes).
    public var ranks: Int?

    public init(role: String, name: String, blueprint: NetworkBlueprint, seed: UInt64,
                parameters: [(name: String, value: Matrix)], history: [EpochRecord], bestEpoch: Int, fingerprint: String = "",
                taskLogVariance: [Float]? = nil) {
        self.role = role; self.name = name; self.blueprint = blueprint; self.seed = seed
        self.parameters = parameters; self.history = history; self.bestEpoch = bestEpoch; self.fingerprint = fingerprint
        self.taskLogVariance = taskLogVariance
    }

    public init(role: String, name: String, network: MultiTaskNetwork, seed: UInt64, history: TrainingHistory, fingerprint: String = "",
                taskLogVariance: [Float]? = nil) {
        self.init(role: role, name: name, blueprint: network.blueprint, seed: seed,
                  parameters: network.parameters.map { ($0.name, $0.value) }, history: history.epochs,
                  bestEpoch: history.bestEpoch, fingerprint: fingerprint, taskLogVariance: taskLogVariance)
    }

    /// The fingerprint recorded in a model or checkpoint file, nil when the file does not exist.
    public static func fingerprint(at path: String) throws -> String? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        if FileSeal.isSealed(path) { try FileSeal.verify(path) }
        let root = try H5File.open(path).root
        return root.attributes.contains("fingerprint") ? try root.attributes.string("fingerprint") : ""
    }

    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }

    /// Rebuilds the network with these weights.
    public func makeNetwork() throws -> MultiTaskNetwork {
        let net = try NetworkFactory.make(blueprint, seed: seed)
        let values = Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0.value.storage) })
        try Trainer.load(values, into: net.parameters)
        return net
    }

    public func write(to path: String) throws {
        try AtomicWrite.write(to: path) { temp in
            let file = try H5File.create(temp)
            try writeContent(file.root, format: Self.format)
            try file.close()
        }
    }

    func writeContent(_ root: H5Group, format: String) throws {
        try ArtifactHeader.write(root, format: format)
        try root.attributes.set("kind", .string(Self.kind))
        try root.attributes.set("role", .string(role))
        try root.attributes.set("name", .string(name))
        let json = try JSONEncoder.sorted.encode(blueprint)
        try root.attributes.set("blueprint", .string(String(decoding: json, as: UTF8.self)))
        try root.attributes.set("seed", .int(Int64(bitPattern: seed)))
        try root.attributes.set("best_epoch", .int(Int64(bestEpoch)))
        try root.attributes.set("parameter_count", .int(Int64(parameterCount)))
        try root.attributes.set("fingerprint", .string(fingerprint))
        if let s = taskLogVariance { try root.attributes.set("task_log_variance", .doubles(s.map(Double.init))) }
        if let ranks, ranks > 1 { try root.attributes.set("ranks", .int(Int64(ranks))) }
        try preprocessing?.write(into: root)
        try Self.writeParameters(parameters, to: try root.createGroup("parameters"))
        let h = try root.createGroup("history")
        let e = history.count, t = blueprint.tasks.count
        try h.write(history.map { Int32($0.epoch) }, shape: [e], to: "epoch")
        try h.write(history.map(\.trainLoss), shape: [e], to: "train_loss")
        try h.write(history.map(\.validationScore), shape: [e], to: "validation_score")
        try h.write(history.map(\.validationLoss), shape: [e], to: "validation_loss").attributes
            .set("description", .string("per epoch: mean over tasks of the hard-label validation loss (cross-entropy; MSE of standardised values)"))
        try h.write(history.flatMap(\.taskLosses), shape: [e, t], to: "task_loss").attributes
            .set("description", .string("per epoch and task: mean training loss (hard and soft terms combined, unweighted)"))
        try h.write(history.flatMap(\.validationMetrics), shape: [e, t], to: "validation_metric").attributes
            .set("description", .string("per epoch and task: accuracy (classification) or R² (regression) on the validation split; NaN without labels"))
    }

    static func writeParameters(_ parameters: [(name: String, value: Matrix)], to group: H5Group) throws {
        for p in parameters {
            try group.write(p.value.storage, shape: [p.value.rows, p.value.cols], to: p.name)
        }
    }

    static func readParameters(_ group: H5Group, names: [String], path: String) throws -> [(name: String, value: Matrix)] {
        try names.map { name in
            let d = try group.dataset(name)
            guard d.shape.count == 2 else { throw ArtifactError(path: path, "\(group.path)/\(name) is not a matrix (shape \(d.shape))") }
            return (name, Matrix(rows: d.shape[0], cols: d.shape[1], storage: try d.read(Float.self)))
        }
    }

    public static func read(from path: String) throws -> ModelFile {
        let file = try H5File.open(path)
        let root = file.root
        try ArtifactHeader.check(root, format: format, path: path)
        if root.attributes.contains("kind"), case let kind = try root.attributes.string("kind"), kind != Self.kind {
            throw ArtifactError(path: path, "holds a model of kind '\(kind)', not a network (kind 'mlp')")
        }
        return try readContent(root, path: path)
    }

    static func readContent(_ root: H5Group, path: String) throws -> ModelFile {
        let json = try root.attributes.string("blueprint")
        let blueprint: NetworkBlueprint
        do { blueprint = try JSONDecoder().decode(NetworkBlueprint.self, from: Data(json.utf8)) } catch {
            throw ArtifactError(path: path, "the blueprint attribute is not a valid network description: \(error)")
        }
        let seed = UInt64(bitPattern: try root.attributes.int("seed"))
        // Parameter names and order come from the architecture itself.
        let names = try NetworkFactory.make(blueprint, seed: seed).parameters.map(\.name)
        let parameters = try readParameters(try root.group("parameters"), names: names, path: path)
        let h = try root.group("history")
        let epochs = try h.dataset("epoch").read(Int32.self)
        let trainLoss = try h.dataset("train_loss").read(Double.self)
        let score = try h.dataset("validation_score").read(Double.self)
        let validationLoss = h.contains("validation_loss") ? try h.dataset("validation_loss").read(Double.self)
                                                           : [Double](repeating: .nan, count: epochs.count)
        let taskLoss = try h.dataset("task_loss").read(Double.self)
        let metric = try h.dataset("validation_metric").read(Double.self)
        let t = blueprint.tasks.count
        guard trainLoss.count == epochs.count, score.count == epochs.count, validationLoss.count == epochs.count,
              taskLoss.count == epochs.count * t, metric.count == epochs.count * t else {
            throw ArtifactError(path: path, "/history arrays have inconsistent lengths")
        }
        let history = epochs.indices.map { i in
            EpochRecord(epoch: Int(epochs[i]), trainLoss: trainLoss[i], taskLosses: Array(taskLoss[(i * t)..<((i + 1) * t)]),
                        validationMetrics: Array(metric[(i * t)..<((i + 1) * t)]), validationScore: score[i],
                        validationLoss: validationLoss[i],
                        seconds: .nan, examplesPerSecond: .nan)
        }
        var model = ModelFile(role: try root.attributes.string("role"), name: try root.attributes.string("name"),
                         blueprint: blueprint, seed: seed, parameters: parameters, history: history,
                         bestEpoch: Int(try root.attributes.int("best_epoch")),
                         fingerprint: root.attributes.contains("fingerprint") ? try root.attributes.string("fingerprint") : "",
                         taskLogVariance: root.attributes.contains("task_log_variance")
                            ? try root.attributes.doubles("task_log_variance").map(Float.init) : nil)
        model.preprocessing = try Preprocessing.read(from: root, path: path)
        try model.preprocessing?.check(against: blueprint, path: path)
        if root.attributes.contains("ranks") { model.ranks = Int(try root.attributes.int("ranks")) }
        return model
    }
}

/// A training checkpoint: the model file layout plus everything `Trainer.restore` needs.
public enum CheckpointFile {
    public static func write(_ state: TrainerState, model: ModelFile, to path: String) throws {
        try AtomicWrite.write(to: path, durable: false) { temp in
            let file = try H5File.create(temp, userBlock: FileSeal.userBlock)
            let root = file.root
            var m = model
            m.parameters = model.parameters.map { ($0.name, Matrix(rows: $0.value.rows, cols: $0.value.cols, storage: state.parameters[$0.name]!)) }
            m.history = state.history
            m.bestEpoch = state.bestEpoch
            try m.writeContent(root, format: ModelFile.checkpointFormat)
            // Trainer-owned parameters (e.g. task_log_variance) beside the network's.
            let networkNames = Set(model.parameters.map(\.name))
            let extras = state.parameters.keys.filter { !networkNames.contains($0) }.sorted()
            let pg = try root.group("parameters")
            for name in extras { try pg.write(state.parameters[name]!, shape: [1, state.parameters[name]!.count], to: name) }
            let s = try root.createGroup("state")
            try s.attributes.set("epoch", .int(Int64(state.epoch)))
            try s.attributes.set("best_score", .double(state.bestScore))
            try s.attributes.set("optimizer_step", .int(Int64(state.optimizerStep)))
            try s.attributes.set("shuffle_rng", .ints(state.shuffleRNG.map { Int64(bitPattern: $0) }))
            try s.attributes.set("dropout_rng", .ints(state.dropoutRNG.map { Int64(bitPattern: $0) }))
            let bg = try root.createGroup("best")
            try ModelFile.writeParameters(model.parameters.map { ($0.name, Matrix(rows: $0.value.rows, cols: $0.value.cols, storage: state.bestParameters[$0.name]!)) },
                                          to: bg)
            for name in extras { try bg.write(state.bestParameters[name]!, shape: [1, state.bestParameters[name]!.count], to: name) }
            let o = try root.createGroup("optimizer")
            for key in state.optimizerSlots.keys.sorted() {
                let v = state.optimizerSlots[key]!
                try o.write(v, shape: [v.count], to: key.replacingOccurrences(of: "/", with: ":"))
            }
            try root.attributes.set("checksum", .string(checksum(m, state)))
            try file.close()
            try FileSeal.seal(temp)
        }
    }

    /// The model (current weights) and the state to resume from.
    public static func read(from path: String) throws -> (model: ModelFile, state: TrainerState) {
        try FileSeal.verify(path)  // before libhdf5 parses a possibly damaged file
        let file = try H5File.open(path)
        let root = file.root
        try ArtifactHeader.check(root, format: ModelFile.checkpointFormat, path: path)
        let model = try ModelFile.readContent(root, path: path)
        let s = try root.group("state")
        func all(_ group: H5Group) throws -> [String: [Float]] {
            var out: [String: [Float]] = [:]
            for link in try group.children() where link.kind == .dataset { out[link.name] = try group.dataset(link.name).read(Float.self) }
            return out
        }
        let current = try all(try root.group("parameters"))
        let best = try all(try root.group("best"))
        for p in model.parameters where current[p.name] == nil || best[p.name] == nil {
            throw ArtifactError(path: path, "checkpoint lacks parameter \(p.name)")
        }
        let o = try root.group("optimizer")
        var slots: [String: [Float]] = [:]
        for link in try o.children() {
            slots[link.name.replacingOccurrences(of: ":", with: "/")] = try o.dataset(link.name).read(Float.self)
        }
        let state = TrainerState(
            epoch: Int(try s.attributes.int("epoch")),
            parameters: current,
            bestParameters: best,
            bestEpoch: model.bestEpoch, bestScore: try s.attributes.double("best_score"),
            optimizerStep: Int(try s.attributes.int("optimizer_step")), optimizerSlots: slots,
            shuffleRNG: try s.attributes.ints("shuffle_rng").map { UInt64(bitPattern: $0) },
            dropoutRNG: try s.attributes.ints("dropout_rng").map { UInt64(bitPattern: $0) },
            history: model.history)
        guard root.attributes.contains("checksum"), try root.attributes.string("checksum") == checksum(model, state) else {
            throw ArtifactError(path: path, "the checkpoint is corrupt (its content does not match its checksum)")
        }
        return (model, state)
    }

    /// SHA-256 (hex) over everything a checkpoint holds, in one canonical order: identity and
    /// blueprint, current and best parameters, optimizer slots, counters, random generator
    /// states and the history (wall-clock fields excepted: they are not stored). Written with the
    /// checkpoint and compared on load, so a checkpoint damaged on disk is never resumed.
    static func checksum(_ model: ModelFile, _ state: TrainerState) -> String {
        var h = SHA256()
        func text(_ s: String) { h.update(data: Data(s.utf8)); h.update(data: [0]) }
        func ints(_ v: [Int64]) { v.withUnsafeBytes { h.update(bufferPointer: $0) } }
        func doubles(_ v: [Double]) { ints(v.map { Int64(bitPattern: $0.bitPattern) }) }
        func arrays(_ named: [String: [Float]]) {
            for key in named.keys.sorted() {
                text(key)
                ints([Int64(named[key]!.count)])
                named[key]!.withUnsafeBytes { h.update(bufferPointer: $0) }
            }
        }
        text(model.role); text(model.name); text(model.fingerprint)
        text(String(decoding: (try? JSONEncoder.sorted.encode(model.blueprint)) ?? Data(), as: UTF8.self))
        ints([Int64(bitPattern: model.seed), Int64(state.epoch), Int64(state.bestEpoch), Int64(state.optimizerStep)])
        doubles([state.bestScore] + (model.taskLogVariance ?? []).map(Double.init))
        ints(state.shuffleRNG.map { Int64(bitPattern: $0) }); ints(state.dropoutRNG.map { Int64(bitPattern: $0) })
        arrays(state.parameters); arrays(state.bestParameters); arrays(state.optimizerSlots)
        for e in state.history {
            ints([Int64(e.epoch)])
            doubles([e.trainLoss, e.validationScore, e.validationLoss] + e.taskLosses + e.validationMetrics)
        }
        return h.finalize().map { String(format: "%02x", $0) }.joined()
    }
}

extension JSONEncoder {
    /// Sorted keys, so the same value always gives the same bytes. A non-finite number (a
    /// metric that could not be computed) is written as the string "NaN", "Infinity" or
    /// "-Infinity" rather than failing the whole file.
    public static var sorted: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return e
    }
}
