import Artifacts
import Foundation
import HDF5
import Tabular
import Tensor
import Testing
@testable import Predict

/// Encoding raw cells with a stored preprocessing, against values worked out by hand.
@Suite struct RowEncoderTests {
    private func encode(_ csv: String, _ model: ModelFile = syntheticModel(), impute: Bool = false) throws -> Matrix {
        let pre = model.preprocessing!
        let table = try CSVTable.parse(Array(csv.utf8), source: "in.csv", options: PredictionRun.csvOptions(pre))
        let encoder = try RowEncoder(pre, columnNames: table.columnNames, source: "in.csv", imputeMissing: impute)
        var x = Matrix.empty
        try encoder.encode(table, into: &x)
        return x
    }

    private func badInput(_ body: () throws -> Any) -> String? {
        do { _ = try body(); return nil } catch let e as PredictError { return e.errorDescription } catch { return "\(error)" }
    }

    @Test func numericIsStandardisedInDoubleAndCategoricalIsOneHot() throws {
        // inputs: x | color=blue, color=green, color=<other> | size=L, size=S
        let x = try encode("size,x,color,id\nS,13,green,a\nL,9.1,blue,b\n")
        #expect(x.rows == 2 && x.cols == 6)
        #expect(Array(x.row(0)) == [1.5, 0, 1, 0, 0, 1])
        #expect(Array(x.row(1)) == [Float((9.1 - 10.0) / 2.0), 1, 0, 0, 1, 0])
    }

    @Test func unseenCategoriesGoToOtherWhenTheVocabularyHasItElseNowhere() throws {
        let x = try encode("x,color,size\n10,red,M\n")
        #expect(Array(x.row(0)) == [0, 0, 0, 1, 0, 0])
    }

    @Test func missingCellsAreImputedForImputeMeanModels() throws {
        let x = try encode("x,color,size\nNA,,L\n", syntheticModel(.imputeMean))
        #expect(Array(x.row(0)) == [0, 0, 0, 0, 1, 0])
        let forced = try encode("x,color,size\n ,blue,NA\n", syntheticModel(.dropRow), impute: true)
        #expect(Array(forced.row(0)) == [0, 1, 0, 0, 0, 0])
    }

