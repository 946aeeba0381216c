import Metrics

/// What a difference between two models says once its noise is taken into account: better or
/// worse only when the 95% interval of the difference excludes 0 (`Statistics.Interval.excludesZero`).
public enum Significance: String, Equatable, Sendable {
    /// The interval lies above 0.
    case better
    /// The interval lies below 0.
    case worse
    /// The interval contains 0: no significant difference.
    case indistinguishable
    /// No comparison, or an interval without bounds.
    case unknown

    public init(_ comparison: Statistics.Comparison?) {
        guard let c = comparison, c.interval.low != nil, c.interval.high != nil else { self = .unknown; return }
        self = !c.excludesZero ? .indistinguishable : c.interval.low! > 0 ? .better : .worse
    }

    /// "▲", "▼", "≈", or "" when unknown.
    public var mark: String {
        switch self {
        case .better: return "▲"
        case .worse: return "▼"
        case .indistinguishable: return "≈"
        case .unknown: return ""
        }
    }

    /// The legend every table that carries marks repeats.
    static let legend = "▲ / ▼: better / worse (the 95% interval of the difference excludes 0); ≈: no significant difference"
}
