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
            let groups = matches("<g class=\"group\" data-metric=\"([^\"]*)\">(.*?)</g>", in: svg)
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

    @Test func gainsTableMarksGainsAndLosses() throws {
        let f = try ReportFixture()
        defer { f.remove() }
        let html = try f.load().html
        let row = try #require(matches("(<tr data-student=\"kd\" data-task=\"sex\">.*?</tr>)", in: html).first?[0])
        #expect(row.contains("<td class=\"muted\">no teacher</td>"))
        #expect(row.contains("<td class=\"loss\" data-delta=\"\(0.91 - 0.95)\">-0.0400 ▼</td>"))
        let gain = try #require(matches("(<tr data-student=\"xs\" data-task=\"mass\">.*?</tr>)", in: html).first?[0])
        #expect(gain.contains("class=\"gain\""))
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
