import Artifacts
import Foundation
import Metrics
import Tensor
import Testing
@testable import Pipeline

/// What `evaluate` claims about students (issue 10): intervals over replicates, paired
/// differences against the no-KD baseline, the bootstrap for one replicate, the ship choice.
@Suite(.serialized) struct ComparisonStatisticsTests {
    /// The tiny pipeline with a second student `twin` identical to `kd` but for its name, and a baseline.
    func pipeline(replicates: Int) throws -> TestPipeline {
        try TestPipeline(extraStudentYAML: """
          - name: twin
            hidden: [16]
            epochs: 8
            batch_size: 16
            learning_rate: 0.01
            baseline: baseline
          - name: baseline
            distill: none
            hidden: [16]
            epochs: 8
            batch_size: 16
            learning_rate: 0.01
        replicates: \(replicates)
        """)
    }

    func comparison(_ report: EvaluationReport, _ student: String) throws -> StudentComparison {
        try #require(report.comparisons?.first { $0.student == student })
    }

    @Test(arguments: [1, 3])
    func twoStudentsThatDifferOnlyInNameShowNoSignificantDifference(replicates: Int) throws {
        let p = try pipeline(replicates: replicates)
        defer { p.remove() }
        try p.run()
        let report = try EvaluationReport.read(from: p.artifacts + "/report/metrics.json")
        let kd = try comparison(report, "kd"), twin = try comparison(report, "twin")
        #expect(kd.baseline == "baseline" && twin.baseline == "baseline")
        for task in ["species", "sex", "mass"] {
            let a = try #require(kd.tasks[task]), b = try #require(twin.tasks[task])
            // Same seed per replicate, same settings: the same numbers, and the same claims.
            #expect(a == b)
            let vs = try #require(a.vsBaseline)
            #expect(vs.interval.method == (replicates == 1 ? .bootstrap : .pairedT))
            if replicates > 1 {
                #expect(a.metrics[a.metric]?.low != nil)
            }
        }
        // kd against its twin directly: every difference is exactly zero, never significant.
        let accuracy = { (name: String) in report.model(name)!.replicates!.map { $0.tasks["species"]!.accuracy! } }
        let d = Statistics.pairedDifference(accuracy("kd"), accuracy("twin"))
        #expect(d.estimate == 0 && !d.excludesZero)
    }

    @Test func withOneReplicateTheBootstrapBoundsEveryComparison() throws {
        let p = try pipeline(replicates: 1)
        defer { p.remove() }
        try p.run()
        let report = try EvaluationReport.read(from: p.artifacts + "/report/metrics.json")
        let kd = try comparison(report, "kd")
        let species = try #require(kd.tasks["species"])
        #expect(species.metric == "accuracy")
        #expect(species.vsEnsemble?.interval.low != nil && species.vsEnsemble?.interval.method == .bootstrap)
        #expect(species.metrics["accuracy"]?.low == nil)  // one replicate: no interval over seeds
        #expect(kd.tasks["sex"]?.vsEnsemble == nil)        // no teacher for sex
        #expect(kd.tasks["sex"]?.gapRecovered == nil)
        #expect(try comparison(report, "baseline").tasks["species"]?.vsBaseline == nil)
    }

