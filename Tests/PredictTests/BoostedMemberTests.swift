import Artifacts
import Foundation
import GBDT
import MultiTask
import Tabular
import Tensor
import Testing
@testable import Predict

/// A gradient-boosted member file used as a user runs it: `mtkd predict` prints its booster's
/// probabilities, and a file without preprocessing is refused as a network's is.
@Suite struct BoostedMemberTests {
    let input = "id,x,color,size\nr1,13,green,S\nr2,9.5,red,M\nr3,10,,L\nr4,7.25,blue,S\n"

    /// A member of the synthetic model's `label` task (no/yes), boosted on 200 encoded rows
    /// (x | color one-hot | size one-hot, whose zeros are missing to the booster).
    static func member() throws -> GBDTMemberFile {
        let pre = syntheticModel(.imputeMean).preprocessing!
        let one = Preprocessing(csv: pre.csv, missingFeatures: pre.missingFeatures, features: pre.features, tasks: [pre.tasks[0]])
        let zeroIsMissing = [false, true, true, true, true, true]
        func matrix(_ range: Range<Int>) throws -> DMatrix {
            var x = Matrix(rows: range.count, cols: 6)
            var y = [Float]()
            for (r, i) in range.enumerated() {
                x[r, 0] = Float((i * 37) % 100) / 25 - 2
                x[r, 1 + i % 3] = 1
                if i % 5 != 0 { x[r, 4 + (i / 3) % 2] = 1 }
                y.append(x[r, 0] + (i % 3 == 1 ? 0.8 : -0.3) + Float((i * 13) % 7) / 10 > 0.2 ? 1 : 0)
            }
            var input = BoosterInput(zeroIsMissing: zeroIsMissing)
            input.append(x)
            return try DMatrix(input, labels: y)
        }
        let settings = BoostingSettings(objective: .binaryLogistic, outputs: 2, maxDepth: 2, learningRate: 0.5, rounds: 30,
                                        earlyStopping: 4, seed: 3)
        let result = try BoostingTrainer.fit(settings, train: try matrix(0..<160), validation: try matrix(160..<200))
        var file = try GBDTMemberFile(role: "teacher", name: "label/member-0",
                                      blueprint: GBDTBlueprint(inputs: 6, task: TaskHead(name: "label", kind: .classification, outputs: 2),
                                                               boosting: settings),
                                      zeroIsMissing: zeroIsMissing, result: result, fingerprint: "")
        file.preprocessing = one
        return file
    }

    @Test func predictPrintsTheSoftmaxOfTheBoostersMarginsOfTheKeptRounds() throws {
        try TemporaryFolder.with { folder in
            let member = try Self.member()
            try member.write(to: folder.file("m.h5"))
            let path = try folder.write(input, to: "in.csv")
            let result = try runCLI(["predict", folder.file("m.h5"), path, "--keep", "id"])
            #expect(result.code == 0, "\(result.err)")
            let rows = csvRows(result.out)
            #expect(rows[0] == ["id", "label", "label:p(no)", "label:p(yes)"])
            // The booster itself on the encoded rows: margins m of rounds 0…best → softmax([0, m]).
            let table = try CSVTable.parse(Array(input.utf8), source: path, options: PredictionRun.csvOptions(member.preprocessing!))
            var x = Matrix.empty
            try RowEncoder(member.preprocessing!, columnNames: table.columnNames, source: path).encode(table, into: &x)
            var sparse = BoosterInput(zeroIsMissing: member.zeroIsMissing)
            sparse.append(x)
            let margins = try Booster(model: member.booster).margins(try DMatrix(sparse), rounds: 0..<(member.bestIteration + 1))
            #expect(margins.rows == 4 && margins.cols == 1)
            for r in 0..<4 {
                var logits = Matrix(rows: 1, cols: 2)
                logits[0, 1] = margins[r, 0]
                let p = Predictor.finish(logits, member.preprocessing!.tasks[0])
                #expect(rows[r + 1] == ["r\(r + 1)", p[0, 1] > p[0, 0] ? "yes" : "no", p[0, 0].description, p[0, 1].description])
            }
        }
    }

    @Test func aMemberWithoutPreprocessingIsRefusedByPredictAndExport() throws {
        try TemporaryFolder.with { folder in
            var member = try Self.member()
            member.preprocessing = nil
            try member.write(to: folder.file("old.h5"))
            let path = try folder.write(input, to: "in.csv")
            let message = "error: \(folder.file("old.h5")): the model file holds no preprocessing (written by an older mtkd); re-run its pipeline to rewrite it\n"
            let predict = try runCLI(["predict", folder.file("old.h5"), path])
            #expect(predict.code == 64 && predict.err == message, "\(predict.err)")
            for format in ["onnx", "safetensors"] {
                let export = try runCLI(["export", folder.file("old.h5"), "--format", format, "-o", folder.file("old.\(format)")])
                #expect(export.code == 64 && export.err == message, "\(export.err)")
                #expect(!FileManager.default.fileExists(atPath: folder.file("old.\(format)")))
            }
        }
    }
}
