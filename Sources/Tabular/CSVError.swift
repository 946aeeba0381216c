import Foundation

/// Why a table could not be read. Messages are short, lower-case, and start with the
/// file, the 1-based physical line and, for a cell, its 1-based field number, like a
/// compiler's `file:line:column:`.
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
    /// A cell of a numeric column that is neither a number nor a missing-value token.
    case nonNumericValue(file: String, line: Int, field: Int, column: String, value: String)
    /// A number that is infinite or NaN once read (`inf`, `NaN`, `1e400`).
    case nonFiniteValue(file: String, line: Int, field: Int, column: String, value: String)
    /// A text cell holding a control character other than tab and line breaks (NUL, ESC, …).
    case controlCharacter(file: String, line: Int, field: Int, column: String, value: String)
    /// A text cell whose bytes are not UTF-8.
    case invalidUTF8(file: String, line: Int, field: Int, column: String, value: String)

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
            return "\(file):\(line): duplicate column name '\(CSVText.shown(name))'"
        case .nonNumericValue(let file, let line, let field, let column, let value):
            return "\(file):\(line):\(field): non-numeric value '\(CSVText.shown(value))' in column '\(CSVText.shown(column))'"
        case .nonFiniteValue(let file, let line, let field, let column, let value):
            return "\(file):\(line):\(field): non-finite value '\(CSVText.shown(value))' in column '\(CSVText.shown(column))'; "
                + "expected a finite number"
        case .controlCharacter(let file, let line, let field, let column, let value):
            let character = value.unicodeScalars.first(where: CSVText.isForbidden).map(CSVText.codePoint) ?? "?"
            return "\(file):\(line):\(field): control character \(character) in '\(CSVText.shown(value))' "
                + "(column '\(CSVText.shown(column))'); text cells may hold tabs and line breaks, no other control characters"
        case .invalidUTF8(let file, let line, let field, let column, let value):
            return "\(file):\(line):\(field): invalid UTF-8 in '\(CSVText.shown(value))' (column '\(CSVText.shown(column))'); "
                + "save the file as UTF-8"
        }
    }
}

/// Cell text as messages show it.
public enum CSVText {
    /// At most `limit` characters of `text` (then `…`), control characters written as
    /// escapes (`\0`, `\t`, `\n`, `\u{1B}`), so that a message stays one short line whatever
    /// the cell holds.
    public static func shown(_ text: String, limit: Int = 40) -> String {
        var out = ""
        var count = 0
        for scalar in text.unicodeScalars {
            if count == limit { out += "…"; break }
            switch scalar {
            case "\0": out += "\\0"
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F: out += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            default: out.unicodeScalars.append(scalar)
            }
            count += 1
        }
        return out
    }

    /// Whether a text cell may not hold this character: C0 controls other than tab, LF and CR, and DEL.
    static func isForbidden(_ scalar: Unicode.Scalar) -> Bool {
        (scalar.value < 0x20 && scalar != "\t" && scalar != "\n" && scalar != "\r") || scalar.value == 0x7F
    }

    /// `U+0000`
    static func codePoint(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}
