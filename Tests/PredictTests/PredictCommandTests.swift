import Artifacts
import Foundation
import HDF5
import Tabular
import Tensor
import Testing
@testable import Predict

/// `mtkd predict` as a user runs it: output columns and values, exit codes and messages.
@Suite struct PredictCommandTests {
    let input = "id,x,color,size\nr1,13,green,S\nr2,9.5,red,M\nr3,10,blue,L\n"

    @Test func csvOutputHasKeptColumnsClassesAndProbabilitiesOfTheNetwork() throws {
        try TemporaryFolder.with { folder in
            let model = syntheticModel()
            try model.write(to: folder.file("m.h5"))
            let path = try folder.write(input, to: "in.csv")
            let result = try runCLI(["predict", folder.file("m.h5"), path, "--keep", "id"])
            #expect(result.code == 0, "\(result.err)")
            let rows = csvRows(result.out)
            #expect(rows[0] == ["id", "label", "label:p(no)", "label:p(yes)", "amount"])
            #expect(rows.count == 4)
            // The same numbers as the network on the encoded rows, printed exactly (shortest f32 text).
            let table = try CSVTable.parse(Array(input.utf8), source: path)
            let encoder = try RowEncoder(model.preprocessing!, columnNames: table.columnNames, source: path)
            var x = Matrix.empty
            try encoder.encode(table, into: &x)
            let outputs = try Predictor(model: model, path: "m.h5").predict(x)
            for r in 0..<3 {
                let p = outputs[0].row(r)
                #expect(rows[r + 1][0] == "r\(r + 1)")
                #expect(rows[r + 1][1] == (p[p.startIndex + 1] > p[p.startIndex] ? "yes" : "no"))
                #expect(rows[r + 1][2] == p[p.startIndex].description && rows[r + 1][3] == p[p.startIndex + 1].description)
                #expect(rows[r + 1][4] == outputs[1].storage[r].description)
                #expect(abs(p[p.startIndex] + p[p.startIndex + 1] - 1) < 1e-6)
            }
            // Regression values are in label units: mean 100, std 10.
            let raw = try model.makeNetwork().predict(x)[1].storage[0]
            #expect(outputs[1].storage[0] == Float(Double(raw) * 10 + 100))
        }
    }