    @Test func theStudentToShipIsChosenOnValidationNotOnTest() throws {
        // Given files: changing only the test file must not change the choice.
        let folder = NSTemporaryDirectory() + "mtkd-ship-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let lines = try String(contentsOfFile: TestPipeline.penguins, encoding: .utf8).split(separator: "\n").map(String.init)
        let header = lines[0], rows = Array(lines[1...])
        func write(_ name: String, _ part: ArraySlice<String>) throws {
            try ([header] + part).joined(separator: "\n").appending("\n").write(toFile: folder + "/" + name, atomically: true, encoding: .utf8)
        }
        // The file is sorted by species: deal the rows out so every split has every class.
        let train = rows.indices.filter { $0 % 6 < 4 }.map { rows[$0] }, val = rows.indices.filter { $0 % 6 == 4 }.map { rows[$0] }
        let test = rows.indices.filter { $0 % 6 == 5 }.map { rows[$0] }
        try write("train.csv", train[...]); try write("val.csv", val[...]); try write("test.csv", test[...])
        let p = try pipeline(replicates: 2)
        defer { p.remove() }
        var yaml = try String(contentsOfFile: p.file, encoding: .utf8)
        yaml = yaml.replacingOccurrences(of: "csv: \(TestPipeline.penguins)",
                                         with: "files: {train: \(folder)/train.csv, val: \(folder)/val.csv, test: \(folder)/test.csv}")
        try p.write(yaml: yaml)
        try p.run()
        let first = try EvaluationReport.read(from: p.artifacts + "/report/metrics.json")
        let ship = try #require(first.ship)
        #expect(ship.validationScore == first.comparisons!.map(\.validationScore).max())
        #expect(ship.ensembleParameters == first.models.filter { $0.role == .teacherMember }.reduce(0) { $0 + $1.parameters })

        try write("test.csv", test[..<30])  // another test split, nothing else changed
        try p.run()
        let second = try EvaluationReport.read(from: p.artifacts + "/report/metrics.json")
        #expect(second.ship == ship)
        #expect(second.model("kd")?.tasks != first.model("kd")?.tasks)
    }
}

@Suite struct DegenerateIntervalTests {
    /// Two replicates that differ from their baseline by exactly the same amount give a paired-t
    /// interval of zero width: that must not be called significant on its own; the bootstrap over
    /// test rows decides.
    @Test func identicalReplicateDifferencesFallBackToTheBootstrapOverTestRows() throws {
        let p = try TestPipeline()
        defer { p.remove() }
        var spec = try p.spec()
        let kd = spec.students[0]
        var baseline = kd
        baseline.name = "baseline"; baseline.distill = .none
        spec.students = [kd, baseline]
        let task = TaskInfo(name: "y", column: "y", kind: .classification, classes: ["a", "b"])
        let labels: [Int32] = (0..<40).map { Int32($0 % 2) }
        let dataset = PreparedDataset(source: "test", seed: 1, features: [], tasks: [task],
                                      splits: [SplitData(name: "test", x: Matrix(rows: 40, cols: 0), labels: [.classes(labels)],
                                                         sourceRows: (0..<40).map(Int32.init))])
        // Logits: kd a little better than the baseline, the same in both replicates.
        func logits(_ noise: Float) -> Matrix {
            Matrix(rows: 40, cols: 2, storage: (0..<40).flatMap { r -> [Float] in
                let right = Float(labels[r]) * 2 - 1
                return [0, right * (r % 5 == 0 ? -noise : noise)]
            })
        }
        func replicate(_ k: Int, _ auc: Double) -> ReplicateEvaluation {
            ReplicateEvaluation(replicate: k, tasks: ["y": TaskMetrics(rows: 40, accuracy: auc, auc: auc)], validation: [:])
        }
        let students = [
            EvaluationStatistics.Replicates(student: kd, evaluations: [replicate(0, 0.85), replicate(1, 0.85)],
                                            outputs: [[logits(1)], [logits(1)]], parameters: 10),
            EvaluationStatistics.Replicates(student: baseline, evaluations: [replicate(0, 0.80), replicate(1, 0.80)],
                                            outputs: [[logits(0.5)], [logits(0.5)]], parameters: 10),
        ]
        let stats = EvaluationStatistics(spec: spec, dataset: dataset,
                                         tasks: [EvaluationReport.Task(name: "y", kind: "classification", classes: ["a", "b"], hasTeacher: false)],
                                         labels: [.classes(labels)], ensembles: [:])
        let c = stats.comparisons(students)[0].tasks["y"]!
        #expect(c.vsBaseline?.interval.method == .bootstrap)
        // Logits that differ only in scale rank the rows alike: the bootstrap sees no difference in AUC.
        #expect(c.vsBaseline?.excludesZero == false)
    }
}
