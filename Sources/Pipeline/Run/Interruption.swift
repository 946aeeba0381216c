import Artifacts
import Dispatch
import Foundation

/// SIGINT and SIGTERM during `mtkd run`: training stops at the next batch (the last epoch's
/// checkpoint stands), partial files are removed, one line says where the next run resumes,
/// and the exit code is 128 + the signal (130, 143). Resuming stays byte-identical because
/// nothing of the unfinished epoch is kept.
///
/// A stage that does not reach a check point within `graceSeconds` (a long CSV parse, say),
/// or a second signal, ends the process at once after removing this process's partial files.
public enum Interruption {
    /// Seconds a stage gets to stop on its own after the first signal.
    static let graceSeconds = 10.0

    private static let lock = NSLock()
    private static var received: Int32 = 0
    private static var artifactsRoot: String?
    private static var sources: [DispatchSourceSignal] = []

    /// True once SIGINT or SIGTERM arrived (after `install`).
    public static var requested: Bool { lock.withLock { received != 0 } }

    /// The exit code for the signal received (128 + signal), nil if none.
    public static var exitCode: Int32? { lock.withLock { received == 0 ? nil : 128 + received } }

    /// Catches SIGINT and SIGTERM for the rest of the process; `artifactsRoot` is where this
    /// process's partial files are removed if it has to end without unwinding.
    public static func install(artifactsRoot root: String) {
        lock.withLock {
            artifactsRoot = root
            guard sources.isEmpty else { return }
            for sig in [SIGINT, SIGTERM] {
                signal(sig, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
                source.setEventHandler { received(sig) }
                source.resume()
                sources.append(source)
            }
        }
    }

    private static func received(_ sig: Int32) {
        let first: Bool = lock.withLock {
            defer { if received == 0 { received = sig } }
            return received == 0
        }
        if first {
            DispatchQueue.global().asyncAfter(deadline: .now() + graceSeconds) { endNow() }
        } else {
            endNow()
        }
    }

    /// Ends the process without unwinding: removes this process's partial files first.
    private static func endNow() -> Never {
        let (root, code) = lock.withLock { (artifactsRoot, 128 + received) }
        if let root { removePartialFiles(under: root, pid: getpid()) }
        FileHandle.standardError.write(Data("interrupted; partial files removed; `mtkd run` resumes from the last completed epoch\n".utf8))
        _exit(code)
    }

    /// Removes `.partial-<pid>-*` files under `root` (debris of this process's unfinished writes).
    static func removePartialFiles(under root: String, pid: Int32) {
        let prefix = "\(AtomicWrite.marker)\(pid)-"
        guard let walker = FileManager.default.enumerator(atPath: root) else { return }
        for case let relative as String in walker where (relative as NSString).lastPathComponent.hasPrefix(prefix) {
            unlink((root as NSString).appendingPathComponent(relative))
        }
    }

    /// Thrown when a signal stopped the run; the message says where `mtkd run` picks up.
    public struct Stopped: Error, LocalizedError {
        public var message: String
        public var errorDescription: String? { message }
    }
}
