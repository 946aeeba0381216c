import Testing
@testable import Metrics

/// Reference values come from `reference_metrics.py` (scikit-learn 1.9.1) in this folder.
@Suite struct ClassificationMetricsTests {
    let labels: [Int32] = [0, 1, 2, 2, 1, -1, 0, 1, 2, 0, -1, 1]
    let predicted: [Int32] = [0, 2, 2, 2, 1, 0, 1, 1, 0, 0, 2, 1]

    @Test func accuracyMatchesScikitLearnSkippingMissingLabels() throws {
        let value = try #require(Metrics.accuracy(predicted: predicted, labels: labels))
        #expect(abs(value - 0.7) < 1e-12)
    }

    @Test func accuracyIsNilWithoutLabelledRows() {
        #expect(Metrics.accuracy(predicted: [0, 1], labels: [-1, -1]) == nil)
        #expect(Metrics.accuracy(predicted: [], labels: []) == nil)
    }

    @Test func macroF1MatchesScikitLearn() throws {
        let value = try #require(Metrics.macroF1(predicted: predicted, labels: labels, classCount: 3))
        #expect(abs(value - 0.6944444444444443) < 1e-12)
    }

    @Test func macroF1CountsAClassThatIsOnlyPredicted() throws {
        let value = try #require(Metrics.macroF1(
            predicted: [0, 3, 1, 0, 2, 3, 3, 1], labels: [0, 0, 1, 1, 2, 2, -1, 1], classCount: 4))
        #expect(abs(value - 0.4916666666666667) < 1e-12)
    }

    @Test func macroF1IgnoresClassesAbsentFromLabelsAndPredictions() throws {
        // Classes 2…9 never occur, so the mean is over classes 0 and 1 only:
        // class 0: TP 1, FP 0, FN 1 → F1 2/3; class 1: TP 1, FP 1, FN 0 → F1 2/3.
        let value = try #require(Metrics.macroF1(predicted: [0, 1, 1], labels: [0, 0, 1], classCount: 10))
        #expect(abs(value - 2.0 / 3.0) < 1e-12)
    }

    @Test func macroF1IsOneForPerfectPredictions() {
        #expect(Metrics.macroF1(predicted: [2, 0, 1], labels: [2, 0, 1], classCount: 3) == 1)
    }

    @Test func macroF1IsNilWithoutLabelledRows() {
        #expect(Metrics.macroF1(predicted: [0], labels: [-1], classCount: 2) == nil)
    }

    // Rows sum to 1 and are dyadic, so float32 holds them exactly.
    let probabilities: [Float] = [
        0.5, 0.25, 0.25,
        0.125, 0.75, 0.125,
        0.0625, 0.0625, 0.875,
        0.25, 0.5, 0.25,
        0.375, 0.375, 0.25,
        0.6875, 0.1875, 0.125,
    ]

    @Test func logLossMatchesScikitLearnSkippingMissingLabels() throws {
        let value = try #require(Metrics.logLoss(probabilities: probabilities, labels: [0, 1, 2, 2, -1, 1], classCount: 3))
        #expect(abs(value - 0.8349262880655622) < 1e-12)
    }

    @Test func logLossClipsZeroProbabilityAtOneInTenMillion() throws {
        let value = try #require(Metrics.logLoss(probabilities: [1, 0], labels: [1], classCount: 2))
        #expect(abs(value - 16.11809565095832) < 1e-12)  // −ln(1e-7)
    }

    @Test func logLossIsNilWithoutLabelledRows() {
        #expect(Metrics.logLoss(probabilities: [0.5, 0.5], labels: [-1], classCount: 2) == nil)
    }
}
