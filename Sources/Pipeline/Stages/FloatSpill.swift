import Artifacts
import Foundation

/// Floats set aside in a temporary file and read back in any order: what a stage computes block
/// by block but must write in another order (soft-targets: every member's outputs on a block
/// together, stored member by member). The file is unlinked as soon as it is open, so nothing is
/// left behind whatever ends the process; its pages are the kernel's (page cache), not the
/// process's memory.
///
/// - Complexity: memory O(1); disk O(count × 4 bytes).
final class FloatSpill {
    /// The temporary file's name (unlinked), for messages.
    let path: String
    private let fd: Int32

    /// Creates the temporary file in `directory`.
    init(directory: String, name: String) throws {
        path = (directory as NSString).appendingPathComponent("\(AtomicWrite.marker)\(getpid())-\(name)-\(UUID().uuidString.prefix(8)).floats")
        fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw ArtifactError(path: path, "cannot create a temporary file: \(FileSystemError.reason(errno: errno))")
        }
        unlink(path)
    }

    deinit { close(fd) }

    /// Stores `values` at float index `index`.
    func write(_ values: [Float], at index: Int) throws {
        try values.withUnsafeBytes { bytes in
            var done = 0
            while done < bytes.count {
                let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(index * 4 + done))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else {
                    throw ArtifactError(path: path, "cannot write the outputs set aside: \(FileSystemError.reason(errno: n < 0 ? errno : ENOSPC))")
                }
                done += n
            }
        }
    }

    /// The `count` floats stored at float index `index`.
    func read(_ count: Int, at index: Int) throws -> [Float] {
        var values = [Float](repeating: 0, count: count)
        try values.withUnsafeMutableBytes { bytes in
            var done = 0
            while done < bytes.count {
                let n = pread(fd, bytes.baseAddress! + done, bytes.count - done, off_t(index * 4 + done))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else {
                    throw ArtifactError(path: path, "cannot read back the outputs set aside: \(n < 0 ? FileSystemError.reason(errno: errno) : "the file is shorter than written")")
                }
                done += n
            }
        }
        return values
    }
}
