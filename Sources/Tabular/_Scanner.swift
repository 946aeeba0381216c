// The byte-level CSV scanner: one pass, no allocation per field.

@inline(__always) var _quote: UInt8 { 0x22 }
@inline(__always) var _lf: UInt8 { 0x0A }
@inline(__always) var _cr: UInt8 { 0x0D }
@inline(__always) var _space: UInt8 { 0x20 }
@inline(__always) var _tab: UInt8 { 0x09 }

@inline(__always) var _ones: UInt64 { 0x0101_0101_0101_0101 }
@inline(__always) var _highs: UInt64 { 0x8080_8080_8080_8080 }
@inline(__always) var _lfs: UInt64 { 0x0A0A_0A0A_0A0A_0A0A }
@inline(__always) var _crs: UInt64 { 0x0D0D_0D0D_0D0D_0D0D }

/// A word with the high bit set in (at least) the lowest zero byte of `x`, and none below it.
/// Bits above the lowest zero byte may be spurious, so only the lowest hit is meaningful.
@inline(__always) func _zeroBytes(_ x: UInt64) -> UInt64 { (x &- _ones) & ~x & _highs }

/// One field as found by the scanner: the byte range of its text (trimmed, quotes
/// excluded) and whether that text still holds doubled quotes (`""` for `"`).
struct _Field {
    var start: Int
    var end: Int
    var escaped: Bool
}

/// Walks a byte buffer record by record. `line` is the 1-based physical line at `position`.
struct _Scanner {
    let base: UnsafePointer<UInt8>
    let count: Int
    let delimiter: UInt8
    let trim: Bool
    /// A tab is whitespace unless it is the delimiter.
    let tabIsSpace: Bool
    let source: String
    var position: Int = 0
    var line: Int = 1

    init(_ buffer: UnsafeBufferPointer<UInt8>, options: CSVOptions, source: String) {
        // An empty buffer may have no base address; any valid pointer will do as nothing is read.
        self.base = buffer.baseAddress ?? UnsafePointer(_emptyByte)
        self.count = buffer.count
        self.delimiter = options.delimiter
        self.trim = options.trimWhitespace
        self.tabIsSpace = options.delimiter != _tab
        self.source = source
    }

    @inline(__always) func isSpace(_ b: UInt8) -> Bool {
        b == _space || (b == _tab && tabIsSpace)
    }

    /// Steps over a UTF-8 byte order mark at the very start.
    mutating func skipByteOrderMark() {
        if count >= 3 && base[0] == 0xEF && base[1] == 0xBB && base[2] == 0xBF { position = 3 }
    }

    /// Skips lines holding nothing but spaces/tabs. Returns false at the end of input.
    @inline(__always)
    mutating func skipBlankLines() -> Bool {
        while position < count {
            var k = position
            while k < count && isSpace(base[k]) { k += 1 }
            if k == count { position = count; return false }
            let b = base[k]
            if b == _lf {
                position = k + 1; line += 1
            } else if b == _cr {
                position = (k + 1 < count && base[k + 1] == _lf) ? k + 2 : k + 1; line += 1
            } else {
                return true
            }
        }
        return false
    }

    /// Reads the field at `position` and steps past its terminator.
    /// Returns true when another field of the same record follows (the terminator was the delimiter).
    @inline(__always)
    mutating func nextField(_ field: inout _Field) throws -> Bool {
        var j = position
        if trim { while j < count && isSpace(base[j]) { j += 1 } }
        if j < count && base[j] == _quote {
            j = try quotedField(openingAt: j, &field)
        } else {
            let s = j
            let d = delimiter
            // Eight bytes at a time while they last: find the first delimiter, LF or CR.
            let raw = UnsafeRawPointer(base)
            let delimiters = UInt64(d) &* _ones
            var found = false
            while j &+ 8 <= count {
                let word = raw.loadUnaligned(fromByteOffset: j, as: UInt64.self)
                let hits = _zeroBytes(word ^ delimiters) | _zeroBytes(word ^ _lfs) | _zeroBytes(word ^ _crs)
                if hits != 0 { j &+= hits.trailingZeroBitCount >> 3; found = true; break }
                j &+= 8
            }
            if !found {
                while j < count {
                    let b = base[j]
                    if b == d || (b <= _cr && (b == _lf || b == _cr)) { break }
                    j += 1
                }
            }
            var e = j
            if trim { while e > s && isSpace(base[e - 1]) { e -= 1 } }
            field.start = s; field.end = e; field.escaped = false
        }
        // j is at the terminator (or the end of input).
        if j >= count { position = count; return false }
        let b = base[j]
        if b == delimiter { position = j + 1; return true }
        position = (b == _cr && j + 1 < count && base[j + 1] == _lf) ? j + 2 : j + 1
        line += 1
        return false
    }

    /// A field opening with a quote. Returns the index of its terminator.
    mutating func quotedField(openingAt open: Int, _ field: inout _Field) throws -> Int {
        let startLine = line
        var j = open + 1
        var escaped = false
        while true {
            while j < count && base[j] != _quote {
                let b = base[j]
                if b == _lf || (b == _cr && !(j + 1 < count && base[j + 1] == _lf)) { line += 1 }
                j += 1
            }
            guard j < count else { throw CSVError.unterminatedQuote(file: source, line: startLine) }
            if j + 1 < count && base[j + 1] == _quote { escaped = true; j += 2; continue }
            break
        }
        let closing = j
        var k = closing + 1
        while k < count && isSpace(base[k]) { k += 1 }
        if k >= count || base[k] == delimiter || base[k] == _lf || base[k] == _cr {
            field.start = open + 1; field.end = closing; field.escaped = escaped
            return k
        }
        // Text after the closing quote (`"ab"cd`): keep the whole field literally.
        while k < count {
            let b = base[k]
            if b == delimiter || b == _lf || b == _cr { break }
            k += 1
        }
        var e = k
        if trim { while e > open && isSpace(base[e - 1]) { e -= 1 } }
        field.start = open; field.end = e; field.escaped = false
        return k
    }

    /// The fields of the next non-blank record, or nil at the end of input.
    mutating func nextRecord() throws -> (fields: [_Field], line: Int)? {
        guard skipBlankLines() else { return nil }
        let recordLine = line
        var fields: [_Field] = []
        var field = _Field(start: 0, end: 0, escaped: false)
        var more = true
        while more {
            more = try nextField(&field)
            fields.append(field)
        }
        return (fields, recordLine)
    }

    /// The text of a field, with doubled quotes undone.
    func string(_ field: _Field) -> String {
        _decodeField(base, field.start, field.end, escaped: field.escaped)
    }
}

nonisolated(unsafe) let _emptyByte = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)

/// The text of bytes [start, end); `escaped` turns each `""` into `"`.
func _decodeField(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int, escaped: Bool) -> String {
    if !escaped {
        return String(decoding: UnsafeBufferPointer(start: p + start, count: end - start), as: UTF8.self)
    }
    return String(decoding: _unescapedBytes(p, start, end), as: UTF8.self)
}

/// Bytes [start, end) with each doubled quote collapsed to one.
func _unescapedBytes(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(end - start)
    var i = start
    while i < end {
        let b = p[i]
        out.append(b)
        i += (b == _quote && i + 1 < end && p[i + 1] == _quote) ? 2 : 1
    }
    return out
}
