import Artifacts
import Foundation
import HDF5
import MultiTask
import NN
import Tensor
import Testing
@testable import Pipeline

@Suite(.serialized) struct EndToEndTests {
    @Test func tinyPipelineWritesArtifactsThatHoldWhatTheReadmeSays() throws {
        let p = try TestPipeline()
        defer { p.remove() }
        try p.run()
        let layout = ArtifactLayout(root: p.artifacts)

        // dataset.h5: 342 rows with measurements (2 have none), split 70/15/15; 3 numeric + 3 one-hot features.
        let data = try PreparedDataset.read(from: layout.dataset)
        #expect(data.splits.map(\.x.rows).reduce(0, +) == 342)
        #expect(data.splits.map(\.x.rows) == [239, 51, 52])
        #expect(data.features.map(\.name) == ["bill_length_mm", "bill_depth_mm", "flipper_length_mm",
                                              "island=Biscoe", "island=Dream", "island=Torgersen"])
        let train = data.split("train")!
        for c in 0..<3 {   // numeric features are standardised on the training split
            let column = (0..<train.x.rows).map { Double(train.x[$0, c]) }
            #expect(abs(column.reduce(0, +) / Double(column.count)) < 1e-5)
        }
        #expect(data.tasks.map(\.classes) == [["Adelie", "Chinstrap", "Gentoo"], ["female", "male"], []])
        guard case .classes(let sex) = train.labels[1] else { Issue.record("sex labels"); return }
        #expect(sex.contains(-1))   // missing labels kept as missing
        #expect(data.tasks[2].labelStd > 100)   // body mass in grams

        // Teachers: 2 members per teacher, each with its full history and its best epoch kept.
        let member = try ModelFile.read(from: layout.teacherMember(task: "species", member: 1))
        #expect(member.history.count == 6)
        #expect(member.blueprint.tasks == [TaskHead(name: "species", kind: .classification, outputs: 3)])
        #expect(member.history[member.bestEpoch - 1].validationScore == member.history.map(\.validationScore).max())

        // Soft targets: every member's logits on the training split, and their combination at T = 2.
        let soft = try SoftTargetsFile.read(from: layout.softTargets)
        #expect(soft.temperature == 2 && soft.combine == "mean-probs")
        let species = try #require(soft.task("species"))
        #expect(species.memberOutputs.count == 2 && species.targets.rows == train.x.rows && species.targets.cols == 3)
        let rebuilt = Ensemble.probabilities(memberLogits: species.memberOutputs, combine: .meanProbs, temperature: 2)
        #expect(rebuilt.maxAbsDifference(species.targets) < 1e-6)
        let m0 = try ModelFile.read(from: layout.teacherMember(task: "species", member: 0)).makeNetwork()
        #expect(m0.predict(train.x)[0].maxAbsDifference(species.memberOutputs[0]) < 1e-5)
        let mass = try #require(soft.task("mass"))
        #expect(mass.targets.cols == 1 && abs(mass.targets.storage.reduce(0, +) / Float(mass.targets.rows) - 4200) < 400)

        // Student: one network, heads for all three tasks.
        let student = try ModelFile.read(from: layout.student("kd"))
        #expect(student.blueprint.tasks.map(\.name) == ["species", "sex", "mass"])
        #expect(student.parameters.map(\.name) == ["trunk.0.weight", "trunk.0.bias", "head.species.weight", "head.species.bias",
                                                   "head.sex.weight", "head.sex.bias", "head.mass.weight", "head.mass.bias"])

        // metrics.json: every member, each ensemble and the student, with parameter counts.
        let report = try EvaluationReport.read(from: layout.metrics)
        #expect(report.models.map(\.name) == ["species/member-0", "species/member-1", "species/ensemble",
                                              "mass/member-0", "mass/member-1", "mass/ensemble", "kd"])
        let kd = try #require(report.model("kd"))
        #expect(kd.parameters == student.parameterCount)
        #expect(try #require(kd.tasks["species"]?.accuracy) > 0.9)
        #expect(kd.tasks["sex"]?.auc != nil && kd.tasks["species"]?.auc == nil)
        #expect(try #require(kd.tasks["mass"]?.rmse) < 600)
        #expect(try #require(report.model("species/ensemble")?.tasks["species"]?.accuracy) > 0.9)
        #expect(FileManager.default.fileExists(atPath: layout.reportMarkdown))
        #expect(FileManager.default.fileExists(atPath: layout.lock))
    }

    @Test func everyStudentVariantTrainsAndCrossStitchMatricesMove() throws {
        let p = try TestPipeline(extraStudentYAML: """
          - {name: baseline, distill: none, hidden: [16], epochs: 8, batch_size: 16, learning_rate: 0.01}
          - {name: cs, architecture: cross-stitch, hidden: [16, 8], epochs: 8, batch_size: 16, learning_rate: 0.01, task_weighting: uncertainty}
          - {name: ss, architecture: soft-sharing, lambda: 0.01, hidden: [16], epochs: 8, batch_size: 16, learning_rate: 0.01, batching: per-task}
        """)
        defer { p.remove() }
        try p.run()
        let layout = ArtifactLayout(root: p.artifacts)
        let report = try EvaluationReport.read(from: layout.metrics)
        #expect(report.models.filter { $0.role == .student }.map(\.architecture) == ["hard-sharing", "hard-sharing", "cross-stitch", "soft-sharing"])
        let cs = try ModelFile.read(from: layout.student("cs"))
        let stitches = cs.parameters.filter { $0.name.hasPrefix("stitch.") }
        #expect(stitches.map(\.name) == ["stitch.0", "stitch.1"])
        let initial = CrossStitchUnit.initialMatrix(tasks: 3, alphaSame: 0.9)
        for s in stitches {
            #expect(s.value.rows == 3 && s.value.cols == 3)
            #expect(s.value.maxAbsDifference(initial) > 0.01, "\(s.name) did not move from its initial values")
        }
        #expect(cs.taskLogVariance?.count == 3)
        for model in report.models where model.role == .student {
            #expect(try #require(model.tasks["species"]?.accuracy) > 0.85, "\(model.name)")
        }
    }

    @Test func twoRunsWithTheSameSeedWriteIdenticalArtifacts() throws {
        let a = try TestPipeline(), b = try TestPipeline()
        defer { a.remove(); b.remove() }
        try a.run()
        try b.run()
        let bytesA = try a.artifactBytes(), bytesB = try b.artifactBytes()
        #expect(bytesA.keys.sorted() == bytesB.keys.sorted())
        #expect(bytesA.count >= 9)
        for (k, v) in bytesA { #expect(bytesB[k] == v, "\(k) differs") }
    }
}
