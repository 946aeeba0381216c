import Artifacts
import Foundation
import Metrics
import Report
import Testing

@Suite struct MarkdownTests {
    /// The text of the section `## title` (up to the next `## `).
    func section(_ markdown: String, _ title: String) -> String {
        guard let start = markdown.range(of: "\n## \(title)\n\n") else { return "" }
        let rest = markdown[start.upperBound...]
        return String(rest[..<(rest.range(of: "\n## ")?.lowerBound ?? rest.endIndex)])
    }

    @Test func runTableHasOneRowPerModelWithMeansIntervalsMarksAndTheShipLine() throws {
        let f = try ReportFixture(withModels: false)
        defer { f.remove() }
        #expect(ComparisonTable.markdown(f.evaluation) == """
            | model | parameters | species accuracy | sex ROC AUC | mass R² |
            |---|---:|---:|---:|---:|
            | teachers (ensemble) | 3,600 | 0.9200 | — | 0.8300 |
            | teacher (mean member) | 900 | 0.9200 | — | 0.8200 |
            | kd (hard-sharing) | 321 | 0.9500 ± 0.0100 ▲ | 0.9100 ± 0.0150 ≈ | 0.8290 ± 0.0060 ▲ |
            | base (hard-sharing, no KD) | 321 | 0.9300 ± 0.0200 | 0.9500 ± 0.0100 | 0.7000 ± 0.0100 |
            | xs (cross-stitch) | 654 | 0.9000 ≈ | 0.9530 ≈ | 0.8500 ≈ |

            Metrics on the test split, each task's primary metric. Students: mean ± half-width of the 95%
            t-interval over their replicates (kd 3, base 3, xs 1), replicate k of every student sharing a seed;
            one replicate: the plain value. ▲ / ▼: better / worse than the student's no-KD baseline (the 95%
            interval of the difference, paired t over replicates, or paired bootstrap over test rows, excludes
            0); ≈: no significant difference. Teachers' parameters: every member of every ensemble together; one
            member. No teacher for sex (learned from labels only).

            ship: kd — validation score 0.9000 (mean primary metric over tasks, 3 replicates), 321 parameters, 11× fewer than the teacher ensembles (3,600)

            """)
    }

    @Test func baselineSectionGivesDifferencesPValuesAndTheGapRecoveredOrWhyNot() throws {
        let f = try ReportFixture(withModels: false)
        defer { f.remove() }
        let c = Comparison(input: f.input, evaluation: f.evaluation, timings: f.timings, models: [:])
        #expect(section(c.markdown, "Against the no-KD baseline") == """
            | student | baseline | task | metric | Δ [95% interval] | p | gap recovered [95% interval] |
            |---|---|---|---|---:|---:|---:|
            | kd | base | species | accuracy | +0.0200 [+0.0050, +0.0350] ▲ | 0.0312 | n/a [1] |
            | kd | base | sex | ROC AUC | -0.0400 [-0.0900, +0.0100] ≈ | 0.0811 | n/a (no teacher) |
            | kd | base | mass | R² | +0.1290 [+0.1000, +0.1580] ▲ | 0.0009 | 0.9923 [0.8500, 1.1500] |
            | xs | base | species | accuracy | -0.0300 [-0.0700, +0.0100] ≈ | 0.1600 | n/a [1] |
            | xs | base | sex | ROC AUC | +0.0030 [-0.0100, +0.0160] ≈ | 0.6200 | n/a (no teacher) |
            | xs | base | mass | R² | +0.1500 [-0.0200, +0.3200] ≈ | 0.0700 | n/a [2] |

            - [1] n/a: the ensemble is not better than the baseline (ensemble − baseline = -0.01)
            - [2] n/a: the ensemble's gain over the baseline is within noise (bootstrap interval of ensemble − baseline [-0.02, 0.29] reaches 0)

            Δ = student − baseline on the task's primary metric with its 95% interval: paired t over replicates
            (replicate k of every student shares a seed); with one replicate, the paired bootstrap over the test
            rows; p: two-sided, for no difference. ▲ / ▼: better / worse (the 95% interval of the difference
            excludes 0); ≈: no significant difference. Gap recovered = (student − baseline) / (ensemble −
            baseline): 0 is no better than the baseline, 1 as good as the teacher ensemble.

