import Foundation

extension Statistics {
    /// The mean of replicate values with its t-interval, mean ± t_{(1+level)/2, n−1}·s/√n
    /// (s the sample standard deviation).
    /// - Parameters:
    ///   - values: (R) one value per replicate, NaN where missing (skipped).
    ///   - level: confidence level in (0, 1).
    /// - Returns: method `t`; nil bounds when fewer than 2 values remain (estimate NaN for none);
    ///   bounds equal to the mean when all values are equal.
    /// - Complexity: O(R).
    public static func meanInterval(_ values: [Double], level: Double = 0.95) -> Interval {
        precondition(level > 0 && level < 1, "meanInterval: level \(level) must be in (0, 1)")
        let s = _Sample(values.filter { !$0.isNaN })
        let (low, high) = s.interval(level: level)
        return Interval(estimate: s.mean, low: low, high: high, level: level, method: .t, n: s.n)
    }

    /// The paired difference a − b over replicates (replicate k of a against replicate k of b):
    /// the mean of dₖ = aₖ − bₖ, its t-interval, and the two-sided p-value of the paired
    /// t-test (scipy's `stats.ttest_rel(a, b)`).
    ///
    /// When all differences are equal (zero variance) the interval collapses to that value and
    /// the p-value is 0 if it is not 0, else 1; scipy gives ±∞ and NaN there.
    /// - Parameters:
    ///   - a: (R) values per replicate, NaN where missing.
    ///   - b: (R) values per replicate, NaN where missing; pairs with a NaN on either side are skipped.
    /// - Returns: method `paired-t`, n the number of pairs; with fewer than 2 pairs the bounds
    ///   and the p-value are nil.
    /// - Complexity: O(R).
    public static func pairedDifference(_ a: [Double], _ b: [Double], level: Double = 0.95) -> Comparison {
        precondition(a.count == b.count, "pairedDifference: \(a.count) and \(b.count) replicates")
        precondition(level > 0 && level < 1, "pairedDifference: level \(level) must be in (0, 1)")
        let s = _Sample(zip(a, b).compactMap { $0.isNaN || $1.isNaN ? nil : $0 - $1 })
        let (low, high) = s.interval(level: level)
        var p: Double? = nil
        if s.n >= 2 {
            p = s.variance == 0
                ? (s.mean == 0 ? 1 : 0)
                : tTwoSidedPValue(s.mean / (s.variance / Double(s.n)).squareRoot(), df: Double(s.n - 1))
        }
        return Comparison(interval: Interval(estimate: s.mean, low: low, high: high, level: level, method: .pairedT, n: s.n),
                          pValue: p)
    }

