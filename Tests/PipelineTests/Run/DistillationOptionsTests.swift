import Artifacts
import Foundation
import Testing
@testable import Pipeline

/// Students' own distillation settings (issue 12): temperature and combination per student,
/// teacher annealing, learning-rate schedules; the teachers' outputs on validation.
@Suite(.serialized) struct DistillationOptionsTests {
    func pipeline(_ extra: String = "", folder: String? = nil) throws -> TestPipeline {
        try TestPipeline(extraStudentYAML: """
          - name: annealed
            hidden: [16]
            epochs: 8
            batch_size: 16
            learning_rate: 0.01
            alpha_schedule: linear
            lr_schedule: cosine
            warmup_epochs: 2
        \(extra)
        """, folder: folder)
    }

    @Test func softTargetsHoldEveryMembersOutputsOnTheValidationSplit() throws {
        let p = try pipeline()
        defer { p.remove() }
        try p.run()
        let soft = try SoftTargetsFile.read(from: p.artifacts + "/soft-targets.h5")
        let dataset = try PreparedDataset.read(from: p.artifacts + "/data/dataset.h5", features: false)
        for t in soft.tasks {
            #expect(t.validationMemberOutputs.count == t.memberOutputs.count)
            #expect(t.validationMemberOutputs.allSatisfy { $0.rows == dataset.split("val")!.rowCount })
        }
    }

    @Test func aStudentsOwnTemperatureRetrainsOnlyThatStudent() throws {
        var p = try pipeline()
        defer { p.remove() }
        try p.run()
        p = try pipeline("    temperature: 4\n    combine: mean-logits", folder: p.folder)
        let status = try PipelineStatus.of(p.spec())
        #expect(status.stages.first { $0.stage == "student:annealed" }?.reasons
                == ["parameter students.annealed.combine changed: mean-probs → mean-logits",
                    "parameter students.annealed.temperature changed: 2.0 → 4.0"])
        #expect(ranStages(try p.run().lines) == ["student:annealed", "evaluate"])
    }

    @Test func scheduleSettingsAreCheckedWhereTheyAreWritten() throws {
        let p = try pipeline("    step_gamma: 2")
        defer { p.remove() }
        #expect(throws: SpecError.self) { try p.spec() }
        do { _ = try p.spec() } catch let e as SpecError { #expect(e.message == "step_gamma must be > 0 and <= 1, got 2") }
    }

    @Test func aStepBudgetTrainsTheEpochsThatHoldThatManyBatches() throws {
        let p = try pipeline("  - name: budgeted\n    hidden: [8]\n    steps: 50\n    batch_size: 16")
        defer { p.remove() }
        let lines = try p.run().lines
        let train = try PreparedDataset.read(from: p.artifacts + "/data/dataset.h5", features: false).split("train")!.rowCount
        let batches = (train + 15) / 16
        let epochs = (50 + batches - 1) / batches
        #expect(epochs > 1)
        #expect(lines.contains("  budget 50 steps: \(epochs) epochs of \(batches) batches"))
        let status = try PipelineStatus.of(p.spec())
        #expect(status.stages.allSatisfy { $0.reasons.isEmpty })
    }

    @Test func epochsAndStepsExcludeEachOther() throws {
        let p = try pipeline("    steps: 100")
        defer { p.remove() }
        do { _ = try p.spec(); Issue.record("no error") } catch let e as SpecError { #expect(e.message == "give epochs or steps, not both") }
    }
}