            """)
    }

    @Test func ensembleSectionComparesEveryStudentWithTheTeachersOfEachTaughtTask() throws {
        let f = try ReportFixture(withModels: false)
        defer { f.remove() }
        let c = Comparison(input: f.input, evaluation: f.evaluation, timings: f.timings, models: [:])
        #expect(section(c.markdown, "Against the teacher ensembles") == """
            | student | task | metric | Δ [95% interval] | p |
            |---|---|---|---:|---:|
            | kd | species | accuracy | +0.0300 [-0.0100, +0.0700] ≈ | 0.1204 |
            | kd | mass | R² | -0.0010 [-0.0200, +0.0180] ≈ | 0.8000 |
            | base | species | accuracy | +0.0100 [-0.0200, +0.0400] ≈ | 0.4100 |
            | base | mass | R² | -0.1300 [-0.1600, -0.1000] ▼ | < 0.0001 |
            | xs | species | accuracy | -0.0200 [-0.0600, +0.0200] ≈ | 0.3400 |
            | xs | mass | R² | +0.0200 [+0.0040, +0.0360] ▲ | 0.0200 |

            Δ = student − teacher ensemble on the task's primary metric with its 95% interval: paired t over
            replicates (replicate k of every student shares a seed); with one replicate, the paired bootstrap
            over the test rows; ▲ / ▼: better / worse (the 95% interval of the difference excludes 0); ≈: no
            significant difference. No teacher for sex.

            """)
    }

    @Test func eachStudentGetsAVerdictThatCountsOnlySignificantDifferences() throws {
        let f = try ReportFixture(withModels: false)
        defer { f.remove() }
        let c = Comparison(input: f.input, evaluation: f.evaluation, timings: f.timings, models: [:])
        #expect(section(c.markdown, "Verdict") == """
            - **kd** (hard-sharing, KD, 3 replicates): vs no-KD base: better on species (p 0.0312), mass (p 0.0009); no significant difference on sex. vs teachers: no significant difference on species, mass; no teacher for sex.
            - **base** (hard-sharing, no KD, a baseline, 3 replicates): vs teachers: worse on mass (p < 0.0001); no significant difference on species; no teacher for sex.
            - **xs** (cross-stitch, KD, 1 replicate): vs no-KD base: no significant difference on species, sex, mass. vs teachers: better on mass (p 0.0200); no significant difference on species; no teacher for sex.

