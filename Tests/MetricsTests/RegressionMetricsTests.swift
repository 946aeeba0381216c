import Testing
@testable import Metrics

/// Reference values come from `reference_metrics.py` (scikit-learn 1.9.1) in this folder.
@Suite struct RegressionMetricsTests {
    let predicted: [Double] = [2.5, 0.0, 2.1, 7.8, -1.25, 3.0, 4.4, 0.3]
    let targets: [Double] = [3.0, -0.5, 2.0, 7.0, .nan, 2.75, 5.1, .nan]

    @Test func rmseMatchesScikitLearnSkippingMissingTargets() throws {
        let value = try #require(Metrics.rmse(predicted: predicted, targets: targets))
        #expect(abs(value - 0.5326818938165627) < 1e-12)
    }

    @Test func r2MatchesScikitLearnSkippingMissingTargets() throws {
        let value = try #require(Metrics.r2(predicted: predicted, targets: targets))
        #expect(abs(value - 0.9490555451655134) < 1e-12)
    }

    @Test func floatOverloadsAgreeWithDoubleOnes() throws {
        // These values are exact in float32.
        let p: [Float] = [2.5, 0.0, 7.75, -1.25, 3.0]
        let t: [Float] = [3.0, -0.5, 7.0, .nan, 2.75]
        let rmse = try #require(Metrics.rmse(predicted: p, targets: t))
        let r2 = try #require(Metrics.r2(predicted: p, targets: t))
        #expect(rmse == Metrics.rmse(predicted: p.map(Double.init), targets: t.map(Double.init)))
        #expect(r2 == Metrics.r2(predicted: p.map(Double.init), targets: t.map(Double.init)))
    }

    @Test func rmseOfAHandCheckableCase() {
        // Errors 3 and 4 → sqrt((9 + 16) / 2).
        #expect(Metrics.rmse(predicted: [3, 4], targets: [0, 0]) == (12.5 as Double).squareRoot())
    }

    @Test func rmseIsNilWithoutTargets() {
        #expect(Metrics.rmse(predicted: [1.0], targets: [.nan]) == nil)
        #expect(Metrics.rmse(predicted: [Double](), targets: []) == nil)
    }

    @Test func r2IsOneForPerfectPredictions() {
        #expect(Metrics.r2(predicted: [1.0, 2, 3], targets: [1.0, 2, 3]) == 1)
    }

    @Test func r2IsZeroForPredictingTheMean() {
        #expect(Metrics.r2(predicted: [2.0, 2, 2], targets: [1.0, 2, 3]) == 0)
    }

    @Test func r2IsNilForFewerThanTwoTargets() {
        #expect(Metrics.r2(predicted: [1.0, 2], targets: [1.0, .nan]) == nil)
    }

    @Test func r2IsNilForConstantTargets() {
        #expect(Metrics.r2(predicted: [1.0, 2, 3], targets: [4.0, 4, 4]) == nil)
    }
}