    @Test func hdf5OutputHoldsTheSameNumbersAsCSV() throws {
        try TemporaryFolder.with { folder in
            try syntheticModel().write(to: folder.file("m.h5"))
            let path = try folder.write(input, to: "in.csv")
            let csv = try runCLI(["predict", folder.file("m.h5"), path])
            let h5 = try runCLI(["predict", folder.file("m.h5"), path, "--keep", "id", "-o", folder.file("out.h5")])
            #expect(csv.code == 0 && h5.code == 0, "\(h5.err)")
            #expect(h5.out.isEmpty)
            let rows = csvRows(csv.out).dropFirst()
            let root = try H5File.open(folder.file("out.h5")).root
            #expect(try root.attributes.string("mtkd_format") == "predictions")
            let probabilities = try root.dataset("label/probabilities")
            #expect(probabilities.shape == [3, 2])
            #expect(try probabilities.attributes.strings("classes") == ["no", "yes"])
            #expect(try probabilities.read(Float.self).map(\.description) == rows.flatMap { [$0[1], $0[2]] })
            #expect(try root.dataset("label/class").read(Int32.self) == rows.map { $0[0] == "yes" ? 1 : 0 })
            #expect(try root.dataset("amount/value").read(Float.self).map(\.description) == rows.map { $0[3] })
            #expect(try root.dataset("keep/id").readStrings() == ["r1", "r2", "r3"])
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.contains(AtomicWrite.marker) }
            #expect(leftovers.isEmpty)
        }
    }

    @Test func gzipInputAndOutputFileGiveTheSameRows() throws {
        try TemporaryFolder.with { folder in
            try syntheticModel().write(to: folder.file("m.h5"))
            let path = try folder.write(input, to: "in.csv")
            let gz = Process()
            gz.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            gz.arguments = ["gzip", "-k", path]
            try gz.run(); gz.waitUntilExit()
            let plain = try runCLI(["predict", folder.file("m.h5"), path])
            let packed = try runCLI(["predict", folder.file("m.h5"), path + ".gz", "-o", folder.file("out.csv")])
            #expect(packed.code == 0, "\(packed.err)")
            #expect(try String(contentsOfFile: folder.file("out.csv"), encoding: .utf8) == plain.out)
        }
    }

    /// Exit 64 and the message a user sees, for each kind of bad input.
    @Test func badInputExitsWith64NamingLineAndColumn() throws {
        try TemporaryFolder.with { folder in
            try syntheticModel().write(to: folder.file("m.h5"))
            let model = folder.file("m.h5")
            func check(_ text: String, _ expected: String, extra: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) throws {
                let path = try folder.write(text, to: "in.csv")
                let r = try runCLI(["predict", model, path] + extra)
                #expect(r.code == 64, "\(r.err)", sourceLocation: sourceLocation)
                #expect(r.err == "error: " + expected.replacingOccurrences(of: "IN", with: path) + "\n", sourceLocation: sourceLocation)
                #expect(r.out.isEmpty, sourceLocation: sourceLocation)
            }
            try check("x,color\n1,blue\n", "IN:1: no column 'size'; the model reads 3 columns and 1 is missing: size")
            try check("x,color,size\n1,blue,L\n2,blue,L\nx2,blue,L\n", "IN:4:1: non-numeric value 'x2' in column 'x'")
            try check("x,color,size\n-inf,blue,L\n", "IN:2:1: non-finite value '-inf' in column 'x'; expected a finite number")
            try check("x,color,size\n1,blue,\n",
                      "IN:2:3: missing value in column 'size'; the model was trained with missing_features: drop-row and never saw such a row (--impute-missing imputes: numeric → training mean, categorical → all zeros)")
            try check("", "IN: empty file")
            try check("x,color,size\n", "IN: no data rows to predict")
            try check("x,color,size\n1,blue\n", "IN:2: ragged row: expected 3 fields, got 2")
            try check("x,color,size\n1,blue,L\n", "IN:1: no column 'id' to keep; the columns are x, color, size", extra: ["--keep", "id"])
            try check("x,color,size,label\n1,blue,L,no\n",
                      "--keep label: the output already has a prediction column 'label'; keep another column (an id)", extra: ["--keep", "label"])
            let imputed = try runCLI(["predict", model, try folder.write("x,color,size\n1,blue,\n", to: "in.csv"), "--impute-missing"])
            #expect(imputed.code == 0)
        }
    }

    @Test func badModelsAndArgumentsExitWith64() throws {
        try TemporaryFolder.with { folder in
            let path = try folder.write(input, to: "in.csv")
            let missing = try runCLI(["predict", folder.file("none.h5"), path])
            #expect(missing.code == 64 && missing.err == "error: \(folder.file("none.h5")): no such model file\n")
            let notModel = try runCLI(["predict", path, path])
            #expect(notModel.code == 64)
            let noInput = try runCLI(["predict", folder.file("m.h5")])
            #expect(noInput.code == 64 && noInput.err.contains("expected MODEL.h5 INPUT.csv"))
            var old = syntheticModel()
            old.preprocessing = nil
            try old.write(to: folder.file("old.h5"))
            let r = try runCLI(["predict", folder.file("old.h5"), path])
            #expect(r.code == 64 && r.err.contains("holds no preprocessing"))
        }
    }
}

extension PredictCommandTests {
    @Test func inspectNamesAPredictionsFile() throws {
        try TemporaryFolder.with { folder in
            try syntheticModel().write(to: folder.file("m.h5"))
            let path = try folder.write(input, to: "in.csv")
            _ = try runCLI(["predict", folder.file("m.h5"), path, "-o", folder.file("out.h5")])
            let r = try runCLI(["inspect", folder.file("out.h5")])
            #expect(r.code == 0)
            #expect(r.out.contains("predictions of student synthetic on \(path) (mtkd predict --output)"), "\(r.out)")
            #expect(r.out.contains("/label/probabilities"), "\(r.out)")
        }
    }
}
