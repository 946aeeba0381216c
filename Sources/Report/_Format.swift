import Foundation

/// Number formats shared by the Markdown and the HTML (locale-independent).
enum _Format {
    static let missing = "—"

    /// 0.9808, or "—".
    static func fixed(_ v: Double?, _ digits: Int = 4) -> String {
        guard let v, v.isFinite else { return missing }
        return String(format: "%.\(digits)f", v)
    }

    /// +0.0192 / -0.0192; 0.0000 when it rounds to zero (no "+0.0000" / "-0.0000").
    static func signed(_ v: Double, _ digits: Int = 4) -> String {
        abs(v) < 0.5 * pow(10, -Double(digits)) ? String(format: "%.\(digits)f", 0.0) : String(format: "%+.\(digits)f", v)
    }

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

    static func mark(_ verdict: Verdict?) -> String {
        switch verdict {
        case .gain: return " ▲"
        case .loss: return " ▼"
        default: return ""
        }
    }
}
