import Artifacts
import Foundation
import HDF5
import Tabular
import Tensor
import Testing
@testable import Pipeline
@testable import Predict

/// Numeric scaling per feature group (issue 12): what `prepare` writes for each method,
/// constant columns, imputation, and `mtkd predict`'s encoding of the same rows.
///
/// The data (given files, impute-mean, "NA" missing), with statistics worked out by hand:
/// - a, standard: train 1…10 → mean 5.5, std √8.25
/// - b, minmax: train 0 2 4 8 0 2 4 8 NA 8 → min 0, max 8, mean 4: (x − 0) / 8, missing → 0.5
/// - k, minmax, constant 5 → divides by 1: x − 5, missing → 0
/// - c, none: train 10 −2 3 0 7 1 1 1 6 NA → mean 3: x, missing → 3
/// - z, standard, constant 5 → std stored as 1: x − 5, missing → 0
@Suite(.serialized) struct ScalingTests {
    static let train = """
        a,b,k,c,z,y
        1,0,5,10,5,p
        2,2,5,-2,5,q
        3,4,5,3,5,p
        4,8,5,0,5,q
        5,0,5,7,5,p
        6,2,5,1,5,q
        7,4,5,1,5,p
        8,8,5,1,5,q
        9,NA,5,6,5,p
        10,8,5,NA,5,q

        """
    static let val = "a,b,k,c,z,y\n4,3,5,2,5,p\n"
    static let test = """
        a,b,k,c,z,y
        12,12,7,-4,7,p
        NA,NA,5,NA,5,q
        3,4,NA,2.25,NA,p

        """
    static let yaml = """
        name: scaling
        seed: 1
        data:
          files: {train: train.csv, val: val.csv, test: test.csv}
          missing_values: ["NA"]
          missing_features: impute-mean
          features:
            numeric:
              - a
              - {columns: [b, k], scaling: minmax}
              - {columns: [c], scaling: none}
              - z
        tasks: [{name: y}]
        students: [{name: kd, hidden: [4], epochs: 1}]
        """

    /// Writes the files, prepares, and returns the spec, the dataset's path and the test CSV.
    func prepare(_ folder: String) throws -> (spec: PipelineSpec, dataset: String, test: String) {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (name, text) in [("train.csv", Self.train), ("val.csv", Self.val), ("test.csv", Self.test), ("pipeline.yaml", Self.yaml)] {
            try text.write(toFile: folder + "/" + name, atomically: true, encoding: .utf8)
        }
        let spec = try PipelineSpec.load(path: folder + "/pipeline.yaml", artifactsRoot: folder + "/artifacts")
        let path = ArtifactLayout(root: spec.artifactsDirectory).dataset
        try PrepareStage(spec: spec).run(writingTo: path)
        return (spec, path, folder + "/test.csv")
    }

    func withPrepared<T>(_ body: (PipelineSpec, String, String) throws -> T) throws -> T {
        let folder = NSTemporaryDirectory() + "mtkd-scaling-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (spec, dataset, test) = try prepare(folder)
        return try body(spec, dataset, test)
    }

    static let std = 8.25.squareRoot()

    /// Rows of the test split by hand, inputs in order a, b, k, c, z.
    static let testRows: [[Float]] = [
        [Float((12 - 5.5) / std), 1.5, 2, -4, 2],
        [0, 0.5, 0, 3, 0],
        [Float((3 - 5.5) / std), 0.5, 0, 2.25, 0],
    ]

    @Test func prepareScalesEachGroupAsItsMethodSays() throws {
        try withPrepared { _, path, _ in
            let data = try PreparedDataset.read(from: path)
            #expect(data.features.map(\.name) == ["a", "b", "k", "c", "z"])
            let train = data.split("train")!.x
            #expect((0..<10).map { train[$0, 1] } == [0, 0.25, 0.5, 1, 0, 0.25, 0.5, 1, 0.5, 1], "minmax b, the missing one 0.5")
            #expect((0..<10).map { train[$0, 3] } == [10, -2, 3, 0, 7, 1, 1, 1, 6, 3], "none c, the missing one the mean 3")
            #expect((0..<10).map { train[$0, 0] } == (1...10).map { Float((Double($0) - 5.5) / Self.std) }, "standard a")
            let test = data.split("test")!.x
            #expect((0..<3).map { Array(test.row($0)) } == Self.testRows)
        }
    }

    @Test func constantColumnsDivideByOneAndBecomeZeroInTraining() throws {
        try withPrepared { _, path, _ in
            let data = try PreparedDataset.read(from: path)
            let train = data.split("train")!.x
            #expect((0..<10).allSatisfy { train[$0, 2] == 0 && train[$0, 4] == 0 })
            #expect(data.features[2].transform == NumericTransform(shift: 5, divisor: 1), "minmax, max = min")
            #expect(data.features[4].transform == NumericTransform(shift: 5, divisor: 1), "standard, std 0 stored as 1")
            #expect(data.features[4].std == 1)
        }
    }

