import Foundation
import GBDT
import HDF5
import MultiTask
import Tensor

/// What a GBDT member is: its inputs, its task and how its trees were grown. Stored as the
/// member file's `blueprint` attribute (JSON), as a network's blueprint is.
public struct GBDTBlueprint: Codable, Equatable, Sendable {
    /// "gbdt".
    public var kind: String
    public var inputs: Int
    public var task: TaskHead
    public var boosting: BoostingSettings
    /// The XGBoost that grew the trees ("1.7.4").
    public var xgboost: String

    public init(inputs: Int, task: TaskHead, boosting: BoostingSettings, xgboost: String = XGBoostLibrary.version) {
        kind = GBDTMemberFile.kind; self.inputs = inputs; self.task = task; self.boosting = boosting; self.xgboost = xgboost
    }
}

/// A gradient-boosted teacher member (`teachers/<task>/member-<k>.h5`, kind gbdt).
///
/// ```
/// /                            attrs mtkd_format="model", mtkd_version, kind="gbdt", role="teacher", name,
///                                    blueprint (JSON: kind, inputs, task, boosting settings, xgboost version),
///                                    seed, best_iteration (0-based), rounds (boosted), trees, nodes, leaves
///                                    (of rounds 0…best_iteration, the ones that predict), booster_format="ubj",
///                                    fingerprint
/// /booster                     (bytes) u8    the XGBoost model as saved by XGBoosterSaveModelToBuffer (UBJSON):
///                                            every round boosted, with XGBoost's best_iteration and best_score attributes
/// /zero_is_missing             (inputs) u8   1: a 0 in this input is missing to the booster (one-hot inputs), 0: a value
/// /history/iteration           (R) i32       0-based boosting round
/// /history/train_loss          (R) f64       log loss (classification) or MSE of standardised values on the training
///                                            rows (every k-th when there are more than 20,000: at most 20,000)
/// /history/validation_loss     (R) f64       the same on the validation rows; picks best_iteration
/// /history/validation_metric   (R, 1) f64    accuracy or R² on the validation rows
/// /preprocessing/…             raw CSV columns → inputs, outputs → labels (see `Preprocessing`)
/// ```
/// The margins of rounds 0…best_iteration are the member's logits: for two classes the
/// booster has one margin m (the logit of class 1) and the logits are [0, m]. To predict
/// without mtkd: `xgboost.Booster(model_file=bytearray(f["booster"][:]))`, rows as a CSR matrix
/// leaving out NaN and the zeros of inputs where `zero_is_missing` is 1, `output_margin=True`,
/// `iteration_range=(0, best_iteration + 1)`.
public struct GBDTMemberFile: Equatable {
    public static let kind = "gbdt"

    public var role: String
    /// "income/member-0"
    public var name: String
    public var blueprint: GBDTBlueprint
    public var seed: UInt64
    /// The booster, UBJSON (`Booster.save(format: .ubj)`).
    public var booster: [UInt8]
    public var zeroIsMissing: [Bool]
    public var history: [BoostingRound]
    public var bestIteration: Int
    /// Trees, nodes and leaves of rounds 0…bestIteration.
    public var trees: TreeCounts
    public var fingerprint: String
    /// From raw CSV columns to inputs, and from outputs to labels, as every model file has it.
    public var preprocessing: Preprocessing?

    public init(role: String, name: String, blueprint: GBDTBlueprint, seed: UInt64, booster: [UInt8], zeroIsMissing: [Bool],
                history: [BoostingRound], bestIteration: Int, trees: TreeCounts, fingerprint: String) {
        self.role = role; self.name = name; self.blueprint = blueprint; self.seed = seed; self.booster = booster
        self.zeroIsMissing = zeroIsMissing; self.history = history; self.bestIteration = bestIteration; self.trees = trees
        self.fingerprint = fingerprint
    }

    /// The file of a trained booster: its bytes, and the trees of the rounds kept.
    public init(role: String, name: String, blueprint: GBDTBlueprint, zeroIsMissing: [Bool], result: BoostingResult,
                fingerprint: String) throws {
        self.init(role: role, name: name, blueprint: blueprint, seed: blueprint.boosting.seed,
                  booster: try result.booster.save(format: .ubj), zeroIsMissing: zeroIsMissing, history: result.history,
                  bestIteration: result.bestIteration,
                  trees: try result.booster.slice(0..<(result.bestIteration + 1)).treeCounts(), fingerprint: fingerprint)
    }

    /// Boosting rounds run (the booster holds them all; rounds 0…bestIteration predict).
    public var rounds: Int { history.count }

    /// The booster ready to predict the member's logits.
    public func makeModel() throws -> BoostedModel {
        try BoostedModel(booster: try Booster(model: booster), objective: blueprint.boosting.objective,
                         outputs: blueprint.boosting.outputs, bestIteration: bestIteration, zeroIsMissing: zeroIsMissing)
    }

    /// The trees that predict (rounds 0…bestIteration), from the booster's JSON model.
    public func treeEnsemble() throws -> TreeEnsemble {
        try Booster(model: booster).trees(rounds: 0..<(bestIteration + 1))
    }

