import Testing
@testable import Metrics

/// Reference values come from `reference_metrics.py` (scikit-learn 1.9.1) in this folder.
@Suite struct RankingMetricsTests {
    @Test func rocAUCMatchesScikitLearnWithTiesAndMissingLabels() throws {
        let scores: [Float] = [0.1, 0.4, 0.35, 0.8, 0.4, 0.7, 0.1, 0.9, 0.55, 0.4, 0.3, 0.65]
        let labels: [Int32] = [0, 0, 1, 1, 1, 0, 0, 1, -1, 0, -1, 1]
        let value = try #require(Metrics.rocAUC(scores: scores, labels: labels))
        #expect(abs(value - 0.76) < 1e-12)
    }

    @Test func rocAUCMatchesScikitLearnOnManyTiedScores() throws {
        // The generator of reference_metrics.py: scores k/20, about 10% of labels missing.
        var x: UInt32 = 12345
        var scores: [Float] = []
        var labels: [Int32] = []
        for _ in 0..<1000 {
            x = 1_664_525 &* x &+ 1_013_904_223
            let score = Float((x >> 8) % 21) / 20
            let label: Int32 = (x >> 4) % 10 == 0 ? -1 : (Double((x >> 16) % 100) < 30 + 60 * Double(score) ? 1 : 0)
            scores.append(score)
            labels.append(label)
        }
        let value = try #require(Metrics.rocAUC(scores: scores, labels: labels))
        #expect(abs(value - 0.7146857923497267) < 1e-12)
    }

    @Test func rocAUCIsOneForPerfectRankingAndZeroForReversed() {
        #expect(Metrics.rocAUC(scores: [0.1, 0.2, 0.8, 0.9], labels: [0, 0, 1, 1]) == 1)
        #expect(Metrics.rocAUC(scores: [0.9, 0.8, 0.2, 0.1], labels: [0, 0, 1, 1]) == 0)
    }

    @Test func rocAUCIsOneHalfWhenAllScoresTie() {
        #expect(Metrics.rocAUC(scores: [0.3, 0.3, 0.3, 0.3, 0.3], labels: [0, 1, 1, 0, 1]) == 0.5)
    }

    @Test func rocAUCTreatsNegativeAndPositiveZeroAsATie() {
        #expect(Metrics.rocAUC(scores: [-0.0, 0.0], labels: [1, 0]) == 0.5)
    }

    @Test func rocAUCIsNilWhenOnlyOneClassIsLabelled() {
        #expect(Metrics.rocAUC(scores: [0.1, 0.5, 0.9], labels: [1, 1, -1]) == nil)
        #expect(Metrics.rocAUC(scores: [0.1, 0.5], labels: [0, 0]) == nil)
        #expect(Metrics.rocAUC(scores: [], labels: []) == nil)
    }

    @Test func rocAUCIsNilWhenALabelledScoreIsNaN() {
        #expect(Metrics.rocAUC(scores: [0.1, .nan, 0.9], labels: [0, 1, 1]) == nil)
    }

    @Test func rocAUCIgnoresNaNScoresOfUnlabelledRows() {
        #expect(Metrics.rocAUC(scores: [0.1, .nan, 0.9], labels: [0, -1, 1]) == 1)
    }
}