    @Test func missingCellsOfDropRowModelsAreRefusedWithLineAndColumn() {
        #expect(badInput { try encode("x,color,size\n1,blue,L\n\n2,NA,S\n") }
                == "in.csv:4:2: missing value in column 'color'; the model was trained with missing_features: drop-row and never saw such a row (--impute-missing imputes: numeric → training mean, categorical → all zeros)")
        #expect(badInput { try encode("x,color,size\nNA,blue,L\n") }?.hasPrefix("in.csv:2:1: missing value in column 'x';") == true)
    }

    @Test func nonNumericAndNonFiniteNumbersAreRefused() {
        #expect(badInput { try encode("x,color,size\n1,blue,L\nabc,blue,L\n") } == "in.csv:3:1: non-numeric value 'abc' in column 'x'")
        #expect(badInput { try encode("x,color,size\ninf,blue,L\n") } == "in.csv:2:1: non-finite value 'inf' in column 'x'; expected a finite number")
        #expect(badInput { try encode("x,color,size\nnan,blue,L\n", syntheticModel(.imputeMean)) } == "in.csv:2:1: non-finite value 'nan' in column 'x'; expected a finite number")
        #expect(badInput { try encode("x,color,size\n1e999,blue,L\n") } == "in.csv:2:1: non-finite value '1e999' in column 'x'; expected a finite number")
    }

    /// `x` scaled as `scaling` says, in the synthetic model (x: mean 10, std 2, one input).
    private func scaled(_ scaling: FeatureScaling) -> ModelFile {
        var model = syntheticModel(.imputeMean)
        model.preprocessing!.features[0].scaling = scaling
        return model
    }

    @Test func minmaxMapsTheTrainingRangeOntoZeroToOneAndImputesItsValue() throws {
        // min 4, max 20: (x − 4) / 16; missing → the training mean 10 scaled, (10 − 4) / 16.
        let x = try encode("x,color,size\n13,blue,L\n4,blue,L\n-0.8,blue,L\nNA,blue,L\n",
                           scaled(FeatureScaling(method: .minmax, min: 4, max: 20, impute: 0.375)))
        #expect((0..<4).map { x[$0, 0] } == [0.5625, 0, -0.3, 0.375])
    }

    @Test func minmaxOfAConstantColumnDividesByOne() throws {
        let x = try encode("x,color,size\n13,blue,L\n7.5,blue,L\n", scaled(FeatureScaling(method: .minmax, min: 7.5, max: 7.5)))
        #expect((0..<2).map { x[$0, 0] } == [5.5, 0])
    }

    @Test func noneKeepsTheValueAndImputesTheMean() throws {
        let x = try encode("x,color,size\n13.25,blue,L\nNA,blue,L\n-1e6,blue,L\n", scaled(FeatureScaling(method: .none, impute: 10)))
        #expect((0..<3).map { x[$0, 0] } == [13.25, 10, -1e6])
    }

    /// A model file as mtkd wrote it before scaling existed (no /preprocessing/features/scaling,
    /// min, max, impute — as it still writes a standard-only one) loads as standard, imputing 0.
    @Test func aModelFileWithoutScalingArraysLoadsAsStandard() throws {
        try TemporaryFolder.with { folder in
            let path = folder.file("old.h5")
            try syntheticModel(.imputeMean).write(to: path)
            let features = try H5File.open(path).root.group("preprocessing/features")
            #expect(!features.contains("scaling") && !features.contains("min") && !features.contains("max") && !features.contains("impute"))
            let model = try ModelFile.read(from: path)
            #expect(model.preprocessing!.features.map(\.scaling) == [.standard, .standard, .standard])
            let x = try encode("x,color,size\n13,blue,L\nNA,blue,L\n", model)
            #expect((0..<2).map { x[$0, 0] } == [1.5, 0])
            // Its JSON (in exports) has no scaling keys either, and such JSON reads as standard.
            let json = model.preprocessing!.json()
            #expect(!json.contains(#""scaling":"#) && !json.contains(#""impute":"#) && !json.contains(#""min":"#))
            #expect(try Preprocessing.fromJSON(json, source: "j").features[0].scaling == .standard)
        }
    }

    @Test func aScaledModelFileWritesItsScalingAndReadsItBack() throws {
        try TemporaryFolder.with { folder in
            let path = folder.file("new.h5")
            let model = scaled(FeatureScaling(method: .minmax, min: 4, max: 20, impute: 0.375))
            try model.write(to: path)
            let features = try H5File.open(path).root.group("preprocessing/features")
            #expect(try features.dataset("scaling").readStrings() == ["minmax", "one-hot", "one-hot"])
            #expect(try features.dataset("min").read(Double.self) == [4, 0, 0])
            #expect(try features.dataset("max").read(Double.self) == [20, 0, 0])
            #expect(try features.dataset("impute").read(Double.self) == [0.375, 0, 0])
            #expect(try ModelFile.read(from: path).preprocessing == model.preprocessing)
            let json = model.preprocessing!.json()
            #expect(json.contains(#""impute":0.375"#) && json.contains(#""scaling":"minmax""#) && json.contains(#""min":4"#))
            #expect(try Preprocessing.fromJSON(json, source: "j") == model.preprocessing)
        }
    }

    @Test func aPreprocessingWithAnUnknownScalingIsRefused() throws {
        try TemporaryFolder.with { folder in
            let path = folder.file("bad.h5")
            let file = try H5File.create(path)
            try syntheticModel().preprocessing!.write(into: file.root)
            let features = try file.root.group("preprocessing/features")
            try features.write(["zscore", "one-hot", "one-hot"], to: "scaling")
            for name in ["min", "max", "impute"] { try features.write([0.0, 0, 0], shape: [3], to: name) }
            #expect(throws: ArtifactError(path: path, "/preprocessing/features/scaling[0] is 'zscore', expected standard, minmax, none")) {
                try Preprocessing.read(from: file.root, path: path)
            }
            try file.close()
        }
    }

    @Test func aMissingColumnIsNamed() {
        #expect(badInput { try encode("x,colour,sizes\n1,blue,L\n") }
                == "in.csv:1: no column 'color'; the model reads 3 columns and 2 are missing: color, size")
    }
}