    public func write(to path: String) throws {
        try AtomicWrite.write(to: path) { temp in
            let file = try H5File.create(temp)
            let root = file.root
            try ArtifactHeader.write(root, format: ModelFile.format)
            try root.attributes.set("kind", .string(Self.kind))
            try root.attributes.set("role", .string(role))
            try root.attributes.set("name", .string(name))
            let json = try JSONEncoder.sorted.encode(blueprint)
            try root.attributes.set("blueprint", .string(String(decoding: json, as: UTF8.self)))
            try root.attributes.set("seed", .int(Int64(bitPattern: seed)))
            try root.attributes.set("best_iteration", .int(Int64(bestIteration)))
            try root.attributes.set("rounds", .int(Int64(rounds)))
            try root.attributes.set("trees", .int(Int64(trees.trees)))
            try root.attributes.set("nodes", .int(Int64(trees.nodes)))
            try root.attributes.set("leaves", .int(Int64(trees.leaves)))
            try root.attributes.set("booster_format", .string(Booster.ModelFormat.ubj.rawValue))
            try root.attributes.set("fingerprint", .string(fingerprint))
            try preprocessing?.write(into: root)
            try root.write(booster, shape: [booster.count], to: "booster", compression: .deflate(4, shuffle: false)).attributes
                .set("description", .string("the XGBoost model (UBJSON, every round boosted); rounds 0…best_iteration predict, their margins are the logits"))
            try root.write(zeroIsMissing.map { UInt8($0 ? 1 : 0) }, shape: [zeroIsMissing.count], to: "zero_is_missing").attributes
                .set("description", .string("per input: 1 when a 0 is given to the booster as missing (one-hot inputs), 0 when it is a value; NaN is always missing"))
            let h = try root.createGroup("history")
            let r = history.count
            try h.write(history.map { Int32($0.iteration) }, shape: [r], to: "iteration")
            try h.write(history.map(\.trainLoss), shape: [r], to: "train_loss").attributes
                .set("description", .string("per round: log loss (classification) or MSE of standardised values on the training rows (every k-th when there are more than 20000)"))
            try h.write(history.map(\.validationLoss), shape: [r], to: "validation_loss").attributes
                .set("description", .string("per round: the same on the validation rows; its first minimum is best_iteration"))
            try h.write(history.map(\.validationMetric), shape: [r, 1], to: "validation_metric").attributes
                .set("description", .string("per round: accuracy (classification) or R² (regression) on the validation rows"))
            try file.close()
        }
    }

    public static func read(from path: String) throws -> GBDTMemberFile {
        let file = try H5File.open(path)
        let root = file.root
        try ArtifactHeader.check(root, format: ModelFile.format, path: path)
        guard root.attributes.contains("kind"), try root.attributes.string("kind") == kind else {
            throw ArtifactError(path: path, "is not a gbdt member (its kind attribute is not 'gbdt')")
        }
        let json = try root.attributes.string("blueprint")
        let blueprint: GBDTBlueprint
        do { blueprint = try JSONDecoder().decode(GBDTBlueprint.self, from: Data(json.utf8)) } catch {
            throw ArtifactError(path: path, "the blueprint attribute is not a valid gbdt description: \(error)")
        }
        let booster = try root.dataset("booster").read(UInt8.self)
        let zeroIsMissing = try root.dataset("zero_is_missing").read(UInt8.self).map { $0 != 0 }
        guard zeroIsMissing.count == blueprint.inputs else {
            throw ArtifactError(path: path, "/zero_is_missing has \(zeroIsMissing.count) values for \(blueprint.inputs) inputs")
        }
        let h = try root.group("history")
        let iteration = try h.dataset("iteration").read(Int32.self)
        let trainLoss = try h.dataset("train_loss").read(Double.self)
        let validationLoss = try h.dataset("validation_loss").read(Double.self)
        let metric = try h.dataset("validation_metric").read(Double.self)
        guard trainLoss.count == iteration.count, validationLoss.count == iteration.count, metric.count == iteration.count else {
            throw ArtifactError(path: path, "/history arrays have inconsistent lengths")
        }
        let history = iteration.indices.map {
            BoostingRound(iteration: Int(iteration[$0]), trainLoss: trainLoss[$0], validationLoss: validationLoss[$0],
                          validationMetric: metric[$0])
        }
        let best = Int(try root.attributes.int("best_iteration"))
        guard history.indices.contains(best) else {
            throw ArtifactError(path: path, "best_iteration \(best) is not one of the \(history.count) rounds in /history")
        }
        var member = GBDTMemberFile(
            role: try root.attributes.string("role"), name: try root.attributes.string("name"), blueprint: blueprint,
            seed: UInt64(bitPattern: try root.attributes.int("seed")), booster: booster, zeroIsMissing: zeroIsMissing,
            history: history, bestIteration: best,
            trees: TreeCounts(trees: Int(try root.attributes.int("trees")), nodes: Int(try root.attributes.int("nodes")),
                              leaves: Int(try root.attributes.int("leaves"))),
            fingerprint: try root.attributes.string("fingerprint"))
        member.preprocessing = try Preprocessing.read(from: root, path: path)
        try member.preprocessing?.check(inputs: blueprint.inputs, task: blueprint.task, path: path)
        return member
    }
}

extension Preprocessing {
    /// Throws unless the preprocessing makes `inputs` inputs and means the one task `task`.
    func check(inputs: Int, task: TaskHead, path: String) throws {
        guard inputCount == inputs else {
            throw ArtifactError(path: path, "/preprocessing makes \(inputCount) inputs, the booster takes \(inputs)")
        }
        guard tasks.count == 1, let t = tasks.first, t.name == task.name, t.kind == task.kind,
              (t.kind == .classification ? t.classes.count : 1) == task.outputs else {
            throw ArtifactError(path: path, "/preprocessing tasks \(tasks.map(\.name)) differ from the booster's task \(task.name) (\(task.kind.rawValue), \(task.outputs) outputs)")
        }
    }
}
