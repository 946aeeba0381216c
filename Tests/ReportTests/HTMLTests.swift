import Artifacts
import Foundation
import Report
import Testing

@Suite struct HTMLTests {
    /// The text of each `<svg class="<kind>" …>…</svg>` element, keyed by the value of `key`.
    func svgs(_ html: String, kind: String, key: String) -> [(String, String)] {
        matches("(<svg class=\"\(kind)\"[^>]*>.*?</svg>)", in: html).map { (attribute(key, in: $0[0]) ?? "", $0[0]) }
    }

    @Test func pageIsSelfContained() throws {
        let f = try ReportFixture()
        defer { f.remove() }
        let html = try f.load().html
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(!html.contains("http://") && !html.contains("https://"))
        #expect(matches("\\b(?:src|href)=\"(?!#)([^\"]*)\"", in: html).isEmpty)  // only in-page links
        #expect(!html.contains("<link") && !html.contains("<script") && !html.contains("@import") && !html.contains("url("))
    }

    @Test func thereIsOneBarChartPerTaskWithOneBarPerModel() throws {
        let f = try ReportFixture()
        defer { f.remove() }
        let html = try f.load().html
        let charts = svgs(html, kind: "bars", key: "data-task")
        #expect(charts.map(\.0) == ["species", "sex", "mass"])
        let all = ["teachers-ensemble", "teachers-mean-member", "kd", "base", "xs"]
        let expected: [String: (metrics: [String], models: [String])] = [
            "species": (["accuracy", "macro-F1"], all),
            "sex": (["accuracy", "macro-F1", "ROC AUC"], ["kd", "base", "xs"]),
            "mass": (["R²"], all),
        ]
        for (task, svg) in charts {
            let groups = matches("<g class=\"group\" data-metric=\"([^\"]*)\">(.*?)<text class=\"label\"", in: svg)
            #expect(groups.map { $0[0] } == expected[task]!.metrics)
            for group in groups {
                let bars = matches("<rect class=\"bar\" data-model=\"([^\"]*)\" data-metric=\"([^\"]*)\"", in: group[1])
                #expect(bars.map { $0[0] } == expected[task]!.models, "\(task) \(group[0])")
                #expect(bars.allSatisfy { $0[1] == group[0] })
            }
        }
    }

    @Test func barsCarryTheMetricsValues() throws {
        let f = try ReportFixture()
        defer { f.remove() }
        let html = try f.load().html
        let species = try #require(svgs(html, kind: "bars", key: "data-task").first { $0.0 == "species" }?.1)
        let bars = matches("<rect class=\"bar\" data-model=\"([^\"]*)\" data-metric=\"accuracy\" data-value=\"([^\"]*)\"", in: species)
        let values = Dictionary(uniqueKeysWithValues: bars.map { ($0[0], Double($0[1])!) })
        #expect(values == ["teachers-ensemble": 0.92, "teachers-mean-member": (0.90 + 0.94) / 2, "kd": 0.95, "base": 0.93, "xs": 0.90])
        let mass = try #require(svgs(html, kind: "bars", key: "data-task").first { $0.0 == "mass" }?.1)
        #expect(mass.contains("<rect class=\"bar\" data-model=\"base\" data-metric=\"R²\" data-value=\"0.7\""))
    }

