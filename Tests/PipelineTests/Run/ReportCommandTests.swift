import Artifacts
import Foundation
import Testing

/// `mtkd report`: --json, several pipelines, and its errors, through the command line.
@Suite struct ReportCommandTests {
    @Test func jsonPrintsTheMetricsFileAndSeveralPipelinesShareOneTable() throws {
        let a = try TestPipeline(extraStudentYAML: """
              - name: base
                distill: none
                hidden: [16]
                epochs: 8
                batch_size: 16
                learning_rate: 0.01
            replicates: 2
            """)
        defer { a.remove() }
        let b = try TestPipeline(temperature: 4)
        defer { b.remove() }
        try b.write(yaml: try String(contentsOfFile: b.file, encoding: .utf8).replacingOccurrences(of: "name: tiny", with: "name: tiny-t4"))
        for p in [a, b] {
            let run = try runCLI(["run", p.file, "--quiet"])
            #expect(run.code == 0, "\(run.err)")
        }
        let json = try runCLI(["report", a.file, "--json"])
        #expect(json.code == 0, "\(json.err)")
        #expect(json.err.isEmpty)
        let stored = try EvaluationReport.read(from: a.artifacts + "/report/metrics.json")
        #expect(try JSONDecoder().decode(EvaluationReport.self, from: Data(json.out.utf8)) == stored)
        #expect(json.out == String(decoding: try Data(contentsOf: URL(fileURLWithPath: a.artifacts + "/report/metrics.json")), as: UTF8.self))
        #expect(stored.comparison("kd")?.replicates == 2 && stored.comparison("kd")?.baseline == "base")

        let both = try runCLI(["report", a.file, b.file])
        #expect(both.code == 0, "\(both.err)")
        let lines = both.out.components(separatedBy: "\n")
        #expect(lines[0].hasPrefix("| pipeline | student | species accuracy | species Δ baseline | species gap recovered | sex ROC AUC |"))
        #expect(lines.filter { $0.hasPrefix("| tiny | ") }.count == 2)
        #expect(lines.filter { $0.hasPrefix("| tiny-t4 | kd (hard-sharing) | ") }.count == 1)
        let ship = try #require(lines.first { $0.hasPrefix("ship: ") })
        let chosen = [(a, stored), (b, try EvaluationReport.read(from: b.folder + "/artifacts/tiny-t4/report/metrics.json"))]
            .max { $0.1.ship!.validationScore < $1.1.ship!.validationScore }!
        #expect(ship.hasPrefix("ship: \(chosen.1.ship!.student) of \(chosen.1.pipeline) — validation score "))
        #expect(!FileManager.default.fileExists(atPath: a.artifacts + "/report/report.html"))  // several pipelines: nothing written
    }

    @Test func aPipelineNotYetEvaluatedIsNamedWithExitCode64() throws {
        let a = try TestPipeline(), b = try TestPipeline()
        defer { a.remove(); b.remove() }
        let r = try runCLI(["report", a.file, b.file])
        #expect(r.code == 64)
        #expect(r.err == "error: no report/metrics.json in \(a.artifacts); run `mtkd run \(a.file)` first\n")
        #expect(r.out.isEmpty)
    }

    @Test func artifactsWithSeveralPipelinesIsRefused() throws {
        let r = try runCLI(["report", "a.yaml", "b.yaml", "--artifacts", "/tmp/elsewhere"])
        #expect(r.code == 64)
        #expect(r.err.hasPrefix("Error: --artifacts applies to one pipeline only, got 2; give each pipeline file its own `artifacts:` instead\n"))
    }

    @Test func theThresholdOptionIsGone() throws {
        let r = try runCLI(["report", "a.yaml", "--threshold", "0.01"])
        #expect(r.code == 64)
        #expect(r.err.hasPrefix("Error: Unknown option '--threshold'"))
    }
}
