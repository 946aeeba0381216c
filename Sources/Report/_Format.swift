import Foundation
import Metrics

/// The report's one number format, shared by the Markdown, the HTML and the terminal
/// (locale-independent): 4 decimals for metrics, differences, p-values and ratios of
/// metrics; thousands separators for parameter counts.
enum _Format {
    static let missing = "—"
    static let digits = 4

    /// 0.9808, or "—".
    static func fixed(_ v: Double?, _ digits: Int = digits) -> String {
        guard let v, v.isFinite else { return missing }
        return String(format: "%.\(digits)f", abs(v) < 0.5 * pow(10, -Double(digits)) ? 0 : v)
    }

    /// +0.0192 / -0.0192; 0.0000 when it rounds to zero (no "+0.0000" / "-0.0000").
    static func signed(_ v: Double?, _ digits: Int = digits) -> String {
        guard let v, v.isFinite else { return missing }
        return abs(v) < 0.5 * pow(10, -Double(digits)) ? String(format: "%.\(digits)f", 0.0) : String(format: "%+.\(digits)f", v)
    }

    /// A count with thousands separators: 424, 28,050, 1,234,567.
    static func count(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    /// The half-width of a mean's interval, nil when it has no bounds or rests on one value.
    static func halfWidth(_ i: Statistics.Interval) -> Double? {
        guard i.n >= 2, let low = i.low, let high = i.high, low.isFinite, high.isFinite else { return nil }
        return (high - low) / 2
    }

    /// A mean over replicates: "0.9844 ± 0.0084" (half-width of its interval) with two or more
    /// replicates, the plain value with one.
    static func mean(_ i: Statistics.Interval?) -> String {
        guard let i else { return missing }
        guard let h = halfWidth(i) else { return fixed(i.estimate) }
        return "\(fixed(i.estimate)) ± \(fixed(h))"
    }

    /// "[-0.0866, +0.1123]" for signed quantities, "[0.5711, 0.7366]" otherwise; nil without bounds.
    static func bounds(_ i: Statistics.Interval, signed isSigned: Bool) -> String? {
        guard let low = i.low, let high = i.high, low.isFinite, high.isFinite else { return nil }
        return isSigned ? "[\(signed(low)), \(signed(high))]" : "[\(fixed(low)), \(fixed(high))]"
    }

    /// A difference with its interval and mark: "+0.0128 [-0.0866, +0.1123] ≈".
    static func difference(_ c: Statistics.Comparison?) -> String {
        guard let c else { return missing }
        let significance = Significance(c)
        return [signed(c.estimate), bounds(c.interval, signed: true), significance.mark].compactMap { $0 }
            .filter { !$0.isEmpty }.joined(separator: " ")
    }

    /// A two-sided p-value: 0.0377, "< 0.0001", or "—".
    static func p(_ v: Double?) -> String {
        guard let v, v.isFinite else { return missing }
        return v < 0.00005 ? "< 0.0001" : fixed(v)
    }

    /// The gap recovered with its interval, "0.4000 [-13.8247, 2.6389]", or "n/a".
    static func gap(_ g: Statistics.GapRecovered?) -> String {
        guard let i = g?.interval else { return "n/a" }
        return [fixed(i.estimate), bounds(i, signed: false)].compactMap { $0 }.joined(separator: " ")
    }

    /// How many times larger one count is: "66×", "1.8×".
    static func times(_ x: Double) -> String {
        guard x.isFinite else { return missing }
        return x >= 10 ? String(format: "%.0f×", x.rounded()) : String(format: "%.1f×", x)
    }

    /// "3 replicates", "1 replicate".
    static func replicates(_ n: Int) -> String { n == 1 ? "1 replicate" : "\(n) replicates" }

    /// Examples per second: 512, 79.4k, 9.49M.
    static func rate(_ v: Double?) -> String {
        guard let v, v.isFinite, v >= 0 else { return missing }
        switch v {
        case 1e9...: return String(format: "%.3gG", v / 1e9)
        case 1e6...: return String(format: "%.3gM", v / 1e6)
        case 1e3...: return String(format: "%.3gk", v / 1e3)
        default: return String(format: "%.3g", v)
        }
    }

    /// Seconds: 0.56, 12.3, 1234.
    static func seconds(_ v: Double?) -> String {
        guard let v, v.isFinite else { return missing }
        return v < 10 ? String(format: "%.2f", v) : v < 100 ? String(format: "%.1f", v) : String(format: "%.0f", v)
    }

    /// Shortest text that reads back as the same Double ("nan" for NaN): for data attributes.
    static func exact(_ v: Double) -> String { v.isNaN ? "nan" : "\(v)" }

    /// Prose cut into lines of at most `width` characters at spaces (a longer word stays whole).
    static func wrap(_ text: String, width: Int = 100) -> String {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            if line.isEmpty { line = String(word); continue }
            if line.count + 1 + word.count > width { lines.append(line); line = String(word) } else { line += " " + word }
        }
        if !line.isEmpty { lines.append(line) }
        return lines.joined(separator: "\n")
    }
}