    @Test func curvePointsMatchTheHistories() throws {
        let f = try ReportFixture()
        defer { f.remove() }
        let html = try f.load().html
        let panels = svgs(html, kind: "curve", key: "data-network")
        #expect(Set(panels.map(\.0)) == Set(f.models.keys))
        for (network, svg) in panels {
            let model = f.models[network]!
            let series = matches("<path class=\"series\" data-series=\"([^\"]*)\" data-epochs=\"([^\"]*)\" data-values=\"([^\"]*)\" d=\"([^\"]*)\"", in: svg)
            for s in series {
                #expect(s[1] == model.history.map { String($0.epoch) }.joined(separator: ","))
                let values = s[2].split(separator: ",").map { Double($0)! }
                let expected: [Double]
                switch s[0] {
                case "train-loss": expected = model.history.map(\.trainLoss)
                case "validation-score": expected = model.history.map(\.validationScore)
                default:
                    let t = model.blueprint.tasks.firstIndex { "validation-\($0.name)" == s[0] }!
                    expected = model.history.map { $0.validationMetrics[t] }
                }
                #expect(values.count == expected.count)
                for (v, e) in zip(values, expected) { #expect(v == e || (v.isNaN && e.isNaN), "\(network) \(s[0])") }
                // One drawn point per finite value; a NaN breaks the line.
                let points = s[3].filter { $0 == "M" || $0 == "L" }.count
                #expect(points == expected.filter(\.isFinite).count)
                #expect(s[3].filter { $0 == "M" }.count == (expected.contains { $0.isNaN } ? 2 : 1))
            }
            let kinds = Set(series.map { $0[0] })
            #expect(kinds.contains("train-loss") || kinds.contains("validation-score"))
            #expect(attribute("data-epoch", in: matches("(<line class=\"best-epoch\"[^>]*>)", in: svg).first?.first ?? "") == String(model.bestEpoch))
        }
    }

    @Test func multiTaskNetworksGetOneValidationLinePerTask() throws {
        let f = try ReportFixture()
        defer { f.remove() }
        let html = try f.load().html
        let validation = svgs(html, kind: "curve", key: "data-network").filter { $0.1.contains("data-panel=\"validation\"") }
        let kd = try #require(validation.first { $0.0 == "kd" }?.1)
        #expect(matches("data-series=\"([^\"]*)\"", in: kd).map { $0[0] } == ["validation-score", "validation-species", "validation-sex", "validation-mass"])
        let teacher = try #require(validation.first { $0.0 == "species/member-0" }?.1)
        #expect(matches("data-series=\"([^\"]*)\"", in: teacher).map { $0[0] } == ["validation-score"])
    }

    @Test func crossStitchMatricesAreHeatmapsWithTheLearnedValues() throws {
        let f = try ReportFixture()
        defer { f.remove() }
        let html = try f.load().html
        let maps = svgs(html, kind: "heatmap", key: "data-parameter")
        #expect(maps.map(\.0) == ["stitch.0", "stitch.1"])
        let tasks = ["species", "sex", "mass"]
        for (layer, (_, svg)) in maps.enumerated() {
            #expect(attribute("data-student", in: svg) == "xs")
            let cells = matches("<rect class=\"cell\" data-row=\"([^\"]*)\" data-col=\"([^\"]*)\" data-value=\"([^\"]*)\"", in: svg)
            #expect(cells.count == 9)
            for cell in cells {
                let i = tasks.firstIndex(of: cell[0])!, j = tasks.firstIndex(of: cell[1])!
                #expect(Double(cell[2]) == Double(ReportFixture.stitch[layer][i][j]), "\(layer) \(cell[0]) \(cell[1])")
            }
            #expect(matches("<text class=\"row-label\"[^>]*>([^<]*)</text>", in: svg).map { $0[0] } == tasks)
            #expect(matches("<text class=\"col-label\"[^>]*>([^<]*)</text>", in: svg).map { $0[0] } == tasks)
        }
    }

    @Test func heatmapColoursArePositiveBlueNegativeRedZeroWhite() throws {
        let f = try ReportFixture()
        defer { f.remove() }
        let html = try f.load().html
        let svg = try #require(svgs(html, kind: "heatmap", key: "data-parameter").first { $0.0 == "stitch.1" }?.1)
        func fill(_ row: String, _ col: String) -> (Int, Int, Int)? {
            let tag = matches("(<rect class=\"cell\" data-row=\"\(row)\" data-col=\"\(col)\"[^>]*>)", in: svg).first?[0] ?? ""
            guard let hex = attribute("fill", in: tag), hex.count == 7, let v = Int(hex.dropFirst(), radix: 16) else { return nil }
            return (v >> 16, (v >> 8) & 0xff, v & 0xff)
        }
        let positive = try #require(fill("species", "species")), negative = try #require(fill("mass", "species"))
        #expect(positive.2 > positive.0)
        #expect(negative.0 > negative.2)
        #expect(fill("sex", "mass").map { [$0.0, $0.1, $0.2] } == [247, 251, 255])  // 0.0
    }

    @Test func comparisonCellsAreMarkedOnlyWhereTheIntervalExcludesZero() throws {
        let f = try ReportFixture()
        defer { f.remove() }
        let html = try f.load().html
        let kd = try #require(matches("(<tr data-student=\"kd\" data-task=\"species\">.*?</tr>)", in: html).first?[0])
        #expect(kd.contains("<td class=\"gain\" data-reference=\"base\" data-significance=\"better\" data-delta=\"0.02\" data-low=\"0.005\" data-high=\"0.035\">+0.0200 [+0.0050, +0.0350] ▲</td><td>0.0312</td>"))
        #expect(kd.contains("<td class=\"reason\">n/a (the ensemble is not better than the baseline (ensemble − baseline = -0.01))</td>"))
        // xs gains 0.15 R² on mass, within noise: no gain class, no ▲ against the baseline.
        let xs = try #require(matches("(<tr data-student=\"xs\" data-task=\"mass\">.*?</tr>)", in: html).first?[0])
        #expect(xs.contains("<td data-reference=\"base\" data-significance=\"indistinguishable\" data-delta=\"0.15\" data-low=\"-0.02\" data-high=\"0.32\">+0.1500 [-0.0200, +0.3200] ≈</td><td>0.0700</td>"))
        let base = try #require(matches("(<tr data-student=\"base\" data-task=\"mass\">.*?</tr>)", in: html).first?[0])
        #expect(base.contains("<td class=\"muted\">a baseline</td>"))
        #expect(base.contains("<td class=\"loss\" data-reference=\"teachers\" data-significance=\"worse\""))
        let summary = try #require(matches("<li><b>xs</b> ([^<]*)</li>", in: html).first?[0])
        #expect(summary.contains("vs no-KD base: no significant difference on species, sex, mass."))
        // The run table's cells: a mark only against the baseline, coloured only when significant.
        let row = try #require(matches("(<tr data-model=\"xs\">.*?</tr>)", in: html).first?[0])
        #expect(row == "<tr data-model=\"xs\"><td>xs (cross-stitch)</td><td>654</td><td>0.9000 ≈</td><td>0.9530 ≈</td><td>0.8500 ≈</td></tr>")
    }

    @Test func barsOfStudentsWithReplicatesHaveErrorBarsOfTheirInterval() throws {
        let f = try ReportFixture()
        defer { f.remove() }
        let html = try f.load().html
        let species = try #require(svgs(html, kind: "bars", key: "data-task").first { $0.0 == "species" }?.1)
        let errors = matches("<g class=\"err\" data-model=\"([^\"]*)\" data-metric=\"([^\"]*)\" data-low=\"([^\"]*)\" data-high=\"([^\"]*)\">", in: species)
        #expect(errors.map { "\($0[0]) \($0[1])" } == ["kd accuracy", "base accuracy", "kd macro-F1", "base macro-F1"])  // not xs: one replicate
        let kd = try #require(errors.first)
        #expect(abs(Double(kd[2])! - 0.94) < 1e-12 && abs(Double(kd[3])! - 0.96) < 1e-12)
    }

    @Test func barAxesAreZoomedToTheBarsAndTheirIntervals() throws {
        let f = try ReportFixture()
        defer { f.remove() }
        let html = try f.load().html
        for (task, svg) in svgs(html, kind: "bars", key: "data-task") {
            let low = try #require(Double(attribute("data-axis-low", in: svg) ?? "")), high = try #require(Double(attribute("data-axis-high", in: svg) ?? ""))
            let values = matches("data-(?:value|low|high)=\"([^\"]*)\"", in: svg).map { Double($0[0])! }
            let span = values.max()! - values.min()!
            #expect(low < values.min()! && low > values.min()! - 0.2 * span, "\(task): axis from \(low), data from \(values.min()!)")
            #expect(high > values.max()! && high < values.max()! + 0.3 * span, "\(task): axis to \(high), data to \(values.max()!)")
        }
        let species = try #require(svgs(html, kind: "bars", key: "data-task").first { $0.0 == "species" }?.1)
        #expect(attribute("data-axis-low", in: species) == "0.8787999999999999")  // 0.8875 − 12% of (0.96 − 0.8875): not from 0
    }

    @Test func metricAgainstParametersHasMembersEnsemblesAndStudentsWithErrorBars() throws {
        let f = try ReportFixture()
        defer { f.remove() }
        let html = try f.load().html
        let charts = svgs(html, kind: "scatter", key: "data-task")
        #expect(charts.map(\.0) == ["species", "sex", "mass"])
        let point = "<(?:circle|path) class=\"point\" data-model=\"([^\"]*)\" data-role=\"([^\"]*)\" data-parameters=\"([^\"]*)\" data-value=\"([^\"]*)\"( data-low=\"[^\"]*\" data-high=\"[^\"]*\")?"
        let species = try #require(charts.first { $0.0 == "species" }?.1)
        #expect(matches(point, in: species).map { $0.dropLast().joined(separator: " ") } == [
            "species/member-0 teacher-member 1000 0.9", "species/member-1 teacher-member 1000 0.94",
            "teachers-ensemble teacher-ensemble 2000 0.92",
            "kd student 321 0.95", "base student 321 0.93", "xs student 654 0.9",
        ])
        #expect(matches(point, in: species).map { !$0[4].isEmpty } == [false, false, false, true, true, false])
        #expect(matches("<g class=\"err\" data-model=\"([^\"]*)\"", in: species).map { $0[0] } == ["kd", "base"])
        let sex = try #require(charts.first { $0.0 == "sex" }?.1)
        #expect(matches(point, in: sex).map { $0[1] } == ["student", "student", "student"])  // no teacher
        // x is log10(parameters): 1000 sits halfway between 500 and 2000.
        let ticks = matches("<text class=\"tick\" x=\"([^\"]*)\" y=\"250.00\" text-anchor=\"middle\">([^<]*)</text>", in: species)
        #expect(ticks.map { $0[1] } == ["500", "1,000", "2,000"])
        let xs = ticks.map { Double($0[0])! }
        #expect(abs((xs[1] - xs[0]) - (xs[2] - xs[1])) < 0.02)
    }

    @Test func namesAreEscaped() throws {
        let f = try ReportFixture(withModels: false)
        defer { f.remove() }
        var evaluation = f.evaluation
        evaluation.models[6].name = "<kd & \"co\">"
        let html = Comparison(input: f.input, evaluation: evaluation, timings: f.timings, models: [:]).html
        #expect(html.contains("&lt;kd &amp; &quot;co&quot;&gt;"))
        #expect(!html.contains("<kd &"))
    }
}
