import CXGBoost
import Foundation

/// A call into XGBoost's C API that failed: what mtkd asked for, and XGBoost's own words
/// (`XGBGetLastError`, kept per thread by the library).
public struct XGBoostError: Error, LocalizedError, Equatable, Sendable {
    /// What was asked, lower-case: "create a booster", "boost round 12".
    public var operation: String
    /// XGBoost's message, first line only (the rest is a C++ stack trace).
    public var message: String

    public init(operation: String, message: String) { self.operation = operation; self.message = message }

    public var errorDescription: String? { "xgboost: cannot \(operation): \(message)" }

    /// Throws unless `code` (an XGBoost return code) is 0.
    @inline(__always)
    static func check(_ code: Int32, _ operation: @autoclosure () -> String) throws {
        guard code != 0 else { return }
        throw XGBoostError(operation: operation(), message: lastError())
    }

    /// `XGBGetLastError()`, trimmed to its first line without XGBoost's `[time] file:line:` prefix.
    static func lastError() -> String {
        guard let raw = XGBGetLastError() else { return "unknown error" }
        var text = String(cString: raw)
        if let newline = text.firstIndex(of: "\n") { text = String(text[..<newline]) }
        // "[14:03:12] ../src/learner.cc:1061: Check failed: ..." → "Check failed: ..."
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            let rest = text[text.index(after: close)...].drop { $0 == " " }
            if let colon = rest.range(of: ": "), rest[..<colon.lowerBound].contains(":") {
                text = String(rest[colon.upperBound...])
            }
        }
        return text.isEmpty ? "unknown error" : text
    }
}

/// The library as a whole: its version, and quiet logging (warnings would interleave with
/// mtkd's progress lines; every parameter mtkd sets is one XGBoost knows).
public enum XGBoostLibrary {
    /// "1.7.4"
    public static var version: String {
        var major: Int32 = 0, minor: Int32 = 0, patch: Int32 = 0
        XGBoostVersion(&major, &minor, &patch)
        return "\(major).\(minor).\(patch)"
    }

    /// Sets XGBoost's global verbosity to 0 once per process.
    static let configured: Void = {
        _ = XGBSetGlobalConfig("{\"verbosity\": 0}")
    }()
}
