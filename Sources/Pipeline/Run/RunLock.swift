import Artifacts
import Foundation

/// The lock that keeps two `mtkd run`s off one artifacts folder.
///
/// An advisory `flock` on `.mtkd-run.lock`: the kernel releases it when the process dies
/// in any way (kill -9 included), so a lock left by a killed run is simply taken over.
/// The file holds the owner's pid and start time, for the message the second run prints.
public final class RunLock {
    public struct Busy: Error, LocalizedError {
        public var folder: String
        public var owner: String
        public var errorDescription: String? {
            "another mtkd run is using \(folder) (\(owner)); wait for it to finish or stop it"
        }
    }

    private let fd: Int32
    public let path: String
    /// Set when the previous holder ended without releasing cleanly (e.g. killed).
    public let previousOwner: String?
    /// A reader's lock (`shared(path:)`): it writes nothing and leaves the file as it is.
    private let isShared: Bool

    /// What a shared holder leaves in the file: nothing, so a run refused by it names no owner.
    static let unknownOwner = "owner unknown: perhaps a run of a pipeline that uses its teachers"

    public init(path: String) throws {
        self.path = path
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let fd = open(path, O_RDWR | O_CREAT, 0o644)
        guard fd >= 0 else { throw ArtifactError(path: path, "cannot open the run lock: \(String(cString: strerror(errno)))") }
        let previous = Self.contents(fd)
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let err = errno
            close(fd)
            guard err == EWOULDBLOCK else { throw ArtifactError(path: path, "cannot take the run lock: \(String(cString: strerror(err)))") }
            throw Busy(folder: (path as NSString).deletingLastPathComponent, owner: previous.isEmpty ? Self.unknownOwner : previous)
        }
        self.fd = fd
        self.previousOwner = previous.isEmpty ? nil : previous
        self.isShared = false
        let me = "pid \(getpid()), started \(ISO8601DateFormatter().string(from: Date()))"
        _ = ftruncate(fd, 0)
        _ = pwrite(fd, me, me.utf8.count, 0)
    }

    private init(fd: Int32, path: String) {
        self.fd = fd; self.path = path; previousOwner = nil; isShared = true
    }

    /// A reader's hold on another pipeline's folder (whose teachers this run uses): while it is
    /// held, a run of that pipeline is refused (its files cannot change), and other readers are
    /// not. Throws `Busy` when a run of that pipeline holds the folder now.
    public static func shared(path: String) throws -> RunLock {
        let fd = open(path, O_RDONLY | O_CREAT, 0o644)
        guard fd >= 0 else { throw ArtifactError(path: path, "cannot open the run lock: \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_SH | LOCK_NB) == 0 else {
            let err = errno
            let owner = contents(fd)
            close(fd)
            guard err == EWOULDBLOCK else { throw ArtifactError(path: path, "cannot take the run lock: \(String(cString: strerror(err)))") }
            throw Busy(folder: (path as NSString).deletingLastPathComponent, owner: owner.isEmpty ? unknownOwner : owner)
        }
        return RunLock(fd: fd, path: path)
    }

    /// Who holds the lock at `path` right now ("pid N, started …"), nil when no run holds it.
    public static func holder(path: String) -> String? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return nil
        }
        let owner = contents(fd)
        return owner.isEmpty ? unknownOwner : owner
    }

    private static func contents(_ fd: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 256)
        let n = pread(fd, &buffer, 256, 0)
        return n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : ""
    }

    /// Releases the lock; the file is emptied so the next run knows this one ended cleanly.
    public func release() {
        if !isShared { _ = ftruncate(fd, 0) }
        flock(fd, LOCK_UN)
        close(fd)
    }
}
