import Foundation

/// Why a table could not be read. Messages are short, lower-case, and start with the
/// file (and the 1-based physical line where there is one), like a compiler's.
public enum CSVError: Error, LocalizedError, Equatable {
    case fileNotFound(file: String)
    case notReadable(file: String, reason: String)
    case corruptGzip(file: String, reason: String)
    case emptyFile(file: String)
    /// Tables are addressed with 32-bit offsets: at most 4 GiB of (uncompressed) text.
    case fileTooLarge(file: String)
    case raggedRow(file: String, line: Int, expected: Int, got: Int)
    case unterminatedQuote(file: String, line: Int)
    case duplicateColumnName(file: String, line: Int, name: String)
    case nonNumericValue(file: String, line: Int, column: String, value: String)

    public var errorDescription: String? {
        switch self {
        case .fileNotFound(let file):
            return "\(file): file not found"
        case .notReadable(let file, let reason):
            return "\(file): not readable (\(reason))"
        case .corruptGzip(let file, let reason):
            return "\(file): corrupt gzip data (\(reason))"
        case .emptyFile(let file):
            return "\(file): empty file"
        case .fileTooLarge(let file):
            return "\(file): too large (more than 4 GiB of text)"
        case .raggedRow(let file, let line, let expected, let got):
            return "\(file):\(line): ragged row: expected \(expected) fields, got \(got)"
        case .unterminatedQuote(let file, let line):
            return "\(file):\(line): unterminated quote"
        case .duplicateColumnName(let file, let line, let name):
            return "\(file):\(line): duplicate column name '\(name)'"
        case .nonNumericValue(let file, let line, let column, let value):
            return "\(file):\(line): non-numeric value '\(value)' in column '\(column)'"
        }
    }
}
