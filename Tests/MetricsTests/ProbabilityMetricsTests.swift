import Foundation
import Testing
@testable import Metrics

@Suite struct ProbabilityMetricsTests {
    @Test func argmaxPicksTheLargestPerRowAndTheFirstOnTies() {
        let probabilities: [Float] = [
            0.2, 0.5, 0.3,
            0.4, 0.2, 0.4,
            0.1, 0.1, 0.8,
        ]
        #expect(Metrics.argmax(probabilities: probabilities, classCount: 3) == [1, 0, 2])
    }

    @Test func argmaxOfNoRowsIsEmpty() {
        #expect(Metrics.argmax(probabilities: [], classCount: 4) == [])
    }

    @Test func meanEntropyMatchesNumPy() {
        // Same rows as reference_metrics.py.
        let probabilities: [Float] = [
            0.5, 0.25, 0.25,
            0.125, 0.75, 0.125,
            0.0625, 0.0625, 0.875,
            0.25, 0.5, 0.25,
            0.375, 0.375, 0.25,
            0.6875, 0.1875, 0.125,
        ]
        #expect(abs(Metrics.meanEntropy(probabilities: probabilities, classCount: 3) - 0.8653458484665775) < 1e-12)
    }

    @Test func meanEntropyIsLogOfClassCountForUniformRowsAndZeroForOneHotRows() {
        #expect(abs(Metrics.meanEntropy(probabilities: [0.25, 0.25, 0.25, 0.25], classCount: 4) - log(4.0)) < 1e-12)
        #expect(Metrics.meanEntropy(probabilities: [0, 1, 0, 1, 0, 0], classCount: 3) == 0)
    }

    @Test func agreementIsTheFractionOfRowsWhereAllMembersAgree() {
        let predictions: [[Int32]] = [
            [0, 1, 2, 1],
            [0, 1, 1, 1],
            [0, 2, 1, 1],
        ]
        #expect(Metrics.agreement(predictions: predictions) == 0.5)
    }

    @Test func agreementOfOneMemberIsOne() {
        #expect(Metrics.agreement(predictions: [[3, 1, 4]]) == 1)
    }

    @Test func agreementIsNilWithoutMembersOrRows() {
        #expect(Metrics.agreement(predictions: []) == nil)
        #expect(Metrics.agreement(predictions: [[], []]) == nil)
    }
}
