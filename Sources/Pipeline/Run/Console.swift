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

    /// A per-epoch progress line of training that has done `epoch` of `epochs` epochs since
    /// `started`: on a terminal one line rewritten in place (whichever network reported last),
    /// cut to the terminal's width, with elapsed time and an ETA; in logs, one line per tenth
    /// of the schedule (the whole curve is in the model file).
    public func progress(_ line: String, epoch: Int, epochs: Int, started: ContinuousClock.Instant) {
        let elapsed = (ContinuousClock.now - started).seconds
        let eta = epoch > 0 ? elapsed / Double(epoch) * Double(epochs - epoch) : .nan
        let full = line + "  " + Format.seconds(elapsed) + (epoch < epochs && eta.isFinite ? ", ETA " + Format.seconds(eta) : "")
        guard isTerminal, captured == nil else {
            let step = max(1, epochs / 10)
            if epoch % step == 0 || epoch == epochs || captured != nil { info(full) }
            return
        }
        lock.withLock {
            guard !quiet else { return }
            let width = Self.terminalWidth()
            let shown = full.count > width - 1 ? String(full.prefix(max(width - 2, 1))) + "…" : full
            FileHandle.standardError.write(Data(("\r\u{1B}[2K" + shown).utf8))
            progressShown = true
        }
    }

    /// Columns of the terminal on standard error (80 when unknown).
    static func terminalWidth() -> Int {
        var size = winsize()
        guard ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
        return Int(size.ws_col)
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
