import Artifacts
import Foundation
import HDF5
import Inspect
import MultiTask
import Testing

/// A model file's preprocessing: stored under /preprocessing, read back equal, shown by inspect.
@Suite struct PreprocessingInspectionTests {
    static let preprocessing = Preprocessing(
        csv: .init(delimiter: ";", header: false, columns: ["len", "place", "species"], missingValues: ["?", ""], trimWhitespace: true),
        missingFeatures: .imputeMean,
        features: [.numeric("len", mean: 43.5, std: 5.25),
                   .categorical("place", categories: ["Biscoe", "Dream", "<other>"], otherIndex: 2)],
        tasks: [.init(name: "species", column: "species", kind: .classification, classes: ["A", "B", "C"], positive: [])])

    private func modelPath(_ folder: TemporaryFolder) throws -> String {
        var model = try Fixtures.model()
        model.preprocessing = Self.preprocessing
        let path = folder.path("teachers/species/member-0.h5")
        try model.write(to: path)
        return path
    }

    @Test func theModelFileHoldsThePreprocessingAndReadsItBack() throws {
        try TemporaryFolder.with { folder in
            let path = try modelPath(folder)
            #expect(try ModelFile.read(from: path).preprocessing == Self.preprocessing)
            let g = try H5File.open(path).root.group("preprocessing")
            #expect(try g.attributes.string("delimiter") == ";")
            #expect(try g.attributes.strings("columns") == ["len", "place", "species"])
            #expect(try g.attributes.string("missing_features") == "impute-mean")
            #expect(try g.dataset("features/column").readStrings() == ["len", "place"])
            #expect(try g.dataset("features/width").read(Int32.self) == [1, 3])
            #expect(try g.dataset("features/other_index").read(Int32.self) == [-1, 2])
            #expect(try g.dataset("features/categories").readStrings() == ["Biscoe", "Dream", "<other>"])
            #expect(try g.group("tasks/species").attributes.strings("classes") == ["A", "B", "C"])
        }
    }

    @Test func jsonUsesSnakeCaseKeysAndRoundTrips() throws {
        let json = Self.preprocessing.json()
        #expect(json.contains(#""missing_features":"impute-mean""#))
        #expect(json.contains(#""other_index":2"#) && json.contains(#""label_mean":0"#) && json.contains(#""missing_values":["?",""]"#))
        #expect(try Preprocessing.fromJSON(json, source: "x") == Self.preprocessing)
        #expect(Self.preprocessing.inputNames == ["len", "place=Biscoe", "place=Dream", "place=<other>"])
    }

    @Test func inspectShowsHowRawColumnsBecomeInputs() throws {
        try TemporaryFolder.with { folder in
            let text = try Inspector.inspect(path: try modelPath(folder)).text()
            #expect(text.contains("""
                preprocessing  raw CSV columns → 4 inputs; this file predicts on its own (mtkd predict, mtkd export)
                  csv               delimiter ";", no header, 3 named columns, missing values ["?", ""], cells trimmed
                  missing features  impute-mean: numeric → training mean, categorical → all zeros
                  scaling           standard 1 (len)
                  feature  kind         inputs  encoding
                  len      numeric           1  (x − 43.5) / 5.25
                  place    categorical       3  one-hot ["Biscoe", "Dream", "<other>"]; unseen → <other>
                  task species  classes ["A", "B", "C"] from column "species"
                """), "\(text)")
            let json = String(decoding: try Inspector.inspect(path: try modelPath(folder)).json(), as: UTF8.self)
            #expect(json.contains("\"preprocessing\""))
        }
    }

    /// Each numeric column's map by its scaling; the columns by method in one line; a run of
    /// more than ten columns of one method in one row with the range of its statistics.
    @Test func inspectShowsEachColumnsScalingAndGroupsLongRuns() throws {
        let pixels = (0..<12).map { i in
            Preprocessing.Feature.numeric("p\(i)", mean: 3, std: 9, scaling: FeatureScaling(method: .minmax, min: 0, max: Double(100 + 10 * i), impute: 0.03))
        }
        let pre = Preprocessing(
            csv: .init(), missingFeatures: .imputeMean,
            features: [.numeric("age", mean: 38.5, std: 13.25),
                       .numeric("income", mean: 5, std: 2, scaling: FeatureScaling(method: .minmax, min: 1, max: 9, impute: 0.5)),
                       .numeric("k", mean: 7, std: 1, scaling: FeatureScaling(method: .minmax, min: 7, max: 7)),
                       .numeric("flag", mean: 0.25, std: 0.5, scaling: FeatureScaling(method: .none, impute: 0.25))] + pixels,
            tasks: [.init(name: "species", column: "species", kind: .classification, classes: ["A", "B", "C"], positive: [])])
        let blueprint = NetworkBlueprint(architecture: "hard-sharing", inputs: 16, hidden: [3], dropout: 0,
                                         tasks: [TaskHead(name: "species", kind: .classification, outputs: 3)])
        var model = ModelFile(role: "student", name: "wide", network: try NetworkFactory.make(blueprint, seed: 1), seed: 1,
                              history: TrainingHistory(epochs: Fixtures.history, bestEpoch: 3, seconds: 0.5))
        model.preprocessing = pre
        try TemporaryFolder.with { folder in
            let path = folder.path("students/wide/replicate-0.h5")
            try model.write(to: path)
            let text = try Inspector.inspect(path: path).text()
            #expect(text.contains("""
                  scaling           standard 1 (age); minmax 14 (income, k, … p11); none 1 (flag)
                  feature   kind     inputs  encoding
                  age       numeric       1  (x − 38.5) / 13.25
                  income    numeric       1  (x − 1) / (9 − 1); missing → 0.5
                  k         numeric       1  x − 7 (constant in training)
                  flag      numeric       1  x; missing → 0.25
                  p0 … p11  numeric      12  (x − min) / (max − min), min 0, max 100 … 210
                  task species  classes ["A", "B", "C"] from column "species"
                """), "\(text)")
        }
    }

    @Test func aModelWhosePreprocessingDoesNotFitItsNetworkIsRejected() throws {
        try TemporaryFolder.with { folder in
            var model = try Fixtures.model()   // 4 inputs
            var wrong = Self.preprocessing
            wrong.features.append(.numeric("extra", mean: 0, std: 1))   // 5 inputs
            model.preprocessing = wrong
            let path = folder.path("m.h5")
            try model.write(to: path)
            #expect(throws: ArtifactError(path: path, "/preprocessing makes 5 inputs, the network takes 4")) { try ModelFile.read(from: path) }
        }
    }
}
