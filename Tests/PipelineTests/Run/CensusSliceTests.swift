import Artifacts
import Foundation
import Testing
@testable import Pipeline

/// `pipelines/census-income.yaml` as committed (all 42 raw columns, '?' as missing, the two
/// MMoE tasks, 3 teachers per task, four students), on a slice of the real files:
/// 600 training and 300 test rows (Fixtures/, every 333rd row).
@Suite(.serialized) struct CensusSliceTests {
    @Test func censusPipelineRunsOnASliceOfTheRealFile() throws {
        let fixtures = TestPipeline.repository + "/Tests/PipelineTests/Fixtures"
        var yaml = try String(contentsOfFile: TestPipeline.repository + "/pipelines/census-income.yaml", encoding: .utf8)
        yaml = yaml.replacingOccurrences(of: "../data/census/census-income.train.csv", with: fixtures + "/census-slice.train.csv")
            .replacingOccurrences(of: "../data/census/census-income.test.csv", with: fixtures + "/census-slice.test.csv")
        let folder = NSTemporaryDirectory() + "mtkd-census-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try yaml.write(toFile: folder + "/census.yaml", atomically: true, encoding: .utf8)
        let spec = try PipelineSpec.load(path: folder + "/census.yaml", artifactsRoot: folder + "/artifacts")
        try PipelineRunner(spec: spec, console: Console(capture: true), options: RunOptions(jobs: 2)).run()
        let layout = ArtifactLayout(root: spec.artifactsDirectory)

        // prepare: 10% of the training file held out; 494 inputs on the full file, fewer categories here.
        let data = try PreparedDataset.read(from: layout.dataset, features: false)
        #expect(data.splits.map(\.rowCount) == [540, 60, 300])
        #expect(data.tasks.map(\.classes) == [["other", "50000+."], ["other", "Never married"]])
        #expect(!data.features.contains { ["instance_weight", "income", "marital_status"].contains($0.column) })
        #expect(data.features.filter { $0.kind == .numeric }.count == 7)
        #expect(data.features.count > 200)
        // Labels as in the raw file: 34 incomes over 50K and 257 never married among the 600 rows.
        let positives = { (t: Int) in data.splits.prefix(2).map { split -> Int in
            guard case .classes(let c) = split.labels[t] else { return -1 }
            return c.filter { $0 == 1 }.count
        }.reduce(0, +) }
        #expect(positives(0) == 34 && positives(1) == 257)

        // soft targets: 3 members' logits per task on the 540 training rows.
        let soft = try SoftTargetsFile.read(from: layout.softTargets)
        #expect(soft.tasks.map(\.task) == ["income", "marital"])
        #expect(soft.tasks.allSatisfy { $0.memberOutputs.count == 3 && $0.targets.rows == 540 && $0.targets.cols == 2 })

        // evaluate: every member, both ensembles and the four students, with a test AUC per task.
        let report = try EvaluationReport.read(from: layout.metrics)
        #expect(report.models.filter { $0.role == .teacherMember }.count == 6)
        #expect(report.models.filter { $0.role == .student }.map(\.name) == ["kd", "baseline", "cross-stitch", "soft-sharing"])
        for model in report.models where model.role == .student {
            for task in ["income", "marital"] {
                let auc = try #require(model.tasks[task]?.auc, "\(model.name) \(task)")
                #expect(auc > 0.6 && auc <= 1, "\(model.name) \(task) AUC \(auc)")
            }
        }
    }
}
