import Artifacts
import Foundation
import Report
import Testing

@Suite struct LoadTests {
    @Test func missingMetricsNamesTheFolderAndTheRunCommand() throws {
        let f = try ReportFixture(withModels: false)
        defer { f.remove() }
        try FileManager.default.removeItem(atPath: f.layout.metrics)
        #expect(throws: ReportError.missingMetrics(folder: f.folder, pipelineFile: "pipelines/demo.yaml")) { try f.load() }
        let error = ReportError.missingMetrics(folder: f.folder, pipelineFile: "pipelines/demo.yaml")
        #expect(error.errorDescription == "no report/metrics.json in \(f.folder); run `mtkd run pipelines/demo.yaml` first")
    }

    @Test func unreadableMetricsSaysWhichFile() throws {
        let f = try ReportFixture(withModels: false)
        defer { f.remove() }
        try Data("{".utf8).write(to: URL(fileURLWithPath: f.layout.metrics))
        do {
            _ = try f.load()
            Issue.record("expected an error")
        } catch let ReportError.unreadableMetrics(message) {
            #expect(message.hasPrefix("\(f.layout.metrics): not a valid mtkd metrics file: not valid JSON"))
        }
    }

    @Test func aMissingModelFileLeavesOutItsCurvesWithANote() throws {
        let f = try ReportFixture()
        defer { f.remove() }
        try FileManager.default.removeItem(atPath: f.layout.teacherMember(task: "mass", member: 1))
        let c = try f.load()
        #expect(!c.curves.contains { $0.network == "mass/member-1" })
        #expect(c.curves.count == 6)
        #expect(c.notes == ["no model file teachers/mass/member-1.h5: no curves for mass/member-1"])
    }

    @Test func studentsOfThePipelineMissingFromMetricsAreNoted() throws {
        let f = try ReportFixture(withModels: false)
        defer { f.remove() }
        var input = f.input
        input.students.append(.init(name: "soft", architecture: "soft-sharing", distill: .soft))
        let c = Comparison(input: input, evaluation: f.evaluation, timings: f.timings, models: [:])
        #expect(c.notes == ["student soft is in the pipeline but not in report/metrics.json; run `mtkd run pipelines/demo.yaml` to evaluate it"])
    }

    @Test func curvesHoldTheModelFilesHistories() throws {
        let f = try ReportFixture()
        defer { f.remove() }
        let c = try f.load()
        for curve in c.curves {
            let model = try #require(f.models[curve.network])
            #expect(curve.epochs == model.history.map(\.epoch))
            #expect(curve.trainLoss == model.history.map(\.trainLoss))
            #expect(curve.validationScore == model.history.map(\.validationScore))
            #expect(curve.bestEpoch == model.bestEpoch)
        }
    }

    @Test func perUnitStitchMatricesAreAveragedOverUnits() throws {
        var model = try ReportFixture.model(role: "student", name: "pu", architecture: "cross-stitch", hidden: [2],
                                            tasks: Array(ReportFixture.heads.prefix(2)), epochs: 1, bestEpoch: 1, offset: 0)
        model.blueprint.perUnit = true
        // (T, T·width) = (2, 4): entry [i, j·2 + u] = A_ij[u].
        let index = model.parameters.firstIndex { $0.name == "stitch.0" }!
        model.parameters[index].value = .init(rows: 2, cols: 4, storage: [0.9, 0.7, 0.1, 0.3,
                                                                           0.2, 0.4, 0.8, 0.6])
        let m = try #require(StitchMatrix.all(student: "pu", model: model).first)
        #expect(m.units == 2)
        #expect(m.tasks == ["species", "sex"])
        let expected = [[0.8, 0.2], [0.3, 0.7]]
        for i in 0..<2 { for j in 0..<2 { #expect(abs(m.values[i][j] - expected[i][j]) < 1e-6) } }
    }

    @Test func writeMakesReportHTMLAndComparisonMarkdownAndLeavesTheStagesReportAlone() throws {
        let f = try ReportFixture()
        defer { f.remove() }
        let before = try Data(contentsOf: URL(fileURLWithPath: f.layout.reportMarkdown))
        let c = try f.load()
        try c.write()
        #expect(c.htmlPath == f.layout.path("report/report.html"))
        #expect(try String(contentsOfFile: c.htmlPath, encoding: .utf8) == c.html)
        #expect(try String(contentsOfFile: c.markdownPath, encoding: .utf8) == c.markdown)
        #expect(try Data(contentsOf: URL(fileURLWithPath: f.layout.reportMarkdown)) == before)
        let debris = try FileManager.default.contentsOfDirectory(atPath: f.layout.path("report")).filter { $0.contains(AtomicWrite.marker) }
        #expect(debris.isEmpty)
    }
}
