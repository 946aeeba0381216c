import Artifacts
import Foundation
import Testing
@testable import Pipeline

/// Students trained several times (issue 10): paired seeds, one resumable unit per replicate.
@Suite(.serialized) struct ReplicateTests {
    func pipeline(replicates: Int, folder: String? = nil, extra: String = "") throws -> TestPipeline {
        let p = try TestPipeline(extraStudentYAML: """
          - name: baseline
            distill: none
            hidden: [16]
            epochs: 8
            batch_size: 16
            learning_rate: 0.01
        \(extra)
        replicates: \(replicates)
        """, folder: folder)
        return p
    }

    @Test func raisingReplicatesFrom3To5TrainsOnlyTheTwoNewOnes() throws {
        var p = try pipeline(replicates: 3)
        defer { p.remove() }
        try p.run()
        let before = try (0..<3).map { try p.bytes("students/kd/replicate-\($0).h5") }
        p = try pipeline(replicates: 5, folder: p.folder)
        let lines = try p.run().lines
        #expect(ranStages(lines) == ["student:kd", "student:baseline", "evaluate"])
        for k in 0..<3 { #expect(lines.contains("  kd/replicate-\(k): unchanged, reusing students/kd/replicate-\(k).h5")) }
        #expect(lines.contains { $0.hasPrefix("  kd/replicate-3: best epoch") })
        #expect(lines.contains { $0.hasPrefix("  kd/replicate-4: best epoch") })
        #expect(try (0..<3).map { try p.bytes("students/kd/replicate-\($0).h5") } == before)
        let report = try EvaluationReport.read(from: p.artifacts + "/report/metrics.json")
        #expect(report.model("kd")?.replicates?.map(\.replicate) == [0, 1, 2, 3, 4])
    }

    @Test func replicateKOfEveryStudentHasTheSameSeedAndReplicatesDiffer() throws {
        let p = try pipeline(replicates: 2)
        defer { p.remove() }
        try p.run()
        let kd = try (0..<2).map { try ModelFile.read(from: p.artifacts + "/students/kd/replicate-\($0).h5") }
        let baseline = try (0..<2).map { try ModelFile.read(from: p.artifacts + "/students/baseline/replicate-\($0).h5") }
        #expect(kd[0].seed == baseline[0].seed && kd[1].seed == baseline[1].seed)
        #expect(kd[0].seed != kd[1].seed)
        #expect(kd[0].name == "kd/replicate-0")
        // The mean over replicates is what the student's row shows.
        let report = try EvaluationReport.read(from: p.artifacts + "/report/metrics.json")
        let kdEval = try #require(report.model("kd"))
        let accuracies = kdEval.replicates!.map { $0.tasks["species"]!.accuracy! }
        #expect(abs(kdEval.tasks["species"]!.accuracy! - accuracies.reduce(0, +) / 2) < 1e-12)
        #expect(kdEval.replicates!.allSatisfy { $0.validation["species"]?.accuracy != nil })
    }

    @Test func aBaselineMustBeAStudentWithoutTeachers() throws {
        let p = try pipeline(replicates: 1, extra: "    baseline: kd")
        defer { p.remove() }
        var yaml = try String(contentsOfFile: p.file, encoding: .utf8)
        yaml = yaml.replacingOccurrences(of: "    baseline: kd", with: "  - name: other\n    baseline: kd")
        try p.write(yaml: yaml)
        #expect(throws: SpecError.self) { try p.spec() }
        do { _ = try p.spec() } catch let e as SpecError {
            #expect(e.message == "the baseline 'kd' must be trained without teachers (distill: none); it has distill: soft")
        }
    }
}