    @Test func theDatasetStoresEachColumnsScalingStatisticsAndImputation() throws {
        try withPrepared { _, path, _ in
            let f = try H5File.open(path).root.group("features")
            #expect(try f.dataset("scaling").readStrings() == ["standard", "minmax", "minmax", "none", "standard"])
            #expect(try f.dataset("min").read(Double.self) == [0, 0, 5, 0, 0])
            #expect(try f.dataset("max").read(Double.self) == [0, 8, 5, 0, 0])
            #expect(try f.dataset("impute").read(Double.self) == [0, 0.5, 0, 3, 0])
            #expect(try f.dataset("mean").read(Double.self) == [5.5, 4, 5, 3, 5])
            let data = try PreparedDataset.read(from: path)
            #expect(data.features[1].scaling == FeatureScaling(method: .minmax, min: 0, max: 8, impute: 0.5))
            #expect(data.features[3].scaling == FeatureScaling(method: .none, min: 0, max: 0, impute: 3))
        }
    }

    /// The model file's preprocessing (written and read back) encodes the raw test rows,
    /// missing cells included, to exactly the prepared test rows.
    @Test func predictEncodesTheTestRowsExactlyAsPrepareDid() throws {
        try withPrepared { spec, path, testCSV in
            let data = try PreparedDataset.read(from: path)
            let written = Preprocessing(spec: spec, dataset: data, taskIndices: [0])
            let modelPath = path + ".preprocessing.h5"
            let file = try H5File.create(modelPath)
            try written.write(into: file.root)
            try file.close()
            let pre = try #require(try Preprocessing.read(from: H5File.open(modelPath).root, path: modelPath))
            #expect(pre == written)
            #expect(pre.features.map(\.scaling.method) == [.standard, .minmax, .minmax, .none, .standard])
            #expect(try Preprocessing.fromJSON(pre.json(), source: "json") == pre)
            let table = try CSVTable.read(testCSV, options: PredictionRun.csvOptions(pre))
            var x = Matrix.empty
            try RowEncoder(pre, columnNames: table.columnNames, source: testCSV).encode(table, into: &x)
            #expect(x == data.split("test")!.x)
            #expect((0..<3).map { Array(x.row($0)) } == Self.testRows)
        }
    }

    @Test func anUnknownScalingExitsWith64NamingFileLineAndTheValidValues() throws {
        let folder = NSTemporaryDirectory() + "mtkd-scaling-cli-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (name, text) in [("train.csv", Self.train), ("val.csv", Self.val), ("test.csv", Self.test),
                             ("pipeline.yaml", Self.yaml.replacingOccurrences(of: "scaling: none", with: "scaling: zscore"))] {
            try text.write(toFile: folder + "/" + name, atomically: true, encoding: .utf8)
        }
        let r = try runCLI(["run", folder + "/pipeline.yaml", "--artifacts", folder + "/artifacts"])
        #expect(r.code == 64)
        #expect(r.err.contains("pipeline.yaml:11: data.features.numeric[2].scaling: unknown value 'zscore'; "
                               + "valid values are: standard, minmax, none"), "\(r.err)")
    }

    /// Noise σ in the transformed units is `noise · std / divisor`: `noise` for standard,
    /// scaled by std / (max − min) for minmax and by std for none.
    @Test func transferNoiseIsInUnitsOfTheFeaturesStdForEveryScaling() throws {
        let features = [
            FeatureInfo(name: "s", column: "s", kind: .numeric, mean: 1, std: 3),
            FeatureInfo(name: "m", column: "m", kind: .numeric, mean: 1, std: 10, scaling: FeatureScaling(method: .minmax, min: 0, max: 40)),
            FeatureInfo(name: "n", column: "n", kind: .numeric, mean: 1, std: 2.5, scaling: FeatureScaling(method: .none, impute: 1)),
            FeatureInfo(name: "k", column: "k", kind: .numeric, mean: 5, std: 1, scaling: FeatureScaling(method: .minmax, min: 5, max: 5)),
        ]
        #expect(Augmenter.noiseScales(features: features, noise: 0.5) == [0.5, 0.125, 1.25, 0.5])
        #expect(Augmenter.noiseScales(features: Array(features.prefix(1)), noise: 0.1) == [Float(0.1)], "standard: noise itself")

        // The augmenter adds that noise: zero rows come out with those standard deviations.
        let folder = NSTemporaryDirectory() + "mtkd-scaling-noise-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let n = 20_000
        let split = { (name: String) in SplitData(name: name, x: Matrix(rows: n, cols: 4), labels: [], sourceRows: [Int32](repeating: 0, count: n)) }
        try PreparedDataset(source: "s", seed: 1, features: features, tasks: [], splits: ["train", "val", "test"].map(split))
            .write(to: folder + "/dataset.h5")
        var settings = TransferSpec()
        settings.noise = 0.5; settings.resample = 0
        let augmenter = try Augmenter(features: features, settings: settings, source: try SplitRows(path: folder + "/dataset.h5", split: "train"))
        var rng = RNG(seed: 7)
        let out = augmenter.augment(Matrix(rows: n, cols: 4), rng: &rng)
        for (c, expected) in [0.5, 0.125, 1.25, 0.5].enumerated() {
            let values = (0..<n).map { Double(out[$0, c]) }
            let std = (values.map { $0 * $0 }.reduce(0, +) / Double(n)).squareRoot()
            #expect(abs(std / expected - 1) < 0.03, "column \(c): std \(std), expected \(expected)")
        }
    }
}
