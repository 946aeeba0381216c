import Foundation
import Testing
@testable import Metrics

/// Reference values come from `reference_statistics.py` (scipy 1.17.1, numpy 2.4.6) in this
/// folder; the t grid from `student_t_reference.csv`, which it writes.
@Suite struct StudentTTests {
    struct GridRow {
        var function: String
        var df: Double
        var x: Double
        var scipy: Double
        var exact: Double
    }

    static func grid() throws -> [GridRow] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("student_t_reference.csv")
        let text = try String(contentsOf: url, encoding: .utf8)
        return text.split(separator: "\n").dropFirst(2).map { line in
            let f = line.split(separator: ",")
            return GridRow(function: String(f[0]), df: Double(f[1])!, x: Double(f[2])!, scipy: Double(f[3])!, exact: Double(f[4])!)
        }
    }

    @Test func cdfAndQuantileMatchScipyAndExactValuesOverDegreesOfFreedom1To200() throws {
        let rows = try Self.grid()
        #expect(rows.count == 1734)
        var worstExact = 0.0, worstScipy = 0.0, scipyOff = 0
        var worstRow = ""
        for r in rows {
            let value = r.function == "cdf" ? Statistics.tCDF(r.x, df: r.df) : Statistics.tQuantile(r.x, df: r.df)
            let exactError = abs(value - r.exact) / abs(r.exact)
            if exactError > worstExact { worstExact = exactError; worstRow = "\(r.function)(\(r.x), df \(r.df))" }
            // scipy is itself off by ~1e-9 at 4 points (df 1 at t = ±1e-8, df 4 at p = 0.4999 and 0.5001).
            if abs(r.scipy - r.exact) > 1e-10 * abs(r.exact) {
                scipyOff += 1
            } else {
                worstScipy = max(worstScipy, abs(value - r.scipy) / abs(r.scipy))
            }
        }
        #expect(worstExact <= 1e-13, "max relative error \(worstExact) at \(worstRow)")
        #expect(worstScipy <= 1e-10, "max relative difference from scipy \(worstScipy)")
        #expect(scipyOff == 4)
    }

    @Test func quantileInvertsTheCDFFarIntoTheTails() {
        for df in [1.0, 3, 30, 200] {
            for p in [1e-300, 1e-100, 1e-20, 0.3, 0.7, 1 - 1e-15] {
                let t = Statistics.tQuantile(p, df: df)
                let back = p < 0.5 ? Statistics.tCDF(t, df: df) : 1 - Statistics.tCDF(t, df: df)
                let target = p < 0.5 ? p : 1 - p
                #expect(abs(back - target) <= 1e-12 * target, "df \(df), p \(p): t = \(t)")
            }
        }
    }

    @Test func cdfAndQuantileAtTheEdges() {
        #expect(Statistics.tCDF(0, df: 5) == 0.5)
        #expect(Statistics.tCDF(-.infinity, df: 5) == 0)
        #expect(Statistics.tCDF(.infinity, df: 5) == 1)
        #expect(Statistics.tCDF(.nan, df: 5).isNaN)
        #expect(Statistics.tQuantile(0.5, df: 5) == 0)
        #expect(Statistics.tQuantile(0, df: 5) == -.infinity)
        #expect(Statistics.tQuantile(1, df: 5) == .infinity)
        #expect(Statistics.tQuantile(1.5, df: 5).isNaN)
        #expect(Statistics.tTwoSidedPValue(0, df: 5) == 1)
        #expect(Statistics.tTwoSidedPValue(.infinity, df: 5) == 0)
    }

    @Test func criticalValueIsTheTwoSidedQuantile() {
        #expect(abs(Statistics.tCritical(level: 0.95, df: 9) - 2.262157162798205) < 1e-13)
        // df 1: t = tan(π·0.475) exactly.
        #expect(abs(Statistics.tCritical(level: 0.95, df: 1) / tan(Double.pi * 0.475) - 1) < 1e-14)
    }

    @Test func largeAndFractionalDegreesOfFreedomStayWithin1e10() {
        // Exact values from mpmath (reference_statistics.py's exact_cdf, 40 digits). The continued
        // fraction grows with df and loses digits: 4e-11 at df = 1e6 (1e-13 up to df = 1000).
        #expect(abs(Statistics.tQuantile(0.975, df: 1e6) / 1.959966356814106655 - 1) < 1e-10)
        #expect(abs(Statistics.tCDF(-3, df: 1e6) / 0.0013499312707108985 - 1) < 1e-10)
        #expect(abs(Statistics.tQuantile(1e-10, df: 5000.5) / -6.374552213135523654 - 1) < 1e-13)
    }

    @Test func twoSidedPValueIsTwiceTheLowerTail() {
        for (t, df) in [(2.5, 4.0), (-0.3, 17), (40, 2)] {
            #expect(abs(Statistics.tTwoSidedPValue(t, df: df) / (2 * Statistics.tCDF(-abs(t), df: df)) - 1) < 1e-14)
        }
    }
}

