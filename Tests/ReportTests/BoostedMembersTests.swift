import Artifacts
import Foundation
import GBDT
import MultiTask
import Tensor
import Testing
@testable import Report

/// A report whose mass teachers are gradient-boosted: their size in nodes and trees, their
/// boosting rounds as curves.
/// 1234567 → "1,234,567", as the report writes counts.
private func count(_ n: Int) -> String { _Format.count(n) }

@Suite("report: gbdt members")
struct BoostedMembersTests {
    /// A regression GBDT member boosted on 100 synthetic rows.
    static func member(_ name: String, seed: UInt64) throws -> GBDTMemberFile {
        func matrix(_ range: Range<Int>) throws -> DMatrix {
            var x = Matrix(rows: range.count, cols: 3)
            var y = [Float]()
            for (r, i) in range.enumerated() {
                x[r, 0] = Float((i * 37) % 100) / 100; x[r, 1 + i % 2] = 1
                y.append(x[r, 0] * 2 + (i % 2 == 0 ? 0.5 : -0.5) + Float((i * 13) % 7) / 10)
            }
            var input = BoosterInput(zeroIsMissing: [false, true, true])
            input.append(x)
            return try DMatrix(input, labels: y)
        }
        let settings = BoostingSettings(objective: .squaredError, outputs: 1, maxDepth: 2, learningRate: 0.3, rounds: 30,
                                        earlyStopping: 3, seed: seed)
        let result = try BoostingTrainer.fit(settings, train: try matrix(0..<80), validation: try matrix(80..<100))
        return try GBDTMemberFile(role: "teacher", name: name,
                                  blueprint: GBDTBlueprint(inputs: 3, task: TaskHead(name: "mass", kind: .regression, outputs: 1),
                                                           boosting: settings),
                                  zeroIsMissing: [false, true, true], result: result, fingerprint: "")
    }

    /// The demo report with mass/member-0 and -1 as GBDT members.
    static func fixture() throws -> (ReportFixture, [GBDTMemberFile]) {
        let f = try ReportFixture()
        let members = try (0..<2).map { try member("mass/member-\($0)", seed: UInt64(3 + $0)) }
        for (k, m) in members.enumerated() { try m.write(to: f.layout.teacherMember(task: "mass", member: k)) }
        var evaluation = f.evaluation
        for (i, model) in evaluation.models.enumerated() {
            if let k = ["mass/member-0", "mass/member-1"].firstIndex(of: model.name) {
                evaluation.models[i].architecture = "gbdt"
                evaluation.models[i].parameters = members[k].trees.nodes
                evaluation.models[i].trees = members[k].trees.trees
            } else if model.name == "mass/ensemble" {
                evaluation.models[i].parameters = members.reduce(0) { $0 + $1.trees.nodes }
                evaluation.models[i].trees = members.reduce(0) { $0 + $1.trees.trees }
            }
        }
        try evaluation.write(to: f.layout.metrics)
        return (f, members)
    }

    @Test func gbdtMembersHaveRoundCurvesAndTheirSizeInNodesAndTrees() throws {
        let (f, members) = try Self.fixture()
        defer { f.remove() }
        let comparison = try f.load()
        #expect(comparison.notes.allSatisfy { !$0.contains("unreadable") })

        let curve = try #require(comparison.curves.first { $0.network == "mass/member-0" })
        #expect(curve.unit == "round" && curve.architecture == "gbdt")
        #expect(curve.epochs == Array(1...members[0].rounds))
        #expect(curve.bestEpoch == members[0].bestIteration + 1)
        #expect(curve.trainLoss == members[0].history.map(\.trainLoss))
        #expect(curve.validationScore == members[0].history.map(\.validationMetric))
        #expect(comparison.curves.first { $0.network == "species/member-0" }?.unit == "epoch")

        let mass = try #require(comparison.costs.first { $0.name == "mass ensemble" })
        let nodes = members.reduce(0) { $0 + $1.trees.nodes }, trees = members.reduce(0) { $0 + $1.trees.trees }
        #expect(mass.architecture == "2 × gbdt")
        #expect(mass.size == "\(count(nodes)) (\(count(trees)) trees)")
        #expect(comparison.costs.first { $0.name == "species ensemble" }?.size == "2,000")

        let markdown = comparison.markdown
        #expect(markdown.contains("| mass ensemble | 2 × gbdt | \(count(nodes)) (\(count(trees)) trees) |"))
        #expect(markdown.contains("Parameters of gradient-boosted members: the nodes (a split threshold or a leaf value each) of the trees that predict."))
        #expect(markdown.contains("| mass/member-0 | gbdt | \(members[0].rounds) rounds | round \(members[0].bestIteration + 1) |"))
        let html = comparison.html
        #expect(html.contains("<b>mass/member-0</b> · gbdt · \(members[0].rounds) rounds · best round \(members[0].bestIteration + 1)"))
        #expect(html.contains(">round</text>"))
    }

    @Test func metricsTableCountsTheTreesOfTheTeachers() throws {
        let (f, members) = try Self.fixture()
        defer { f.remove() }
        let table = ComparisonTable.markdown(try EvaluationReport.read(from: f.layout.metrics))
        let trees = members.reduce(0) { $0 + $1.trees.trees }
        let row = try #require(table.split(separator: "\n").first { $0.hasPrefix("| teachers (ensemble) |") })
        let nodes = try EvaluationReport.read(from: f.layout.metrics).models.filter { $0.role == .teacherMember }.reduce(0) { $0 + $1.parameters }
        #expect(row.hasPrefix("| teachers (ensemble) | \(count(nodes)) (\(count(trees)) trees) |"))
        #expect(ComparisonTable.legend(try EvaluationReport.read(from: f.layout.metrics))
            .contains("Gradient-boosted members count the nodes of their trees that predict (a split threshold or a leaf value each)."))
    }
}
