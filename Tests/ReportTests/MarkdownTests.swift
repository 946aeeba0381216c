import Artifacts
import Foundation
import Report
import Testing

@Suite struct MarkdownTests {
    /// The metric of a comparison-table row label.
    static let metricKeys: [String: KeyPath<TaskMetrics, Double?>] = [
        "accuracy": \.accuracy, "macro-F1": \.macroF1, "ROC AUC": \.auc, "RMSE": \.rmse, "R²": \.r2,
    ]

    @Test func comparisonTableCellsEqualTheNumbersOfMetricsJSON() throws {
        let f = try ReportFixture()
        defer { f.remove() }
        let markdown = try f.load().markdown
        let stored = try EvaluationReport.read(from: f.layout.metrics)
        let rows = markdownRows(markdown, header: "| task | metric |")
        let members = { (task: String) in stored.models.filter { $0.role == .teacherMember && $0.tasks[task] != nil } }
        var checked = 0
        for row in rows where row[0] != "*all*" {
            let key = try #require(Self.metricKeys[row[1]], "unknown metric row \(row[1])")
            let ensemble = stored.models.first { $0.role == .teacherEnsemble && $0.tasks[row[0]] != nil }?.tasks[row[0]]?[keyPath: key]
            let memberValues = members(row[0]).compactMap { $0.tasks[row[0]]?[keyPath: key] }
            let mean = memberValues.isEmpty ? nil : memberValues.reduce(0, +) / Double(memberValues.count)
            let students = ["kd", "base", "xs"].map { stored.model($0)!.tasks[row[0]]?[keyPath: key] }
            for (cell, expected) in zip(row.dropFirst(2), [ensemble, mean] + students) {
                if let expected {
                    let value = try #require(Double(cell), "cell '\(cell)' of \(row[0]) \(row[1])")
                    #expect(abs(value - expected) <= 0.00005, "\(row[0]) \(row[1]): \(cell) vs \(expected)")
                } else {
                    #expect(cell == "—")
                }
                checked += 1
            }
        }
        #expect(checked == 5 * (2 + 3 + 2))  // 5 columns × (species 2 + sex 3 + mass 2 metric rows)
        #expect(rows.map { "\($0[0]) \($0[1])" } == ["species accuracy", "species macro-F1", "sex accuracy", "sex macro-F1", "sex ROC AUC",
                                                     "mass RMSE", "mass R²", "*all* parameters"])
        #expect(rows.last! == ["*all*", "parameters", "3600", "900 each", "321", "321", "654"])
    }

    @Test func gainsTableCellsAreTheDeltasOfThePrimaryMetric() throws {
        let f = try ReportFixture()
        defer { f.remove() }
        let rows = markdownRows(try f.load().markdown, header: "| student | task | metric | value |")
        #expect(rows == [
            ["kd", "species", "accuracy", "0.9500", "0.9200", "+0.0300 ▲", "0.9300", "+0.0200 ▲"],
            ["kd", "sex", "ROC AUC", "0.9100", "no teacher", "—", "0.9500", "-0.0400 ▼"],
            ["kd", "mass", "R²", "0.8290", "0.8300", "-0.0010", "0.7000", "+0.1290 ▲"],
            ["base", "species", "accuracy", "0.9300", "0.9200", "+0.0100 ▲", "baseline", "—"],
            ["base", "sex", "ROC AUC", "0.9500", "no teacher", "—", "baseline", "—"],
            ["base", "mass", "R²", "0.7000", "0.8300", "-0.1300 ▼", "baseline", "—"],
            ["xs", "species", "accuracy", "0.9000", "0.9200", "-0.0200 ▼", "0.9300", "-0.0300 ▼"],
            ["xs", "sex", "ROC AUC", "0.9530", "no teacher", "—", "0.9500", "+0.0030"],
            ["xs", "mass", "R²", "0.8500", "0.8300", "+0.0200 ▲", "0.7000", "+0.1500 ▲"],
        ])
    }

    @Test func eachStudentGetsASummaryOfWhatItGainedAndLost() throws {
        let f = try ReportFixture()
        defer { f.remove() }
        let markdown = try f.load().markdown
        #expect(markdown.contains("- **kd** (hard-sharing, KD): vs teachers gained species; no teacher for sex. vs no-KD base: gained species, mass; lost sex.\n"))
        #expect(markdown.contains("- **base** (hard-sharing, no KD, the no-KD baseline): vs teachers gained species; lost mass; no teacher for sex.\n"))
        #expect(markdown.contains("- **xs** (cross-stitch, KD): vs teachers gained mass; lost species; no teacher for sex. vs no-KD base: gained mass; lost species.\n"))
    }

    @Test func sizeAndSpeedTableSumsEnsembleTrainingAndChainsItsMembersAtInference() throws {
        let f = try ReportFixture()
        defer { f.remove() }
        let rows = markdownRows(try f.load().markdown, header: "| model | architecture | parameters |")
        // species: 1.5 + 2.5 s; mean of 1000 and 3000 ex/s; 1 / (1/1M + 1/3M) = 750k ex/s.
        #expect(rows == [
            ["species ensemble", "2 × mlp", "2000", "4.00", "2k", "750k"],
            ["mass ensemble", "2 × mlp", "1600", "3.00", "3k", "1M"],
            ["kd", "hard-sharing", "321", "2.75", "50k", "8M"],
            ["base", "hard-sharing", "321", "2.50", "52k", "8.1M"],
            ["xs", "cross-stitch", "654", "4.50", "20k", "3.5M"],
        ])
    }

    @Test func trainingTableGivesEpochsBestEpochAndItsScore() throws {
        let f = try ReportFixture()
        defer { f.remove() }
        let rows = markdownRows(try f.load().markdown, header: "| network | architecture | epochs |")
        #expect(rows.map { $0[0] } == ["kd", "base", "xs", "species/member-0", "species/member-1", "mass/member-0", "mass/member-1"])
        // xs: best epoch 7, score 0.5 + 0.04·7 + 0.04; final loss 2/8 + 0.04.
        #expect(rows[2] == ["xs", "cross-stitch", "8", "7", "0.8200", "0.2900"])
        #expect(rows[4] == ["species/member-1", "mlp", "7", "5", "0.7100", "0.2957"])
    }

    @Test func crossStitchMatricesAreTablesWithTaskLabels() throws {
        let f = try ReportFixture()
        defer { f.remove() }
        let markdown = try f.load().markdown
        #expect(markdown.contains("### xs: stitch.1 (after hidden layer 1)\n\n"))
        #expect(markdownRows(markdown, header: "| A | species | sex | mass |") == [
            ["species", "0.8000", "0.1500", "0.0500"], ["sex", "0.2500", "0.7000", "0.0500"], ["mass", "0.1000", "0.2000", "0.7000"],
        ])
        let second = String(markdown[markdown.range(of: "### xs: stitch.1")!.lowerBound...])
        #expect(markdownRows(second, header: "| A | species | sex | mass |") == [
            ["species", "0.9500", "0.0300", "0.0200"], ["sex", "0.5000", "0.5000", "0.0000"], ["mass", "-0.1000", "0.3000", "0.8000"],
        ])
    }

    @Test func reportTablesFitOneHundredColumns() throws {
        let f = try ReportFixture()
        defer { f.remove() }
        let markdown = try f.load().markdown
        let own = markdown.components(separatedBy: "## Gains and losses")[1]
        for line in own.components(separatedBy: "\n") where line.hasPrefix("|") {
            #expect(line.count <= 100, "\(line.count) columns: \(line)")
        }
    }

    @Test func aDeltaThatRoundsToZeroIsPrintedWithoutSign() throws {
        let f = try ReportFixture(withModels: false)
        defer { f.remove() }
        var evaluation = f.evaluation
        evaluation.models[6].tasks["species"]?.accuracy = 0.92 + 1e-9   // kd ≈ the teachers
        let c = Comparison(input: f.input, evaluation: evaluation, timings: f.timings, models: [:])
        #expect(markdownRows(c.markdown, header: "| student | task | metric | value |")[0]
                == ["kd", "species", "accuracy", "0.9200", "0.9200", "0.0000", "0.9300", "-0.0100 ▼"])
    }

    @Test func comparisonTableKeepsTheHeaderTheRunCommandPrints() throws {
        let f = try ReportFixture()
        defer { f.remove() }
        #expect(ComparisonTable.markdown(f.evaluation).hasPrefix(
            "| task | metric | teachers (ensemble) | teacher (mean member) | kd (hard-sharing) | base (hard-sharing) | xs (cross-stitch) |\n"))
    }
}