@Suite struct ReplicateStatisticsTests {
    // The series of reference_statistics.py: accuracy of 5 replicates, paired by k.
    let student = [0.8512, 0.8534, 0.8498, 0.8541, 0.8525]
    let baseline = [0.8431, 0.8470, 0.8422, 0.8465, 0.8440]
    let ensemble = 0.8610

    func close(_ a: Double?, _ b: Double, _ tolerance: Double = 1e-12) -> Bool {
        guard let a else { return false }
        return abs(a - b) <= tolerance * max(1, abs(b))
    }

    @Test func meanIntervalMatchesScipy() {
        let i = Statistics.meanInterval(student)
        #expect(close(i.estimate, 0.8522000000000001))
        #expect(close(i.low, 0.8500583545540414))
        #expect(close(i.high, 0.8543416454459587))
        #expect(i.method == .t && i.n == 5 && i.level == 0.95 && i.excludesZero)
    }

    @Test func meanIntervalIsUndefinedForOneValueAndSkipsNaN() {
        let one = Statistics.meanInterval([0.7, .nan])
        #expect(one.estimate == 0.7 && one.low == nil && one.high == nil && one.n == 1 && !one.excludesZero)
        let none = Statistics.meanInterval([.nan])
        #expect(none.estimate.isNaN && none.low == nil && none.n == 0)
        #expect(Statistics.meanInterval(student + [.nan]) == Statistics.meanInterval(student))
    }

    @Test func meanIntervalOfEqualValuesCollapses() {
        let i = Statistics.meanInterval([0.1, 0.1, 0.1])
        #expect(i.estimate == 0.1 && i.low == 0.1 && i.high == 0.1)
    }

    @Test func pairedDifferenceMatchesScipyTtestRel() {
        let c = Statistics.pairedDifference(student, baseline)
        #expect(close(c.estimate, 0.007640000000000024))
        #expect(close(c.interval.low, 0.006659950272280456))
        #expect(close(c.interval.high, 0.008620049727719592))
        #expect(close(c.pValue, 2.6956191734030258e-05, 1e-10))
        #expect(c.interval.method == .pairedT && c.interval.n == 5 && c.excludesZero)
    }

    @Test func pairedDifferenceWithinNoiseIsNotSignificant() {
        let c = Statistics.pairedDifference([0.71, 0.74, 0.69, 0.73], [0.72, 0.70, 0.71, 0.72])
        #expect(close(c.pValue, 0.7306151529114, 1e-10))
        #expect(!c.excludesZero)
    }

    @Test func identicalSeriesDifferByExactlyZeroAndAreNotSignificant() {
        let c = Statistics.pairedDifference(student, student)
        #expect(c.estimate == 0 && c.interval.low == 0 && c.interval.high == 0)
        #expect(c.pValue == 1 && !c.excludesZero)
    }

    @Test func aConstantNonzeroDifferenceCollapsesWithPValueZero() {
        let c = Statistics.pairedDifference([0.3, 0.5, 0.9], [0.2, 0.4, 0.8].map { $0 + 0.05 })
        // Differences 0.05 up to rounding: not exactly equal, so a tiny interval around 0.05.
        #expect(abs(c.estimate - 0.05) < 1e-15 && c.excludesZero)
        let exact = Statistics.pairedDifference([1.5, 2.5, 3.5], [1, 2, 3])
        #expect(exact.estimate == 0.5 && exact.interval.low == 0.5 && exact.interval.high == 0.5 && exact.pValue == 0)
    }

    @Test func pairedDifferenceSkipsPairsWithAMissingSide() {
        let c = Statistics.pairedDifference(student + [.nan, 0.9], baseline + [0.8, .nan])
        #expect(c == Statistics.pairedDifference(student, baseline))
        let one = Statistics.pairedDifference([0.9, .nan], [0.8, 0.7])
        #expect(one.interval.n == 1 && one.interval.low == nil && one.pValue == nil)
    }

