import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Plain words for what went wrong with a file, whoever raised it: Foundation's errors
/// (`NSCocoaErrorDomain Code=513 …` on Linux prints no message at all), POSIX errno values.
/// Every place that shows a file error to the user goes through here.
public enum FileSystemError {
    /// `permission denied`, `no space left on device`, `not a directory`, … for an errno value
    /// (the C library's text, lower-case, as `CSVError.notReadable` shows it).
    public static func reason(errno code: Int32) -> String {
        String(cString: strerror(code)).lowercased()
    }

    /// What went wrong, without the path, when `error` is a Foundation or POSIX file error;
    /// nil for any other error.
    public static func reason(_ error: Error) -> String? {
        let ns = error as NSError
        switch ns.domain {
        case NSPOSIXErrorDomain:
            return reason(errno: Int32(truncatingIfNeeded: ns.code))
        case NSCocoaErrorDomain:
            // Foundation keeps the errno behind most of its codes: the most precise account.
            // (On Linux the underlying error may be a Swift `POSIXError`, not an NSError.)
            if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? Error,
               (underlying as NSError).domain == NSPOSIXErrorDomain {
                return reason(errno: Int32(truncatingIfNeeded: (underlying as NSError).code))
            }
            return cocoaReasons[ns.code] ?? (ns.code >= 512 && ns.code < 768 ? "cannot be written" : "cannot be read")
        default:
            return nil
        }
    }

    /// `<path>: <reason>` (or the reason alone when the error names no file) for a Foundation
    /// or POSIX file error; nil for any other error.
    public static func describe(_ error: Error) -> String? {
        guard let reason = reason(error) else { return nil }
        let info = (error as NSError).userInfo
        let path = info[NSFilePathErrorKey] as? String ?? (info[NSURLErrorKey] as? URL)?.path
        return path.map { "\($0): \(reason)" } ?? reason
    }

    /// Any error as the user reads it: a file-system error in plain words, otherwise its
    /// `LocalizedError` description, otherwise its debug text.
    public static func message(_ error: Error) -> String {
        describe(error) ?? (error as? LocalizedError)?.errorDescription ?? "\(error)"
    }

    /// `CocoaError.Code` raw values Foundation raises without an underlying errno.
    private static let cocoaReasons: [Int: String] = [
        4: "no such file or directory",             // fileNoSuchFile
        255: "the file is locked",                  // fileLocking
        256: "cannot be read",                      // fileReadUnknown
        257: "permission denied",                   // fileReadNoPermission
        258: "invalid file name",                   // fileReadInvalidFileName
        259: "not in the expected format",          // fileReadCorruptFile
        260: "no such file or directory",           // fileReadNoSuchFile
        261: "not in the expected text encoding",   // fileReadInapplicableStringEncoding
        262: "unsupported URL scheme",              // fileReadUnsupportedScheme
        263: "too large to read",                   // fileReadTooLarge
        264: "unknown text encoding",               // fileReadUnknownStringEncoding
        512: "cannot be written",                   // fileWriteUnknown
        513: "permission denied",                   // fileWriteNoPermission
        514: "invalid file name",                   // fileWriteInvalidFileName
        516: "file exists",                         // fileWriteFileExists
        517: "cannot be written in this text encoding", // fileWriteInapplicableStringEncoding
        518: "unsupported URL scheme",              // fileWriteUnsupportedScheme
        640: "no space left on device",             // fileWriteOutOfSpace
        642: "read-only file system",               // fileWriteVolumeReadOnly
    ]
}
