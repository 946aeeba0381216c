import Artifacts
import Foundation
import GBDT
@testable import Inspect
import MultiTask
import Tensor
import Testing

extension Fixtures {
    /// A GBDT member of a binary task boosted on 120 synthetic rows (2 numeric inputs, a 2-way
    /// one-hot), kept at its best of at most 40 rounds (early stopping after 4).
    static func gbdtMember() throws -> GBDTMemberFile {
        func rows(_ range: Range<Int>) -> (Matrix, [Float]) {
            var x = Matrix(rows: range.count, cols: 4)
            var y = [Float]()
            for (r, i) in range.enumerated() {
                let a = Float((i * 37) % 100) / 100, b = Float((i * 61) % 100) / 100
                x[r, 0] = a; x[r, 1] = b; x[r, 2 + i % 2] = 1
                y.append(a + 0.5 * b + (i % 2 == 0 ? 0.2 : -0.2) + Float((i * 13) % 7) / 20 > 0.9 ? 1 : 0)
            }
            return (x, y)
        }
        let zeroIsMissing = [false, false, true, true]
        func matrix(_ range: Range<Int>) throws -> DMatrix {
            let (x, y) = rows(range)
            var input = BoosterInput(zeroIsMissing: zeroIsMissing)
            input.append(x)
            return try DMatrix(input, labels: y)
        }
        let settings = BoostingSettings(objective: .binaryLogistic, outputs: 2, maxDepth: 2, learningRate: 0.5, rounds: 40,
                                        earlyStopping: 4, seed: 11)
        let result = try BoostingTrainer.fit(settings, train: try matrix(0..<90), validation: try matrix(90..<120))
        return try GBDTMemberFile(role: "teacher", name: "sex/member-0",
                                  blueprint: GBDTBlueprint(inputs: 4, task: TaskHead(name: "sex", kind: .classification, outputs: 2),
                                                           boosting: settings),
                                  zeroIsMissing: zeroIsMissing, result: result, fingerprint: "f00d")
    }
}

@Suite("inspect: gbdt members")
struct BoostedInspectionTests {
    @Test func memberFileReadsBackAsWritten() throws {
        try TemporaryFolder.with { folder in
            let member = try Fixtures.gbdtMember()
            let path = folder.path("teachers/sex/member-0.h5")
            try member.write(to: path)
            #expect(try GBDTMemberFile.read(from: path) == member)
            guard case .gbdt(let read) = try TeacherMemberFile.read(from: path) else { Issue.record("not read as gbdt"); return }
            #expect(read == member)
            // A network reader refuses it, naming its kind.
            #expect(throws: ArtifactError(path: path, "holds a model of kind 'gbdt', not a network (kind 'mlp')")) {
                try ModelFile.read(from: path)
            }
        }
    }

    @Test func textShowsKindRoundsBestIterationTreesParametersAndTheCurve() throws {
        try TemporaryFolder.with { folder in
            let member = try Fixtures.gbdtMember()
            let path = folder.path("member-0.h5")
            try member.write(to: path)
            let inspection = try Inspector.inspect(path: path)
            #expect(inspection.kind == .model && inspection.model == nil)
            let boosted = try #require(inspection.boosted)
            #expect(boosted.bestIteration == member.bestIteration && boosted.rounds == member.rounds)
            #expect(boosted.trees == member.trees && boosted.history.count == member.rounds)
            let text = inspection.text()
            #expect(text.contains("mtkd model (gradient-boosted trees)"))
            #expect(text.contains("  member      teacher sex/member-0\n"))
            #expect(text.contains("  kind        gbdt: gradient-boosted trees (XGBoost \(XGBoostLibrary.version), hist, 1 thread), 4 inputs → sex, seed 11"))
            #expect(text.contains("  task sex    classification, 2 outputs; objective binary:logistic (one margin m; logits [0, m])"))
            #expect(text.contains("  parameters  max_depth 2, learning_rate 0.5, rounds ≤ 40, early_stopping 4, subsample 0.8, colsample 0.8, min_child_weight 1, lambda 1"))
            #expect(text.contains("  inputs      2 of 4 one-hot: their zeros are missing to the booster (NaN always is)"))
            #expect(text.contains("trees  \(member.trees.trees) trees of \(member.trees.nodes) nodes (\(member.trees.leaves) leaves) in rounds 0…\(member.bestIteration) (\(member.bestIteration + 1) of \(member.rounds) rounds kept), the ones that predict"))
            let best = member.history[member.bestIteration]
            #expect(text.contains("boosting  \(member.rounds) rounds, best iteration \(member.bestIteration) (validation log loss \(String(format: "%.4f", best.validationLoss))"))
            #expect(text.contains("  validation log loss  "))
            let bestRow = text.split(separator: "\n").first { $0.hasPrefix("  best") }
            #expect(bestRow?.contains(" \(member.bestIteration) ") == true)
            #expect(text.contains("/booster "))
            // JSON: every round, and back.
            let json = try inspection.json()
            #expect(try Inspection.decode(json: json) == inspection)
        }
    }

    @Test func folderListsAGBDTMemberWithItsTreesAndBestIteration() throws {
        let member = try Fixtures.gbdtMember()
        try TemporaryFolder.with { folder in
            try member.write(to: folder.path("teachers/sex/member-0.h5"))
            let listing = try FolderMeaning(root: folder.root)
            let file = try #require(listing.files.first { $0.path == "teachers/sex/member-0.h5" })
            #expect(file.kind == "model")
            #expect(file.headline == "gbdt, \(member.trees.trees) trees (\(member.trees.nodes) nodes), best iteration \(member.bestIteration) of \(member.rounds) rounds")
        }
    }
}