    @Test func gapRecoveredMatchesFiellerFromNumPy() throws {
        let i = try #require(Statistics.gapRecovered(student: student, baseline: baseline, ensemble: ensemble).interval)
        #expect(close(i.estimate, 0.46472019464720316, 1e-9))
        #expect(close(i.low, 0.41048117493679315, 1e-9))
        #expect(close(i.high, 0.5308933154899713, 1e-9))
        #expect(i.method == .fieller && i.n == 5)
    }

    @Test func gapRecoveredOfALowerIsBetterMetricKeepsTheSigns() throws {
        let i = try #require(Statistics.gapRecovered(student: [0.331, 0.327, 0.335, 0.329, 0.333],
                                                     baseline: [0.352, 0.349, 0.357, 0.348, 0.351],
                                                     ensemble: 0.318, higherIsBetter: false).interval)
        #expect(close(i.estimate, 0.6107784431137718, 1e-9))
        #expect(close(i.low, 0.5378691758722329, 1e-9))
        #expect(close(i.high, 0.6969387358474795, 1e-9))
    }

    @Test func gapRecoveredIsNotApplicableWhenTheEnsembleIsNotBetter() {
        let worse = Statistics.gapRecovered(student: student, baseline: baseline, ensemble: 0.84)
        #expect(worse == .notApplicable(reason: "the ensemble is not better than the baseline (ensemble − baseline = -0.00456)"))
        // For log loss a higher ensemble value is worse.
        let lossWorse = Statistics.gapRecovered(student: [0.3, 0.31], baseline: [0.35, 0.36], ensemble: 0.4, higherIsBetter: false)
        #expect(lossWorse.interval == nil)
        #expect(Statistics.gapRecovered(student: student, baseline: baseline, ensemble: .nan)
                == .notApplicable(reason: "the ensemble has no value"))
    }

    @Test func gapRecoveredIsNotApplicableWhenTheEnsemblesGainIsWithinNoise() {
        // reference_statistics.py: A = ḡ² − t²·v_gg = -0.00038143237110884 ≤ 0.
        let noisy = Statistics.gapRecovered(student: student, baseline: [0.84, 0.86, 0.83, 0.87, 0.85], ensemble: 0.852)
        #expect(noisy == .notApplicable(reason: "the ensemble's gain over the baseline is within noise (ensemble − baseline = 0.002 ± 0.0196)"))
    }

    @Test func gapRecoveredOfOneReplicateHasNoBounds() throws {
        let i = try #require(Statistics.gapRecovered(student: [0.85], baseline: [0.84], ensemble: 0.86).interval)
        #expect(abs(i.estimate - 0.5) < 1e-12 && i.low == nil && i.high == nil && i.n == 1)
    }

    @Test func resultsEncodeAsSnakeCaseJSONAndDecodeBack() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let comparison = Statistics.pairedDifference([1.5, 2.5, 3.5], [1, 2, 3])
        #expect(String(decoding: try encoder.encode(comparison), as: UTF8.self)
                == #"{"estimate":0.5,"high":0.5,"level":0.95,"low":0.5,"method":"paired-t","n":3,"p_value":0}"#)
        #expect(try JSONDecoder().decode(Statistics.Comparison.self, from: encoder.encode(comparison)) == comparison)
        let undefined = Statistics.pairedDifference([1.5], [1])
        #expect(String(decoding: try encoder.encode(undefined), as: UTF8.self)
                == #"{"estimate":0.5,"high":null,"level":0.95,"low":null,"method":"paired-t","n":1,"p_value":null}"#)
        #expect(try JSONDecoder().decode(Statistics.Comparison.self, from: encoder.encode(undefined)) == undefined)
        let na = Statistics.GapRecovered.notApplicable(reason: "the ensemble has no value")
        #expect(String(decoding: try encoder.encode(na), as: UTF8.self) == #"{"reason":"the ensemble has no value"}"#)
        #expect(try JSONDecoder().decode(Statistics.GapRecovered.self, from: encoder.encode(na)) == na)
        let gap = Statistics.gapRecovered(student: student, baseline: baseline, ensemble: ensemble)
        #expect(try JSONDecoder().decode(Statistics.GapRecovered.self, from: encoder.encode(gap)) == gap)
    }
}
