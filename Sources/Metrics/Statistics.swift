import Foundation

/// Statistics for honest comparisons of trained models: Student's t distribution, t-intervals
/// over replicates, paired t-tests, the gap recovered with its Fieller interval, and (in
/// `PairedBootstrap`) the paired bootstrap over test rows for a single replicate.
///
/// Replicate k of every student is trained with the same seed, so students are paired by k.
/// Values are `Double`, NaN where a replicate's metric is missing; NaN values (for paired
/// statistics: pairs with a NaN on either side) are skipped, as missing labels are in `Metrics`.
/// Everything here is a pure function of its arguments.
public enum Statistics {
    /// How an interval was computed.
    public enum Method: String, Equatable, Sendable, Codable {
        /// Mean ± t·s/√n over replicates.
        case t
        /// Mean of paired differences aₖ − bₖ ± t·s/√n (the paired t-test).
        case pairedT = "paired-t"
        /// Percentile interval of the paired bootstrap over test rows.
        case bootstrap
        /// Fieller's interval for a ratio of means.
        case fieller
    }

    /// An estimate with its confidence interval.
    ///
    /// JSON: `{"estimate", "low", "high", "level", "method", "n"}`; `low` and `high` are null
    /// when the interval is undefined.
    public struct Interval: Equatable, Sendable, Codable {
        /// The point estimate (NaN when there is no value at all, n = 0).
        public var estimate: Double
        /// The bounds, nil when the interval is undefined (fewer than 2 replicates).
        public var low: Double?
        public var high: Double?
        /// Confidence level, e.g. 0.95.
        public var level: Double
        public var method: Method
        /// Replicates the estimate rests on (t, paired-t, fieller), or labelled test rows (bootstrap).
        public var n: Int

        public init(estimate: Double, low: Double?, high: Double?, level: Double, method: Method, n: Int) {
            self.estimate = estimate; self.low = low; self.high = high; self.level = level; self.method = method; self.n = n
        }

        /// Whether the interval lies entirely on one side of 0 (false when undefined).
        public var excludesZero: Bool {
            guard let low, let high else { return false }
            return low > 0 || high < 0
        }

        enum CodingKeys: String, CodingKey { case estimate, low, high, level, method, n }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(estimate, forKey: .estimate)
            try c.encode(low, forKey: .low)  // null when undefined, rather than absent
            try c.encode(high, forKey: .high)
            try c.encode(level, forKey: .level)
            try c.encode(method, forKey: .method)
            try c.encode(n, forKey: .n)
        }
    }

    /// A difference a − b: its interval and a two-sided p-value for "no difference".
    ///
    /// JSON: the interval's keys and `p_value` (null when undefined), in one object.
    public struct Comparison: Equatable, Sendable, Codable {
        public var interval: Interval
        /// Two-sided p-value; nil when undefined (fewer than 2 replicates).
        public var pValue: Double?

        public init(interval: Interval, pValue: Double?) {
            self.interval = interval; self.pValue = pValue
        }

        /// The difference a − b.
        public var estimate: Double { interval.estimate }
        /// Whether the interval of the difference excludes 0.
        public var excludesZero: Bool { interval.excludesZero }

        enum CodingKeys: String, CodingKey { case pValue = "p_value" }

        public init(from decoder: Decoder) throws {
            interval = try Interval(from: decoder)
            pValue = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent(Double.self, forKey: .pValue)
        }

        public func encode(to encoder: Encoder) throws {
            try interval.encode(to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(pValue, forKey: .pValue)
        }
    }

    /// The share of the teacher ensemble's advantage over the no-KD baseline that distillation
    /// recovers, (student − baseline) / (ensemble − baseline): 0 = no better than the baseline,
    /// 1 = as good as the ensemble.
    ///
    /// JSON: the interval's keys, or `{"reason"}` when not applicable.
    public enum GapRecovered: Equatable, Sendable, Codable {
        case value(Interval)
        /// The ratio means nothing here; `reason` says why in plain words.
        case notApplicable(reason: String)

        /// The interval, nil when not applicable.
        public var interval: Interval? {
            if case .value(let i) = self { return i }
            return nil
        }

        enum CodingKeys: String, CodingKey { case reason }

        public init(from decoder: Decoder) throws {
            if let reason = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent(String.self, forKey: .reason) {
                self = .notApplicable(reason: reason)
            } else {
                self = .value(try Interval(from: decoder))
            }
        }

        public func encode(to encoder: Encoder) throws {
            switch self {
            case .value(let interval):
                try interval.encode(to: encoder)
            case .notApplicable(let reason):
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(reason, forKey: .reason)
            }
        }
    }

    /// A number in a reason: 3 significant digits.
    static func _short(_ x: Double) -> String { String(format: "%.3g", x) }
}
