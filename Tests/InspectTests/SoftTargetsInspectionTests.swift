import Artifacts
import Foundation
import Inspect
import Testing

@Suite struct SoftTargetsInspectionTests {
    /// Soft targets in a folder that has (or lacks) the matching `data/dataset.h5`.
    private func inspect(withLabels: Bool = true) throws -> Inspection {
        try TemporaryFolder.with { folder in
            if withLabels { try Fixtures.dataset().write(to: folder.path("data/dataset.h5")) }
            let path = folder.path("soft-targets.h5")
            try Fixtures.softTargets().write(to: path)
            return try Inspector.inspect(path: path)
        }
    }

    private func task(_ name: String, withLabels: Bool = true) throws -> SoftTargetsMeaning.Task {
        try #require(try inspect(withLabels: withLabels).softTargets?.tasks.first { $0.name == name })
    }

    @Test func temperatureAndCombineAreReported() throws {
        let inspection = try inspect()
        #expect(inspection.kind == .softTargets)
        #expect(inspection.softTargets?.temperature == 2)
        #expect(inspection.softTargets?.combine == "mean-probs")
        #expect(inspection.softTargets?.split == "train")
        #expect(inspection.text().contains("  targets  temperature 2, combine mean-probs, on the train split\n"))
    }

    @Test func taskShapesAreMembersRowsAndClasses() throws {
        let species = try task("species")
        #expect([species.members, species.rows, species.classes] as [Int] == [3, 5, 3])
        #expect(species.classNames == ["A", "B", "C"])
    }

    @Test func ensembleAccuracyIsMeasuredAgainstTheTrainingLabels() throws {
        let species = try task("species")
        #expect(species.labelledRows == 4)
        #expect(species.ensembleAccuracy == 1)
        #expect(try inspect().text().contains("  ensemble accuracy  1.0000 on 4 labelled train rows\n"))
    }

    @Test func eachMemberIsScoredOnTheSameLabels() throws {
        #expect(try task("species").memberAccuracies == [1, 0.75, 0.75])
        #expect(try inspect().text().contains("  member accuracy    1.0000  0.7500  0.7500\n"))
    }

    @Test func agreementIsTheShareOfRowsWhereAllMembersPredictTheSameClass() throws {
        #expect(try task("species").agreement == 0.6)
        #expect(try inspect().text().contains("  agreement          60.0% of rows: all 3 members predict the same class\n"))
    }

    @Test func meanEntropyIsInNatsWithLnCForReference() throws {
        let species = try task("species")
        let entropy = try #require(species.meanEntropy)
        #expect(abs(entropy - log(3.0) / 5) < 1e-6)
        #expect(species.maximumEntropy == log(3.0))
        #expect(try inspect().text().contains("  mean entropy       0.2197 nats (max ln 3 = 1.0986)\n"))
    }

    @Test func membersValidationMetricsAreShown() throws {
        #expect(try task("species").memberValidation == [0.9, 0.8, 0.85])
        #expect(try inspect().text().contains("  member validation  0.9000  0.8000  0.8500  (best validation accuracy per member)\n"))
    }

    @Test func regressionGivesMemberSpreadAndRMSEOfTheMean() throws {
        let mass = try task("mass")
        #expect(abs(try #require(mass.memberSpread) - (2.0 / 3).squareRoot()) < 1e-6)
        #expect(abs(try #require(mass.ensembleRMSE) - 0.5) < 1e-9)
        let members = try #require(mass.memberRMSE).map { try #require($0) }
        #expect(zip(members, [(7.0 / 4).squareRoot(), 0.5, (3.0 / 4).squareRoot()]).allSatisfy { abs($0 - $1) < 1e-6 })
        #expect(mass.labelledRows == 4)
    }

    @Test func withoutTheDatasetLabelsAreReportedNotFoundWithTheExpectedPath() throws {
        try TemporaryFolder.with { folder in
            let path = folder.path("soft-targets.h5")
            try Fixtures.softTargets().write(to: path)
            let meaning = try #require(try Inspector.inspect(path: path).softTargets)
            let expected = folder.root + "/data/dataset.h5"
            #expect(meaning.labelsFound == false)
            #expect(meaning.labelsNote == "labels not found (expected at \(expected))")
            #expect(try Inspector.inspect(path: path).text().contains("  labels not found (expected at \(expected))\n"))
        }
    }

    @Test func withoutLabelsTheLabelFreeMeasuresRemain() throws {
        let species = try task("species", withLabels: false)
        #expect(species.ensembleAccuracy == nil)
        #expect(species.memberAccuracies == nil)
        #expect(species.agreement == 0.6)
        #expect(species.meanEntropy != nil)
    }
}
