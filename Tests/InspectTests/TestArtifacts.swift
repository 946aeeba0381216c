import Artifacts
import Foundation
import HDF5
@testable import Inspect
import MultiTask
import Tensor
import Testing

/// A uniquely named temporary folder, removed when the test's closure returns.
struct TemporaryFolder {
    let root: String

    /// Runs `body` with a fresh folder.
    static func with<R>(_ body: (TemporaryFolder) throws -> R) throws -> R {
        let root = FileManager.default.temporaryDirectory
            .appendingPathComponent("mtkd-inspect-tests-\(UUID().uuidString)", isDirectory: true).path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }  // cleanup only; a leftover temp folder is harmless
        return try body(TemporaryFolder(root: root))
    }

    /// The path of `relative` inside the folder, creating its parent folders.
    func path(_ relative: String) -> String {
        let full = (root as NSString).appendingPathComponent(relative)
        try? FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent,
                                                 withIntermediateDirectories: true)
        return full
    }
}

/// Small artifacts with known numbers.
enum Fixtures {
    /// A dataset with two numeric features, one one-hot column (island: 3 categories) and tasks
    /// species (classes A, B, C) and mass (regression).
    ///
    /// species labels — train: A A B C −1 (5 rows), val: B B (2), test: C −1 (2)
    /// mass values    — train: 1 2 3 NaN 6, val: 10 NaN, test: NaN NaN
    static func dataset() -> PreparedDataset {
        let features = [
            FeatureInfo(name: "bill", column: "bill", kind: .numeric, mean: 43.5, std: 5.25),
            FeatureInfo(name: "flipper", column: "flipper", kind: .numeric, mean: 201, std: 14),
            FeatureInfo(name: "island=Biscoe", column: "island", kind: .categorical, mean: 0, std: 1),
            FeatureInfo(name: "island=Dream", column: "island", kind: .categorical, mean: 0, std: 1),
            FeatureInfo(name: "island=Torgersen", column: "island", kind: .categorical, mean: 0, std: 1),
        ]
        let tasks = [
            TaskInfo(name: "species", column: "species", kind: .classification, classes: ["A", "B", "C"]),
            TaskInfo(name: "mass", column: "body_mass_g", kind: .regression, classes: [], labelMean: 3, labelStd: 2),
        ]
        func split(_ name: String, _ species: [Int32], _ mass: [Float]) -> SplitData {
            let n = species.count
            return SplitData(name: name, x: Matrix(rows: n, cols: features.count, storage: (0..<(n * features.count)).map { Float($0) }),
                             labels: [.classes(species), .values(mass)], sourceRows: (0..<n).map { Int32($0) })
        }
        let nan = Float.nan
        return PreparedDataset(source: "penguins.csv", seed: 7, features: features, tasks: tasks, splits: [
            split("train", [0, 0, 1, 2, -1], [1, 2, 3, nan, 6]),
            split("val", [1, 1], [10, nan]),
            split("test", [2, -1], [nan, nan]),
        ])
    }

    /// Soft targets for `species` on the 5 training rows of `dataset()`, K = 3 members, C = 3.
    ///
    /// Members' argmax per row: m0 = A A B C A, m1 = A A B B A, m2 = A B B C A.
    /// Ensemble targets: rows 0–3 one-hot on A A B C (entropy 0), row 4 uniform (entropy ln 3).
    /// Against labels A A B C −1: ensemble accuracy 4/4; members 4/4, 3/4, 3/4; agreement 3/5
    /// (rows 0, 2, 4); mean entropy ln 3 / 5.
    /// Plus `mass` (regression) with members predicting (1, 2, 3, 4, 5) + offsets −1, 0, +1:
    /// spread √(2/3) on every row; mean (1, 2, 3, 4, 5) against labels 1 2 3 NaN 6: RMSE √(1/4) = 0.5.
    static func softTargets() -> SoftTargetsFile {
        func logits(_ classes: [Int]) -> Matrix {
            var m = Matrix(rows: classes.count, cols: 3)
            for (r, c) in classes.enumerated() { m[r, c] = 5 }
            return m
        }
        var probs = Matrix(rows: 5, cols: 3)
        for (r, c) in [0, 0, 1, 2].enumerated() { probs[r, c] = 1 }
        for c in 0..<3 { probs[4, c] = 1.0 / 3 }
        let species = TaskSoftTargets(task: "species", kind: .classification,
                                      memberOutputs: [logits([0, 0, 1, 2, 0]), logits([0, 0, 1, 1, 0]), logits([0, 1, 1, 2, 0])],
                                      targets: probs, memberValidation: [0.9, 0.8, 0.85])
        let base: [Float] = [1, 2, 3, 4, 5]
        let members = [-1, 0, 1].map { offset in Matrix(rows: 5, cols: 1, storage: base.map { $0 + Float(offset) }) }
        let mass = TaskSoftTargets(task: "mass", kind: .regression, memberOutputs: members,
                                   targets: Matrix(rows: 5, cols: 1, storage: base), memberValidation: [0.5, 0.6, 0.7])
        return SoftTargetsFile(temperature: 2, combine: "mean-probs", tasks: [species, mass])
    }

