import Foundation

/// File-system errors in plain words ("permission denied", "no space left on device"), for
/// Foundation's `NSCocoaErrorDomain` / POSIX errors that would otherwise reach users as codes.
public enum FileErrorText {
    public static func describe(_ error: Error) -> String {
        let ns = error as NSError
        if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))) }
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if ns.domain == NSCocoaErrorDomain {
            switch ns.code {
            case NSFileNoSuchFileError, NSFileReadNoSuchFileError: return "no such file"
            case NSFileReadNoPermissionError, NSFileWriteNoPermissionError: return "permission denied"
            case NSFileWriteOutOfSpaceError: return "no space left on device"
            case NSFileWriteFileExistsError: return "a file with that name already exists"
            case NSFileWriteVolumeReadOnlyError: return "the file system is read-only"
            case NSFileReadCorruptFileError: return "the file is corrupt or not in the expected format"
            case NSFileReadInapplicableStringEncodingError: return "the file is not valid UTF-8 text"
            default: break
            }
        }
        return (error as? LocalizedError)?.errorDescription ?? ns.localizedDescription
    }
}
