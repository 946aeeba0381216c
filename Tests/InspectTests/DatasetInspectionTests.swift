import Artifacts
import Foundation
import Inspect
import Testing

@Suite struct DatasetInspectionTests {
    private func inspect() throws -> Inspection {
        try TemporaryFolder.with { folder in
            let path = folder.path("data/dataset.h5")
            try Fixtures.dataset().write(to: path)
            return try Inspector.inspect(path: path)
        }
    }

    @Test func datasetFileIsRecognisedByItsFormat() throws {
        let inspection = try inspect()
        #expect(inspection.kind == .dataset)
        #expect(inspection.dataset != nil)
        #expect(inspection.tree != nil)
    }

    @Test func rowsAreCountedPerSplit() throws {
        let dataset = try #require(try inspect().dataset)
        #expect(dataset.splits.map(\.name) == ["train", "val", "test"])
        #expect(dataset.splits.map(\.rows) == [5, 2, 2])
    }

    @Test func classBalanceCountsEveryClassPerSplit() throws {
        let species = try #require(try inspect().dataset?.tasks.first { $0.name == "species" })
        #expect(species.classes == ["A", "B", "C"])
        #expect(species.splits.map(\.classCounts) == [[2, 1, 1], [0, 2, 0], [0, 0, 1]])
        #expect(species.splits.map(\.labelled) == [4, 2, 1])
    }

    @Test func missingLabelsAreCountedPerSplit() throws {
        let tasks = try #require(try inspect().dataset?.tasks)
        #expect(tasks.map { $0.splits.map(\.missing) } == [[1, 0, 1], [1, 1, 2]])
    }

    @Test func classBalanceTextShowsCountsAndSharesOfLabelledRows() throws {
        let text = try inspect().text()
        #expect(text.contains("task species  classification, 3 classes; class balance per split"))
        #expect(text.contains("""
                           train        val       test
              A         2  50.0%   0   0.0%   0   0.0%
              B         1  25.0%   2 100.0%   0   0.0%
              C         1  25.0%   0   0.0%   1 100.0%
              missing   1  20.0%   0   0.0%   1  50.0%

            """))
    }

    @Test func numericFeaturesShowTheirStandardisation() throws {
        let dataset = try #require(try inspect().dataset)
        #expect(dataset.featureCount == 5)
        #expect(dataset.numericFeatures.map(\.name) == ["bill", "flipper"])
        #expect(dataset.numericFeatures.map(\.mean) == [43.5, 201])
        #expect(dataset.numericFeatures.map(\.std) == [5.25, 14])
        #expect(try inspect().text().contains("  bill     mean  43.50  std  5.250\n"))
    }

    @Test func oneHotColumnsAreSummarisedAsOneCategoricalFeature() throws {
        let inspection = try inspect()
        #expect(inspection.dataset?.oneHotGroups.map(\.column) == ["island"])
        #expect(inspection.dataset?.oneHotGroups.map(\.categories) == [["Biscoe", "Dream", "Torgersen"]])
        #expect(inspection.text().contains("  island: 3 categories (Biscoe, Dream, Torgersen)\n"))
    }

    @Test func regressionTaskGivesLabelStatisticsAndSplitMeans() throws {
        let mass = try #require(try inspect().dataset?.tasks.first { $0.name == "mass" })
        #expect(mass.kind == "regression")
        #expect(mass.labelMean == 3)
        #expect(mass.labelStd == 2)
        #expect(mass.splits.map(\.mean) == [3, 10, nil])
        let trainStd = try #require(mass.splits[0].std)
        #expect(abs(trainStd - 3.5.squareRoot()) < 1e-12)
    }

    @Test func regressionTextNamesTheSourceColumn() throws {
        let text = try inspect().text()
        #expect(text.contains("task mass  regression (column body_mass_g)\n  label mean 3.000, std 2.000 on train"))
        #expect(text.contains("""
                        train    val  test
              mean      3.000  10.00     —
              std       1.871      0     —
              labelled      4      1     0
              missing       1      1     2

            """))
    }
}