            """)
    }

    @Test func aGainWithinNoiseIsNeverMarkedAsAGain() throws {
        let f = try ReportFixture(withModels: false)
        defer { f.remove() }
        // xs: +0.15 R² on mass over base, far beyond any fixed threshold, but its interval reaches below 0.
        let gain = try #require(ReportFixture.comparisons[2].tasks["mass"]?.vsBaseline)
        #expect(gain.estimate == 0.15 && !gain.excludesZero)
        let markdown = Comparison(input: f.input, evaluation: f.evaluation, timings: f.timings, models: [:]).markdown
        let judged = markdown.components(separatedBy: "## All test metrics")[0]  // every table and line that judges
        let xsLines = judged.components(separatedBy: "\n").filter { $0.hasPrefix("| xs ") || $0.hasPrefix("- **xs**") }
        #expect(xsLines.count == 1 + 3 + 2 + 1)  // run table, baseline and ensemble sections, verdict
        #expect(xsLines.contains("| xs | base | mass | R² | +0.1500 [-0.0200, +0.3200] ≈ | 0.0700 | n/a [2] |"))
        #expect(xsLines.filter { $0.contains("▲") } == ["| xs | mass | R² | +0.0200 [+0.0040, +0.0360] ▲ | 0.0200 |"])  // vs teachers: significant
        #expect(xsLines.last!.contains("vs no-KD base: no significant difference on species, sex, mass."))
        #expect(!xsLines.last!.contains("better on species") && !xsLines.last!.contains("vs no-KD base: better"))
    }

    @Test func shipLineNamesTheValidationChoiceEvenWhenAnotherStudentTestsBetter() throws {
        let f = try ReportFixture(withModels: false)
        defer { f.remove() }
        // On the test split xs has the better mean primary metric; on validation kd wins.
        let testMean = { (name: String) in
            ReportFixture.tasks.map { PrimaryMetric.of($0).value(f.evaluation.model(name)!.tasks[$0.name])! }.reduce(0, +) / 3
        }
        #expect(testMean("xs") > testMean("kd"))
        let line = "ship: kd — validation score 0.9000 (mean primary metric over tasks, 3 replicates), 321 parameters, 11× fewer than the teacher ensembles (3,600)"
        let c = Comparison(input: f.input, evaluation: f.evaluation, timings: f.timings, models: [:])
        #expect(c.markdown.components(separatedBy: "\n").filter { $0.hasPrefix("ship:") } == [line])
        #expect(c.html.contains("<p class=\"ship\" id=\"ship\">\(line)</p>"))
        #expect(ShipLine.text(f.evaluation) == line)
        // The line repeats metrics.json's choice; it never chooses again.
        var evaluation = f.evaluation
        evaluation.ship = ShipChoice(student: "xs", validationScore: 0.86, parameters: 654, ensembleParameters: nil)
        #expect(ShipLine.text(evaluation) == "ship: xs — validation score 0.8600 (mean primary metric over tasks, 1 replicate), 654 parameters")
    }

    @Test func runTableFitsOneHundredColumnsWithFourStudentsAndThreeTasks() throws {
        let f = try ReportFixture(withModels: false)
        defer { f.remove() }
        var evaluation = f.evaluation
        var soft = evaluation.model("kd")!
        soft.name = "soft-sharing"; soft.architecture = "soft-sharing"; soft.parameters = 28_050
        evaluation.models.append(soft)
        var comparison = ReportFixture.comparisons[0]
        comparison.student = "soft-sharing"
        for task in ["species", "mass"] { comparison.tasks[task]?.vsBaseline = ReportFixture.diff(-0.1234, -0.2345, -0.0123, p: 0.0123) }
        comparison.tasks["species"]?.metrics["accuracy"] = ReportFixture.mean(0.9876, 0.1234)
        evaluation.comparisons!.append(comparison)
        #expect(evaluation.models.filter { $0.role == .student }.count == 4 && evaluation.tasks.count == 3)
        let lines = ComparisonTable.markdown(evaluation).components(separatedBy: "\n")
        #expect(lines[0] == "| model | parameters | species accuracy | sex ROC AUC | mass R² |")  // students as rows
        #expect(lines.contains("| soft-sharing (soft-sharing) | 28,050 | 0.9876 ± 0.1234 ▼ | 0.9100 ± 0.0150 ≈ | 0.8290 ± 0.0060 ▼ |"))
        for line in lines where !line.hasPrefix("ship: ") {
            #expect(line.count <= ComparisonTable.width, "\(line.count) columns: \(line)")
        }
    }

    @Test func tooWideForOneColumnPerTaskTheTableHasOneRowPerTaskAndModel() throws {
        let f = try ReportFixture(withModels: false)
        defer { f.remove() }
        var evaluation = f.evaluation
        let long = "a-rather-long-student-name"
        evaluation.models[6].name = long
        evaluation.comparisons![0].student = long
        let text = ComparisonTable.markdown(evaluation)
        let lines = text.components(separatedBy: "\n")
        #expect(lines[0] == "| task | metric | model | parameters | value |")
        #expect(markdownRows(text, header: "| task | metric | model |").filter { $0[0] == "species" } == [
            ["species", "accuracy", "teachers (ensemble)", "3,600", "0.9200"],
            ["species", "accuracy", "teacher (mean member)", "900", "0.9200"],
            ["species", "accuracy", "\(long) (hard-sharing)", "321", "0.9500 ± 0.0100 ▲"],
            ["species", "accuracy", "base (hard-sharing, no KD)", "321", "0.9300 ± 0.0200"],
            ["species", "accuracy", "xs (cross-stitch)", "654", "0.9000 ≈"],
        ])
        for line in lines where !line.hasPrefix("ship: ") { #expect(line.count <= ComparisonTable.width, "\(line)") }
    }

    @Test func withOneReplicateEachTheTableShowsPlainValuesAndBootstrapMarks() throws {
        let f = try ReportFixture(withModels: false)
        defer { f.remove() }
        var evaluation = f.evaluation
        evaluation.comparisons = [ReportFixture.comparisons[2]]
        evaluation.models.removeAll { $0.name == "kd" || $0.name == "base" }
        evaluation.ship = ShipChoice(student: "xs", validationScore: 0.86, parameters: 654, ensembleParameters: 3600)
        #expect(ComparisonTable.markdown(evaluation) == """
            | model | parameters | species accuracy | sex ROC AUC | mass R² |
            |---|---:|---:|---:|---:|
            | teachers (ensemble) | 3,600 | 0.9200 | — | 0.8300 |
            | teacher (mean member) | 900 | 0.9200 | — | 0.8200 |
            | xs (cross-stitch) | 654 | 0.9000 ≈ | 0.9530 ≈ | 0.8500 ≈ |

