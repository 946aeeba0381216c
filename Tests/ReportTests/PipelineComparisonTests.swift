import Artifacts
import Foundation
import Metrics
import Report
import Testing

/// `mtkd report A.yaml B.yaml`: students of several pipelines in one table, and `--json`.
@Suite struct PipelineComparisonTests {
    /// The fixture's pipeline at another temperature: no mass task, kd better on validation and
    /// within noise of its baseline on species; it ships overall.
    static func warmer(_ evaluation: EvaluationReport) -> EvaluationReport {
        var e = evaluation
        e.pipeline = "demo-t4"
        e.tasks.removeAll { $0.name == "mass" }
        for i in e.models.indices { e.models[i].tasks["mass"] = nil }
        e.models.removeAll { $0.name.hasPrefix("mass/") }
        e.comparisons = ReportFixture.comparisons.map { c in
            var c = c
            c.tasks["mass"] = nil
            return c
        }
        e.comparisons![0].validationScore = 0.93
        e.comparisons![0].tasks["species"]!.vsBaseline = ReportFixture.diff(0.012, -0.004, 0.028, p: 0.09)
        e.ship = ShipChoice(student: "kd", validationScore: 0.93, parameters: 321, ensembleParameters: 2000)
        return e
    }

    @Test func oneTableHasARowPerPipelineAndStudentAndCellsOnlyWhereTheTaskExists() throws {
        let f = try ReportFixture(withModels: false)
        defer { f.remove() }
        let all = PipelineComparison([("pipelines/demo.yaml", f.evaluation), ("pipelines/demo-t4.yaml", Self.warmer(f.evaluation))])
        #expect(all.markdown == """
            | pipeline | student | species accuracy | species Δ baseline | species gap recovered | sex ROC AUC | sex Δ baseline | sex gap recovered | mass R² | mass Δ baseline | mass gap recovered | validation score | parameters |
            |---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
            | demo | kd (hard-sharing) | 0.9500 ± 0.0100 | +0.0200 [+0.0050, +0.0350] ▲ | n/a [1] | 0.9100 ± 0.0150 | -0.0400 [-0.0900, +0.0100] ≈ | n/a (no teacher) | 0.8290 ± 0.0060 | +0.1290 [+0.1000, +0.1580] ▲ | 0.9923 [0.8500, 1.1500] | 0.9000 | 321 |
            | demo | base (hard-sharing, no KD) | 0.9300 ± 0.0200 | — | — | 0.9500 ± 0.0100 | — | — | 0.7000 ± 0.0100 | — | — | 0.8800 | 321 |
            | demo | xs (cross-stitch) | 0.9000 | -0.0300 [-0.0700, +0.0100] ≈ | n/a [1] | 0.9530 | +0.0030 [-0.0100, +0.0160] ≈ | n/a (no teacher) | 0.8500 | +0.1500 [-0.0200, +0.3200] ≈ | n/a [2] | 0.8600 | 654 |
            | demo-t4 | kd (hard-sharing) | 0.9500 ± 0.0100 | +0.0120 [-0.0040, +0.0280] ≈ | n/a [1] | 0.9100 ± 0.0150 | -0.0400 [-0.0900, +0.0100] ≈ | n/a (no teacher) | | | | 0.9300 | 321 |
            | demo-t4 | base (hard-sharing, no KD) | 0.9300 ± 0.0200 | — | — | 0.9500 ± 0.0100 | — | — | | | | 0.8800 | 321 |
            | demo-t4 | xs (cross-stitch) | 0.9000 | -0.0300 [-0.0700, +0.0100] ≈ | n/a [1] | 0.9530 | +0.0030 [-0.0100, +0.0160] ≈ | n/a (no teacher) | | | | 0.8600 | 654 |

            - [1] n/a: the ensemble is not better than the baseline (ensemble − baseline = -0.01)
            - [2] n/a: the ensemble's gain over the baseline is within noise (bootstrap interval of ensemble − baseline [-0.02, 0.29] reaches 0)

            Test split, each task's primary metric: students' mean ± half-width of the 95% t-interval over their
            replicates (the plain value for one). Δ baseline = student − its own pipeline's no-KD baseline, with
            its 95% interval; ▲ / ▼: better / worse (the 95% interval of the difference excludes 0); ≈: no
            significant difference; —: the student is a baseline or has none. Gap recovered = (student −
            baseline) / (ensemble − baseline). An empty cell: the pipeline has no such task. Validation score:
            the mean over tasks of the primary metric on the validation split, which chooses the student to
            ship.

            ship: kd of demo-t4 — validation score 0.9300 (mean primary metric over tasks, 3 replicates), 321 parameters, 6.2× fewer than the teacher ensembles (2,000)
            The pipelines differ in tasks: their validation scores average different tasks, so this choice
            compares unlike numbers.

            """)
    }

    @Test func theOverallChoiceIsTheBestValidationScoreTiesToTheFirstPipeline() throws {
        let f = try ReportFixture(withModels: false)
        defer { f.remove() }
        var other = f.evaluation
        other.pipeline = "again"
        other.ship = ShipChoice(student: "xs", validationScore: 0.9, parameters: 654, ensembleParameters: 3600)
        let all = PipelineComparison([("a.yaml", f.evaluation), ("b.yaml", other)])
        #expect(all.ship?.entry.label == "demo" && all.ship?.ship.student == "kd")
        #expect(all.markdown.hasSuffix("\nship: kd of demo — validation score 0.9000 (mean primary metric over tasks, 3 replicates), 321 parameters, 11× fewer than the teacher ensembles (3,600)\n"))
    }

    @Test func pipelinesWithOneNameAreToldApartByTheirFiles() throws {
        let f = try ReportFixture(withModels: false)
        defer { f.remove() }
        let all = PipelineComparison([("t2/demo.yaml", f.evaluation), ("t4/demo.yaml", f.evaluation)])
        #expect(all.entries.map(\.label) == ["t2/demo.yaml", "t4/demo.yaml"])
        #expect(markdownRows(all.markdown, header: "| pipeline | student |").map { $0[0] }
                == ["t2/demo.yaml", "t2/demo.yaml", "t2/demo.yaml", "t4/demo.yaml", "t4/demo.yaml", "t4/demo.yaml"])
    }

    @Test func jsonOfOnePipelineIsItsMetricsFile() throws {
        let f = try ReportFixture(withModels: false)
        defer { f.remove() }
        let json = try f.evaluation.json()
        #expect(try JSONDecoder().decode(EvaluationReport.self, from: json) == f.evaluation)
        #expect(json == (try Data(contentsOf: URL(fileURLWithPath: f.layout.metrics))))  // the file, byte for byte
        let text = String(decoding: json, as: UTF8.self)
        #expect(text.contains("\"vs_baseline\" : {") && text.contains("\"gap_recovered\" : {") && text.contains("\"p_value\" : 0.0312"))
        #expect(text.contains("\"ship\" : {\n    \"ensemble_parameters\" : 3600,\n    \"parameters\" : 321,\n    \"student\" : \"kd\",\n    \"validation_score\" : 0.9\n  }"))
    }

    @Test func jsonOfSeveralPipelinesHasEachMetricsFileAndTheOverallChoice() throws {
        let f = try ReportFixture(withModels: false)
        defer { f.remove() }
        let warmer = Self.warmer(f.evaluation)
        let json = try PipelineComparison([("pipelines/demo.yaml", f.evaluation), ("pipelines/demo-t4.yaml", warmer)]).json()
        struct Pipeline: Decodable { var file: String; var pipeline: String; var metrics: EvaluationReport }
        struct Ship: Decodable {
            var pipeline: String, file: String, student: String, validation_score: Double, parameters: Int, ensemble_parameters: Int?
        }
        struct All: Decodable { var pipelines: [Pipeline]; var ship: Ship? }
        let all = try JSONDecoder().decode(All.self, from: json)
        #expect(all.pipelines.map(\.file) == ["pipelines/demo.yaml", "pipelines/demo-t4.yaml"])
        #expect(all.pipelines.map(\.pipeline) == ["demo", "demo-t4"])
        #expect(all.pipelines.map(\.metrics) == [f.evaluation, warmer])
        let ship = try #require(all.ship)
        #expect([ship.pipeline, ship.file, ship.student] == ["demo-t4", "pipelines/demo-t4.yaml", "kd"])
        #expect(ship.validation_score == 0.93 && ship.parameters == 321 && ship.ensemble_parameters == 2000)
        let text = String(decoding: json, as: UTF8.self)
        #expect(text.hasPrefix("{\n  \"pipelines\" : [\n    {\n      \"file\" : \"pipelines/demo.yaml\",\n      \"metrics\" : {"))
    }
}
