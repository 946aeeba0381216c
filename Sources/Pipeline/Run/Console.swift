import Artifacts
import Foundation

/// Where a run reports: progress and summaries on standard error, results on standard output.
/// Colour and in-place updates only when standard error is a terminal.
public final class Console: @unchecked Sendable {
    private let lock = NSLock()
    public let isTerminal: Bool
    public let quiet: Bool
    private var captured: [String]?
    /// Whether the last line written was a transient progress line (terminal only).
    private var progressShown = false
    /// False while several networks train at once: progress lines then stay one per epoch.
    public var inPlaceProgress = true

    public init(quiet: Bool = false, capture: Bool = false) {
        self.quiet = quiet
        isTerminal = isatty(STDERR_FILENO) != 0
        captured = capture ? [] : nil
    }

    /// Lines written so far when created with `capture: true` (tests).
    public var lines: [String] { lock.withLock { captured ?? [] } }

    /// A progress or status line (standard error).
    public func info(_ line: String) {
        lock.withLock {
            if captured != nil { captured!.append(line); return }
            guard !quiet else { return }
            let clear = progressShown ? "\r\u{1B}[2K" : ""
            progressShown = false
            FileHandle.standardError.write(Data((clear + line + "\n").utf8))
        }
    }

    /// A per-epoch progress line: rewritten in place on a terminal, one line each otherwise
    /// (so logs keep the whole training curve).
    public func progress(_ line: String) {
        guard isTerminal, captured == nil, lock.withLock({ inPlaceProgress }) else { return info(line) }
        lock.withLock {
            guard !quiet else { return }
            FileHandle.standardError.write(Data(("\r\u{1B}[2K" + line).utf8))
            progressShown = true
        }
    }

    /// A stage heading.
    public func stage(_ line: String) { info(isTerminal ? "\u{1B}[1m==> \(line)\u{1B}[0m" : "==> \(line)") }

    /// A result meant for the reader (standard output).
    public func result(_ text: String) {
        lock.withLock {
            if captured != nil { captured!.append(text); return }
            FileHandle.standardOutput.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
        }
    }
}

enum Format {
    static func fixed(_ v: Double, _ digits: Int = 4) -> String {
        v.isNaN ? "—" : String(format: "%.\(digits)f", v)
    }

    static func seconds(_ s: Double) -> String {
        s < 60 ? String(format: "%.1fs", s) : String(format: "%dm%02ds", Int(s) / 60, Int(s) % 60)
    }

    static func count(_ n: Double) -> String {
        n >= 1e6 ? String(format: "%.1fM", n / 1e6) : n >= 1e3 ? String(format: "%.1fk", n / 1e3) : String(format: "%.0f", n)
    }
}