            Metrics on the test split, each task's primary metric. Students: one replicate each, so no interval
            over replicates. ▲ / ▼: better / worse than the student's no-KD baseline (the 95% interval of the
            difference, paired bootstrap over test rows, excludes 0); ≈: no significant difference. Teachers'
            parameters: every member of every ensemble together; one member. No teacher for sex (learned from
            labels only).

            ship: xs — validation score 0.8600 (mean primary metric over tasks, 1 replicate), 654 parameters, 5.5× fewer than the teacher ensembles (3,600)

            """)
    }

    @Test func metricsWithoutComparisonsShowPlainMeansAndSayHowToGetIntervals() throws {
        let f = try ReportFixture(withModels: false)
        defer { f.remove() }
        var evaluation = f.evaluation
        evaluation.comparisons = nil
        evaluation.ship = nil
        #expect(ComparisonTable.markdown(evaluation) == """
            | model | parameters | species accuracy | sex ROC AUC | mass R² |
            |---|---:|---:|---:|---:|
            | teachers (ensemble) | 3,600 | 0.9200 | — | 0.8300 |
            | teacher (mean member) | 900 | 0.9200 | — | 0.8200 |
            | kd (hard-sharing) | 321 | 0.9500 | 0.9100 | 0.8290 |
            | base (hard-sharing) | 321 | 0.9300 | 0.9500 | 0.7000 |
            | xs (cross-stitch) | 654 | 0.9000 | 0.9530 | 0.8500 |

            Metrics on the test split, each task's primary metric. report/metrics.json has no intervals (written
            before mtkd compared replicates): `mtkd run --force --from evaluate` adds them. Teachers'
            parameters: every member of every ensemble together; one member. No teacher for sex (learned from
            labels only).

            ship: unknown — report/metrics.json does not choose (written before mtkd chose on validation)

            """)
        let c = Comparison(input: f.input, evaluation: evaluation, timings: f.timings, models: [:])
        #expect(!c.markdown.contains("## Against") && !c.markdown.contains("## Verdict"))
        #expect(c.notes.contains("report/metrics.json has no comparisons (written before mtkd compared replicates): no intervals, "
                                 + "p-values or gap recovered; `mtkd run pipelines/demo.yaml --force --from evaluate` adds them"))
    }

    @Test func allMetricsTablesGiveEveryMetricPerTaskWithIntervals() throws {
        let f = try ReportFixture(withModels: false)
        defer { f.remove() }
        let markdown = Comparison(input: f.input, evaluation: f.evaluation, timings: f.timings, models: [:]).markdown
        #expect(markdown.contains("""
            ### sex (2 classes, primary metric ROC AUC)

            | model | accuracy | macro-F1 | ROC AUC |
            |---|---:|---:|---:|
            | kd | 0.8500 ± 0.0200 | 0.8400 ± 0.0200 | 0.9100 ± 0.0150 |
            | base | 0.8800 ± 0.0100 | 0.8700 ± 0.0100 | 0.9500 ± 0.0100 |
            | xs | 0.8600 | 0.8550 | 0.9530 |

            """))
        #expect(markdownRows(markdown, header: "| model | RMSE | R² |") == [
            ["teachers (ensemble)", "390.1250", "0.8300"], ["teacher (mean member)", "395.3750", "0.8200"],
            ["kd", "392.0000 ± 8.0000", "0.8290 ± 0.0060"], ["base", "450.0000 ± 10.0000", "0.7000 ± 0.0100"], ["xs", "370.0000", "0.8500"],
        ])
    }

    @Test func parameterCountsHaveThousandsSeparatorsEverywhere() throws {
        let f = try ReportFixture(withModels: false)
        defer { f.remove() }
        var evaluation = f.evaluation
        for i in evaluation.models.indices where evaluation.models[i].role == .teacherMember { evaluation.models[i].parameters = 1_234_567 }
        evaluation.models[6].parameters = 12_345
        evaluation.ship = ShipChoice(student: "kd", validationScore: 0.9, parameters: 12_345, ensembleParameters: 4_938_268)
        let c = Comparison(input: f.input, evaluation: evaluation, timings: f.timings, models: [:])
        #expect(c.markdown.contains("| teachers (ensemble) | 4,938,268 |"))
        #expect(c.markdown.contains("| teacher (mean member) | 1,234,567 |"))
        #expect(c.markdown.contains("| kd (hard-sharing) | 12,345 |"))
        #expect(c.markdown.contains("12,345 parameters, 400× fewer than the teacher ensembles (4,938,268)\n"))
        #expect(c.html.contains("<td>12,345</td>"))
    }

    @Test func sizeAndSpeedTableSumsEnsembleTrainingAndChainsItsMembersAtInference() throws {
        let f = try ReportFixture()
        defer { f.remove() }
        let rows = markdownRows(try f.load().markdown, header: "| model | architecture | parameters |")
        // species: 1.5 + 2.5 s; mean of 1000 and 3000 ex/s; 1 / (1/1M + 1/3M) = 750k ex/s.
        #expect(rows == [
            ["species ensemble", "2 × mlp", "2,000", "4.00", "2k", "750k"],
            ["mass ensemble", "2 × mlp", "1,600", "3.00", "3k", "1M"],
            ["kd", "hard-sharing", "321", "2.75", "50k", "8M"],
            ["base", "hard-sharing", "321", "2.50", "52k", "8.1M"],
            ["xs", "cross-stitch", "654", "4.50", "20k", "3.5M"],
        ])
    }

    @Test func studentTrainingTimeSumsItsReplicates() throws {
        let f = try ReportFixture(withModels: false)
        defer { f.remove() }
        var evaluation = f.evaluation, timings = f.timings
        let kd = evaluation.models.firstIndex { $0.name == "kd" }!
        evaluation.models[kd].replicates = (0..<2).map { ReplicateEvaluation(replicate: $0, tasks: [:], validation: [:]) }
        timings.stages["student:kd"]!.networks = ["kd/replicate-0": .init(trainingSeconds: 1.25, examplesPerSecond: 40_000),
                                                  "kd/replicate-1": .init(trainingSeconds: 2.5, examplesPerSecond: 60_000)]
        let c = Comparison(input: f.input, evaluation: evaluation, timings: timings, models: [:])
        #expect(markdownRows(c.markdown, header: "| model | architecture | parameters |")[2] == ["kd", "hard-sharing", "321", "3.75", "50k", "8M"])
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

    @Test func aDifferenceThatRoundsToZeroIsPrintedWithoutSign() throws {
        let f = try ReportFixture(withModels: false)
        defer { f.remove() }
        var evaluation = f.evaluation
        evaluation.comparisons![0].tasks["species"]!.vsEnsemble = ReportFixture.diff(1e-9, -0.00001, 0.00002, p: 1)
        let c = Comparison(input: f.input, evaluation: evaluation, timings: f.timings, models: [:])
        #expect(markdownRows(c.markdown, header: "| student | task | metric | Δ [95% interval] | p |")[0]
                == ["kd", "species", "accuracy", "0.0000 [0.0000, 0.0000] ≈", "1.0000"])
    }

    @Test func aStudentWithoutABaselineOfItsArchitectureIsNoted() throws {
        let f = try ReportFixture(withModels: false)
        defer { f.remove() }
        var evaluation = f.evaluation
        evaluation.comparisons![2].baseline = nil
        for task in ["species", "sex", "mass"] {
            evaluation.comparisons![2].tasks[task]!.vsBaseline = nil
            evaluation.comparisons![2].tasks[task]!.gapRecovered = nil
        }
        let c = Comparison(input: f.input, evaluation: evaluation, timings: f.timings, models: [:])
        #expect(c.students.map(\.baseline) == ["base", nil, nil])
        #expect(c.notes == ["no no-KD baseline of the same architecture for xs: not compared with one (name one with `baseline:` in the student's entry)"])
        #expect(markdownRows(c.markdown, header: "| model | parameters |")[4] == ["xs (cross-stitch)", "654", "0.9000", "0.9530", "0.8500"])
        #expect(ComparisonTable.markdown(evaluation).replacingOccurrences(of: "\n", with: " ")
                    .contains("≈: no significant difference; no mark: no baseline to compare with."))
    }

    @Test func withoutABaselineStudentTheNoteSaysNothingTellsWhetherDistillationHelped() throws {
        let f = try ReportFixture(withModels: false)
        defer { f.remove() }
        var evaluation = f.evaluation
        evaluation.comparisons![1].distill = "soft"
        let c = Comparison(input: f.input, evaluation: evaluation, timings: f.timings, models: [:])
        #expect(c.notes.contains("no no-KD baseline student (`distill: none`) in this pipeline: nothing says whether distillation helped"))
    }
}
