import Artifacts
import Foundation
import Report
import Testing

@Suite struct GainsTests {
    func gain(_ c: Comparison, _ student: String, _ task: String) throws -> TaskGain {
        try #require(c.gains.first { $0.student == student && $0.task == task })
    }

    @Test func primaryMetricIsAUCForBinaryAccuracyForMultiClassAndR2ForRegression() {
        #expect(PrimaryMetric.of(ReportFixture.tasks[0]) == .accuracy)
        #expect(PrimaryMetric.of(ReportFixture.tasks[1]) == .auc)
        #expect(PrimaryMetric.of(ReportFixture.tasks[2]) == .r2)
    }

    @Test func againstTeachersTheDeltaIsStudentMinusEnsemble() throws {
        let f = try ReportFixture()
        defer { f.remove() }
        let g = try gain(try f.load(), "kd", "species")
        let teachers = try #require(g.teachers)
        #expect(teachers.name == "species/ensemble")
        #expect(teachers.value == 0.92)
        #expect(abs(teachers.delta! - 0.03) < 1e-12)
        #expect(teachers.verdict == .gain)
    }

    @Test func aTaskWithoutTeacherHasNoTeacherReference() throws {
        let f = try ReportFixture()
        defer { f.remove() }
        let c = try f.load()
        for student in ["kd", "base", "xs"] { #expect(try gain(c, student, "sex").teachers == nil) }
    }

    @Test func againstTheBaselineTheDeltaIsStudentMinusTheNoKDStudent() throws {
        let f = try ReportFixture()
        defer { f.remove() }
        let g = try gain(try f.load(), "kd", "sex")
        let baseline = try #require(g.baseline)
        #expect(baseline.name == "base")
        #expect(baseline.value == 0.95)
        #expect(abs(baseline.delta! - -0.04) < 1e-12)
        #expect(baseline.verdict == .loss)
    }

    @Test func theBaselineIsNotComparedWithItself() throws {
        let f = try ReportFixture()
        defer { f.remove() }
        let c = try f.load()
        #expect(c.students.first { $0.name == "base" }?.baseline == nil)
        #expect(c.gains(of: "base").allSatisfy { $0.baseline == nil })
    }

    @Test func changesWithinTheThresholdAreEven() throws {
        let f = try ReportFixture()
        defer { f.remove() }
        let c = try f.load()
        #expect(try gain(c, "kd", "mass").teachers?.verdict == .even)      // −0.001
        #expect(try gain(c, "xs", "sex").baseline?.verdict == .even)       // +0.003
        #expect(Verdict(delta: 0.005, threshold: 0.005) == .even)
        #expect(Verdict(delta: -0.0051, threshold: 0.005) == .loss)
    }

    @Test func aBaselineOfTheSameArchitectureIsPreferred() throws {
        let f = try ReportFixture(withModels: false)
        defer { f.remove() }
        var input = f.input
        input.students.append(.init(name: "xs-base", architecture: "cross-stitch", distill: .none))
        var evaluation = f.evaluation
        var xsBase = evaluation.model("xs")!
        xsBase.name = "xs-base"
        evaluation.models.append(xsBase)
        let c = Comparison(input: input, evaluation: evaluation, timings: f.timings, models: [:])
        #expect(c.students.map(\.baseline) == ["base", nil, "xs-base", nil])
    }

    @Test func withoutABaselineTheNoKDColumnsAreLeftOutAndSaidWhy() throws {
        let f = try ReportFixture(withModels: false)
        defer { f.remove() }
        var input = f.input
        input.students[1].distill = .soft
        let c = Comparison(input: input, evaluation: f.evaluation, timings: f.timings, models: [:])
        #expect(c.gains.allSatisfy { $0.baseline == nil })
        #expect(markdownRows(c.markdown, header: "| student | task | metric | value |")[0] == ["kd", "species", "accuracy", "0.9500", "0.9200", "+0.0300 ▲"])
        #expect(c.notes.contains("no no-KD baseline student (`distill: none`) in this pipeline: gains against it are not shown"))
    }

    @Test func theThresholdComesFromTheInput() throws {
        let f = try ReportFixture(withModels: false)
        defer { f.remove() }
        var input = f.input
        input.threshold = 0.05
        let c = Comparison(input: input, evaluation: f.evaluation, timings: f.timings, models: [:])
        #expect(try gain(c, "kd", "species").teachers?.verdict == .even)   // +0.03
        #expect(try gain(c, "base", "mass").teachers?.verdict == .loss)    // −0.13
    }
}