    /// A hard-sharing network 4 → [5] → species (3): 4·5 + 5 + 5·3 + 3 = 43 parameters.
    static let blueprint = NetworkBlueprint(architecture: "hard-sharing", inputs: 4, hidden: [5], dropout: 0.1,
                                            tasks: [TaskHead(name: "species", kind: .classification, outputs: 3)])

    /// Five epochs with validation scores 0.5 0.7 0.9 0.8 0.85: the best is epoch 3.
    static let history: [EpochRecord] = zip([0.5, 0.7, 0.9, 0.8, 0.85], [1.0, 0.6, 0.4, 0.35, 0.3]).enumerated().map { i, pair in
        EpochRecord(epoch: i + 1, trainLoss: pair.1, taskLosses: [pair.1], validationMetrics: [pair.0],
                    validationScore: pair.0, seconds: 0.1, examplesPerSecond: 1000)
    }

    static func model(role: String = "teacher", name: String = "species/member-0") throws -> ModelFile {
        let network = try NetworkFactory.make(blueprint, seed: 11)
        return ModelFile(role: role, name: name, network: network, seed: 11,
                         history: TrainingHistory(epochs: history, bestEpoch: 3, seconds: 0.5))
    }

    /// A checkpoint after 4 of the model's epochs, at optimizer step 40.
    static func writeCheckpoint(to path: String) throws {
        let model = try model()
        let values = Dictionary(uniqueKeysWithValues: model.parameters.map { ($0.name, $0.value.storage) })
        let state = TrainerState(epoch: 4, parameters: values, bestParameters: values, bestEpoch: 3, bestScore: 0.9,
                                 optimizerStep: 40, optimizerSlots: ["trunk.0.weight/m": [Float](repeating: 0, count: 20)],
                                 shuffleRNG: [1, 2, 3, 4], dropoutRNG: [5, 6, 7, 8], history: Array(history.prefix(4)))
        try CheckpointFile.write(state, model: model, to: path)
    }

    /// Test metrics: species (classification) with a teacher, mass (regression) without.
    static func report() -> EvaluationReport {
        EvaluationReport(pipeline: "tiny", split: "test", tasks: [
            .init(name: "species", kind: "classification", classes: ["A", "B", "C"], hasTeacher: true),
            .init(name: "mass", kind: "regression", classes: [], hasTeacher: false),
        ], models: [
            ModelEvaluation(name: "species/ensemble", role: .teacherEnsemble, architecture: "ensemble", parameters: 129,
                            tasks: ["species": TaskMetrics(rows: 2, accuracy: 0.75)]),
            ModelEvaluation(name: "kd", role: .student, architecture: "hard-sharing", parameters: 40,
                            tasks: ["species": TaskMetrics(rows: 2, accuracy: 0.7), "mass": TaskMetrics(rows: 2, rmse: 1.5)]),
            ModelEvaluation(name: "baseline", role: .student, architecture: "hard-sharing", parameters: 40,
                            tasks: ["species": TaskMetrics(rows: 2, accuracy: 0.8), "mass": TaskMetrics(rows: 2, rmse: 2.5)]),
        ])
    }

    /// SHA-256 and size of a file, as the lock records them (the hash function itself is
    /// checked against a published test vector in `FolderInspectionTests`). No process is
    /// spawned: a child would inherit other tests' open HDF5 files and their locks.
    static func hash(_ path: String) throws -> FileHash {
        let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber).int64Value
        return FileHash(sha256: try FolderMeaning.sha256(of: path), size: size)
    }

    /// A complete tiny artifacts folder: dataset, soft targets, one teacher member, one student,
    /// metrics, and a lock recording the dataset and the teacher member.
    static func folder(in folder: TemporaryFolder) throws {
        try dataset().write(to: folder.path("data/dataset.h5"))
        try softTargets().write(to: folder.path("soft-targets.h5"))
        try model().write(to: folder.path("teachers/species/member-0.h5"))
        try model(role: "student", name: "kd").write(to: folder.path("students/kd.h5"))
        try report().write(to: folder.path("report/metrics.json"))
        let lock = LockFile(pipeline: "tiny", stages: [
            "prepare": StageLock(fingerprint: "aaaabbbbccccdddd0000", params: [:], inputs: [:],
                                 outputs: ["data/dataset.h5": try hash(folder.path("data/dataset.h5"))]),
            "teachers": StageLock(fingerprint: "1111222233334444ffff", params: [:], inputs: [:],
                                  outputs: ["teachers/species/member-0.h5": try hash(folder.path("teachers/species/member-0.h5"))]),
        ])
        try lock.write(to: folder.path("mtkd.lock"))
        try Timings(stages: ["prepare": .init(seconds: 0.25, finished: "2025-01-01T00:00:00Z"),
                             "teachers": .init(seconds: 75, finished: "2025-01-01T00:01:15Z")])
            .write(to: folder.path("timings.json"))
    }
}
