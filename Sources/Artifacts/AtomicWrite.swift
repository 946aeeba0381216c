import Foundation

/// Errors of the artifact files: each names the file and what is wrong.
public struct ArtifactError: Error, LocalizedError, Equatable, Sendable {
    public var path: String
    public var message: String
    public init(path: String, _ message: String) { self.path = path; self.message = message }
    public var errorDescription: String? { "\(path): \(message)" }
}

/// Writes files so that a reader never sees a half-written one: the content goes to a
/// temporary name in the same folder and is renamed into place only when complete.
public enum AtomicWrite {
    /// Temporary file names start with this marker; anything with it is debris of an interrupted write.
    public static let marker = ".partial-"

    /// Calls `body` with a temporary path next to `path`; on success renames it to `path`.
    /// On failure the temporary file is removed and the error rethrown.
    ///
    /// - Parameter durable: fsync before the rename, so even a power loss never exposes an empty
    ///   file. Checkpoints skip it: a killed process loses nothing (the page cache survives), and
    ///   a checkpoint made unreadable by a power loss is detected and retrained.
    public static func write<T>(to path: String, durable: Bool = true, _ body: (String) throws -> T) throws -> T {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
            throw ArtifactError(path: dir, "cannot create the folder: \(FileSystemError.reason(error) ?? "\(error)")")
        }
        let temp = (dir as NSString).appendingPathComponent("\(marker)\(getpid())-\(url.lastPathComponent)")
        if FileManager.default.fileExists(atPath: temp) {
            do { try FileManager.default.removeItem(atPath: temp) } catch {
                throw ArtifactError(path: temp, "cannot remove: \(FileSystemError.reason(error) ?? "\(error)")")
            }
        }
        do {
            let result = try body(temp)
            if durable { try syncFile(temp) }
            guard rename(temp, path) == 0 else {
                throw ArtifactError(path: path, "cannot move the finished file into place: \(FileSystemError.reason(errno: errno))")
            }
            return result
        } catch {
            try? FileManager.default.removeItem(atPath: temp)  // debris only; the original error is what matters
            throw error
        }
    }

    /// Writes `data` atomically.
    public static func write(_ data: Data, to path: String) throws {
        try write(to: path) { temp in
            do { try data.write(to: URL(fileURLWithPath: temp)) } catch {
                throw ArtifactError(path: path, "cannot write: \(FileSystemError.reason(error) ?? "\(error)")")
            }
        }
    }

    /// Flushes a file's content to disk so a rename after a crash never exposes an empty file.
    public static func syncFile(_ path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw ArtifactError(path: path, "cannot open to sync: \(FileSystemError.reason(errno: errno))") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw ArtifactError(path: path, "fsync failed: \(FileSystemError.reason(errno: errno))") }
    }
}
