import Foundation

/// Why a path could not be inspected. Every message names the path and says what is wrong.
public enum InspectError: Error, LocalizedError, Equatable, Sendable {
    /// Nothing exists at the path.
    case notFound(path: String)
    /// A file that is not HDF5 (and not a folder); `hint` says what it is when mtkd knows.
    case notHDF5(path: String, hint: String?)
    /// An HDF5 file libhdf5 cannot open or list, e.g. one cut short.
    case unreadable(path: String, reason: String)
    /// An mtkd file of another format version.
    case unsupportedVersion(path: String, format: String, found: Int64?, expected: Int64)
    /// An mtkd file whose content does not match its format: `detail` says what is missing or wrong.
    case invalidArtifact(path: String, format: String, detail: String)
    /// A folder or file the process may not read.
    case notReadable(path: String, reason: String)

    public var errorDescription: String? {
        switch self {
        case .notFound(let path):
            return "\(path): no such file or directory"
        case .notHDF5(let path, let hint):
            return "\(path): not an HDF5 file" + (hint.map { " (\($0))" } ?? "")
        case .unreadable(let path, let reason):
            var hint = ""
            if reason.contains("truncated") {
                hint = "; the file is shorter than HDF5 expects: it was probably cut short (interrupted copy or write)"
            } else if reason.contains("temporarily unavailable") || reason.contains("lock") {
                hint = "; another process has it open for writing (HDF5 file locking): try again when it is done"
            }
            return "\(path): cannot read this HDF5 file: \(reason)\(hint)"
        case .unsupportedVersion(let path, let format, let found, let expected):
            let version = found.map { "format version \($0)" } ?? "no mtkd_version attribute"
            return "\(path): mtkd \(format) file with \(version); this mtkd reads version \(expected) (re-run the pipeline to rewrite it)"
        case .invalidArtifact(let path, let format, let detail):
            return "\(path): not a valid mtkd \(format) file: \(detail)"
        case .notReadable(let path, let reason):
            return "\(path): cannot read: \(reason)"
        }
    }
}
