import Artifacts
import Foundation
import Inspect
import Tensor
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
        #expect(dataset.numericFeatures.map(\.scaling) == ["standard", "standard"])
        #expect(try inspect().text().contains("""
            features  5 input columns: 2 numeric, 3 one-hot
              standard  (x − mean) / std with the training mean and std: 2 columns
                bill     mean  43.50  std  5.250
                flipper  mean  201.0  std  14.00
              island: 3 categories (Biscoe, Dream, Torgersen)

            """))
    }

    /// Numeric columns grouped by scaling method, each with the statistics it uses, ten at most per method.
    @Test func numericFeaturesAreGroupedByScalingMethod() throws {
        let features = [FeatureInfo(name: "age", column: "age", kind: .numeric, mean: 38.5, std: 13.6)]
            + (0..<11).map { FeatureInfo(name: "p\($0)", column: "p\($0)", kind: .numeric, mean: 2, std: 1.5,
                                         scaling: $0 == 3 ? FeatureScaling(method: .minmax, min: 2, max: 2, impute: 0)
                                                          : FeatureScaling(method: .minmax, min: 0, max: 255, impute: 2.0 / 255)) }
            + [FeatureInfo(name: "flag", column: "flag", kind: .numeric, mean: 0.25, std: 0.433, scaling: FeatureScaling(method: .none, impute: 0.25))]
        let x = Matrix(rows: 1, cols: features.count)
        let data = PreparedDataset(source: "s.csv", seed: 1, features: features, tasks: [], splits: ["train", "val", "test"].map {
            SplitData(name: $0, x: x, labels: [], sourceRows: [0])
        })
        let (meaning, text) = try TemporaryFolder.with { folder in
            let path = folder.path("data/dataset.h5")
            try data.write(to: path)
            let inspection = try Inspector.inspect(path: path)
            return (try #require(inspection.dataset), inspection.text())
        }
        #expect(meaning.numericFeatures.map(\.scaling) == ["standard"] + Array(repeating: "minmax", count: 11) + ["none"])
        #expect(meaning.numericFeatures[1].min == 0 && meaning.numericFeatures[1].max == 255 && meaning.numericFeatures[0].min == nil)
        #expect(text.contains("""
            features  13 input columns: 13 numeric
              standard  (x − mean) / std with the training mean and std: 1 column
                age  mean  38.50  std  13.60
              minmax  (x − min) / (max − min) with the training min and max; missing → the mean, scaled: 11 columns
                p0  min      0  max  255.0  missing →  0.0078
                p1  min      0  max  255.0  missing →  0.0078
                p2  min      0  max  255.0  missing →  0.0078
                p3  min  2.000  max  2.000  missing →       0  (constant: x − min)
                p4  min      0  max  255.0  missing →  0.0078
                p5  min      0  max  255.0  missing →  0.0078
                p6  min      0  max  255.0  missing →  0.0078
                p7  min      0  max  255.0  missing →  0.0078
                p8  min      0  max  255.0  missing →  0.0078
                p9  min      0  max  255.0  missing →  0.0078
                … and 1 more: p10
              none  x as they are; missing → the mean: 1 column
                flag  mean  0.2500  std  0.4330

            """), "\(text)")
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