    /// The gap recovered (student − baseline) / (ensemble − baseline) over paired replicates,
    /// with Fieller's interval.
    ///
    /// With dₖ = sₖ − bₖ and gₖ = E − bₖ the estimate is the ratio of means d̄/ḡ. The interval
    /// holds the θ with (d̄ − θḡ)² ≤ t²·(v_dd − 2θ·v_dg + θ²·v_gg), where v is the sample
    /// covariance of (d, g) divided by n and t = t_{(1+level)/2, n−1}: the roots of
    /// A·θ² − 2B·θ + C with A = ḡ² − t²v_gg, B = d̄ḡ − t²v_dg, C = d̄² − t²v_dd.
    ///
    /// For a metric where lower is better (log loss, RMSE) the same formula holds: d and g keep
    /// their signs (both negative when student and ensemble beat the baseline), so the ratio
    /// still reads 0 = baseline, 1 = ensemble; only "better" means ḡ < 0.
    /// - Parameters:
    ///   - student: (R) the distilled student's value per replicate, NaN where missing.
    ///   - baseline: (R) the no-KD baseline's value per replicate (paired by k), NaN where missing.
    ///   - ensemble: the teacher ensemble's value E (one ensemble, no replicates).
    ///   - higherIsBetter: false for losses and errors.
    /// - Returns: method `fieller`, n the number of pairs; nil bounds with a single pair (take
    ///   the interval from `PairedBootstrap.gapRecovered` over test rows). Not applicable when
    ///   the ensemble is not better than the baseline (ḡ on the wrong side of 0), or when A ≤ 0:
    ///   ḡ is within t standard errors of 0, the ensemble's gain is within noise and the
    ///   interval would be unbounded.
    /// - Complexity: O(R).
    public static func gapRecovered(student: [Double], baseline: [Double], ensemble: Double,
                                    higherIsBetter: Bool = true, level: Double = 0.95) -> GapRecovered {
        precondition(student.count == baseline.count, "gapRecovered: \(student.count) student and \(baseline.count) baseline replicates")
        precondition(level > 0 && level < 1, "gapRecovered: level \(level) must be in (0, 1)")
        guard !ensemble.isNaN else { return .notApplicable(reason: "the ensemble has no value") }
        let pairs = zip(student, baseline).filter { !$0.0.isNaN && !$0.1.isNaN }
        guard !pairs.isEmpty else { return .notApplicable(reason: "no replicate has both a student and a baseline value") }
        let d = _Sample(pairs.map { $0.0 - $0.1 }), g = _Sample(pairs.map { ensemble - $0.1 })
        if higherIsBetter ? g.mean <= 0 : g.mean >= 0 {
            return .notApplicable(reason: "the ensemble is not better than the baseline (ensemble − baseline = \(_short(g.mean)))")
        }
        let n = d.n
        guard n >= 2 else {
            return .value(Interval(estimate: d.mean / g.mean, low: nil, high: nil, level: level, method: .fieller, n: n))
        }
        let t = tCritical(level: level, df: Double(n - 1))
        let t2 = t * t, nn = Double(n)
        let vdd = d.variance / nn, vgg = g.variance / nn, vdg = d.covariance(g) / nn
        let a = g.mean * g.mean - t2 * vgg
        guard a > 0 else {
            return .notApplicable(reason: "the ensemble's gain over the baseline is within noise (ensemble − baseline = \(_short(g.mean)) ± \(_short(t * vgg.squareRoot())))")
        }
        let b = d.mean * g.mean - t2 * vdg
        let c = d.mean * d.mean - t2 * vdd
        let root = max(0, b * b - a * c).squareRoot()
        return .value(Interval(estimate: d.mean / g.mean, low: (b - root) / a, high: (b + root) / a,
                               level: level, method: .fieller, n: n))
    }
}

/// Mean and sample variance of values without NaN; exactly the common value (variance 0) when
/// all values are equal, whatever the rounding of their sum.
struct _Sample {
    let values: [Double]
    let n: Int
    let mean: Double
    /// Sample variance (denominator n − 1); 0 for fewer than 2 values.
    let variance: Double

    init(_ values: [Double]) {
        self.values = values
        n = values.count
        guard let first = values.first else { mean = .nan; variance = 0; return }
        if values.allSatisfy({ $0 == first }) {
            mean = first
            variance = 0
            return
        }
        let m = values.reduce(0, +) / Double(n)
        mean = m
        variance = values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(n - 1)
    }

    /// Sample covariance with `other` (same length, denominator n − 1).
    func covariance(_ other: _Sample) -> Double {
        guard n >= 2 else { return 0 }
        var sum = 0.0
        for i in 0..<n { sum += (values[i] - mean) * (other.values[i] - other.mean) }
        return sum / Double(n - 1)
    }

    /// mean ± t·s/√n, nil for fewer than 2 values.
    func interval(level: Double) -> (Double?, Double?) {
        guard n >= 2 else { return (nil, nil) }
        if variance == 0 { return (mean, mean) }
        let half = Statistics.tCritical(level: level, df: Double(n - 1)) * (variance / Double(n)).squareRoot()
        return (mean - half, mean + half)
    }
}
