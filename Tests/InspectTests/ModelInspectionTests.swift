import Artifacts
import Foundation
import Inspect
import MultiTask
import Testing

@Suite struct ModelInspectionTests {
    private func inspectModel() throws -> Inspection {
        try TemporaryFolder.with { folder in
            let path = folder.path("teachers/species/member-0.h5")
            try Fixtures.model().write(to: path)
            return try Inspector.inspect(path: path)
        }
    }

    private func inspectCheckpoint() throws -> Inspection {
        try TemporaryFolder.with { folder in
            let path = folder.path("checkpoints/teachers/species/member-0.h5")
            try Fixtures.writeCheckpoint(to: path)
            return try Inspector.inspect(path: path)
        }
    }

    @Test func networkDescriptionComesFromTheBlueprint() throws {
        let model = try #require(try inspectModel().model)
        #expect(model.role == "teacher")
        #expect(model.name == "species/member-0")
        #expect(model.architecture == "hard-sharing")
        #expect(model.inputs == 4)
        #expect(model.hidden == [5])
        #expect(Float(model.dropout) == 0.1)  // stored as the network's Float
        #expect(model.tasks.map(\.name) == ["species"])
        #expect(model.tasks.map(\.kind) == ["classification"])
        #expect(model.tasks.map(\.outputs) == [3])
    }

    @Test func everyParameterIsListedWithShapeAndCount() throws {
        let model = try #require(try inspectModel().model)
        #expect(model.parameters.map(\.name) == ["trunk.0.weight", "trunk.0.bias", "head.species.weight", "head.species.bias"])
        #expect(model.parameters.map(\.shape) == [[4, 5], [1, 5], [5, 3], [1, 3]])
        #expect(model.parameters.map(\.count) == [20, 5, 15, 3])
        #expect(model.parameterCount == 43)
    }

    @Test func parameterTableEndsWithTheTotal() throws {
        let text = try inspectModel().text()
        #expect(text.contains("""
            parameters  43 in 4 tensors
              trunk.0.weight       4 × 5  20
              trunk.0.bias         1 × 5   5
              head.species.weight  5 × 3  15
              head.species.bias    1 × 3   3
              total                       43
            """))
    }

    @Test func bestEpochIsTheOneRecordedWithItsScore() throws {
        let model = try #require(try inspectModel().model)
        #expect(model.bestEpoch == 3)
        #expect(model.bestScore == 0.9)
        #expect(model.history.map(\.validationScore) == [0.5, 0.7, 0.9, 0.8, 0.85])
        #expect(model.history.map(\.trainLoss) == [1.0, 0.6, 0.4, 0.35, 0.3])
    }

    @Test func trainingCurveMarksTheBestEpoch() throws {
        let text = try inspectModel().text()
        #expect(text.contains("training  5 epochs, best epoch 3 (validation score 0.9000)\n"))
        #expect(text.contains("  best      3      0.4000     0.9000   0.9000\n"))
        #expect(text.contains("            4      0.3500     0.8000   0.8000\n"))
    }

    @Test func trainingCurveHasASparklineOfTheValidationScore() throws {
        #expect(try inspectModel().text().contains("  validation score  ▁▄█▆▇ 0.5000 … 0.9000\n"))
    }

    @Test func checkpointSaysWhereTrainingResumes() throws {
        let inspection = try inspectCheckpoint()
        #expect(inspection.kind == .checkpoint)
        let checkpoint = try #require(inspection.checkpoint)
        #expect(checkpoint.epoch == 4)
        #expect(checkpoint.optimizerStep == 40)
        #expect(checkpoint.resumesAt == 5)
        #expect(checkpoint.optimizerSlots == ["trunk.0.weight/m"])
        #expect(inspection.text().contains("  checkpoint   4 epochs done, optimizer step 40; resumes at epoch 5\n"))
    }

    @Test func checkpointShowsTheCurveSoFar() throws {
        let model = try #require(try inspectCheckpoint().model)
        #expect(model.history.count == 4)
        #expect(model.bestEpoch == 3)
    }

    @Test func crossStitchMatricesAreShownAsTaskByTaskMixing() throws {
        let blueprint = NetworkBlueprint(architecture: "cross-stitch", inputs: 3, hidden: [4], dropout: 0, tasks: [
            TaskHead(name: "a", kind: .classification, outputs: 2), TaskHead(name: "b", kind: .regression, outputs: 1),
        ], alphaSame: 0.9)
        let inspection = try TemporaryFolder.with { folder in
            let path = folder.path("students/cs.h5")
            try ModelFile(role: "student", name: "cs", network: try NetworkFactory.make(blueprint, seed: 3), seed: 3,
                          history: TrainingHistory(epochs: Fixtures.history.map { var e = $0; e.taskLosses = [1, 1]; e.validationMetrics = [0.5, 0.5]; return e },
                                                   bestEpoch: 3, seconds: 0)).write(to: path)
            return try Inspector.inspect(path: path)
        }
        let stitch = try #require(inspection.model?.mixingMatrices.first)
        #expect(stitch.name == "stitch.0")
        #expect(stitch.meanOverUnits == false)
        #expect(stitch.rows.map { $0.map { ($0 * 1000).rounded() / 1000 } } == [[0.9, 0.1], [0.1, 0.9]])
        #expect(inspection.text().contains("""
            cross-stitch stitch.0  A, row i: how much task i takes from each column
                     a      b
              a  0.900  0.100
              b  0.100  0.900
            """))
    }

    @Test func aNetworkTrainedOverTwoMPIRanksShowsItsRankCount() throws {
        let inspection = try TemporaryFolder.with { folder in
            let path = folder.path("students/kd/replicate-0.h5")
            var model = try Fixtures.model(role: "student", name: "kd/replicate-0")
            model.ranks = 2
            try model.write(to: path)
            return try Inspector.inspect(path: path)
        }
        #expect(inspection.model?.ranks == 2)
        #expect(inspection.text().contains("""
              network       student kd/replicate-0
              architecture  hard-sharing: 4 inputs → hidden [5] → 1 head, dropout 0.1, seed 11
              trained by    2 MPI ranks, data-parallel (same bytes only with 2 ranks again)
              task species  classification, 3 outputs
            """))
        #expect(String(decoding: try inspection.json(), as: UTF8.self).contains("\"ranks\" : 2"))
    }

    @Test func aNetworkOfOneProcessHasNoRankAttributeAndNoRankLine() throws {
        let (inspection, attributes) = try TemporaryFolder.with { folder in
            let path = folder.path("students/kd/replicate-0.h5")
            var model = try Fixtures.model(role: "student", name: "kd/replicate-0")
            model.ranks = 1
            try model.write(to: path)
            return (try Inspector.inspect(path: path), try ModelFile.read(from: path).ranks)
        }
        #expect(attributes == nil)
        #expect(inspection.model?.ranks == nil)
        #expect(!inspection.text().contains("trained by"))
        #expect(inspection.tree?.text().contains("ranks") == false)
    }
}
