import Artifacts
import Foundation
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

    @Test func aMissingColumnIsNamed() {
        #expect(badInput { try encode("x,colour,sizes\n1,blue,L\n") }
                == "in.csv:1: no column 'color'; the model reads 3 columns and 2 are missing: color, size")
    }
}
