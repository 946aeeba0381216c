/// Reads a CSV file (plain or gzip) one block of rows at a time, so that memory holds about
/// one block of text whatever the file's size.
///
/// Each block is a `CSVTable` of the next complete records (rows numbered from 0 within the
/// block; `line(ofRow:)` gives the line in the file). The header (or `options.columnNames`)
/// names the columns of every block. Accepts what `CSVTable.read` accepts: quoted fields
/// across lines, LF/CRLF/CR line ends, blank lines, a byte order mark, multi-member gzip.
public final class CSVBlockReader {
    /// The file, for messages.
    public let source: String
    public private(set) var columnNames: [String] = []
    /// Data rows returned so far.
    public private(set) var rowsRead = 0

    private let options: CSVOptions
    private let input: _TextStream
    private let blockBytes: Int
    /// Text read but not yet returned; starts at the beginning of a record (or of blank lines).
    private var buffer: [UInt8] = []
    /// The 1-based physical line at the start of `buffer`.
    private var line = 1
    private var inputEnded = false

    /// Opens `path` and reads its header (or first record, to count columns when unnamed).
    /// - Parameter blockBytes: text per block, about; a record longer than that makes a larger block.
    /// - Throws: `CSVError` (file not found, empty file, duplicate column names, …).
    public init(_ path: String, options: CSVOptions = .init(), blockBytes: Int = 4 << 20) throws {
        source = path
        self.options = options
        self.blockBytes = max(blockBytes, 1)
        input = try _TextStream(path, chunk: min(max(blockBytes, 1), 1 << 18))
        var want = self.blockBytes
        var names: [String]? = nil
        while names == nil {
            try fill(to: want)
            let complete = inputEnded ? buffer.count : lastRecordEnd()
            if complete == 0 && !inputEnded { want *= 2; continue }
            var consumed = 0
            var nextLine = 1
            names = try buffer.withUnsafeBufferPointer { text -> [String]? in
                var scanner = _Scanner(UnsafeBufferPointer(rebasing: text[..<complete]), options: options, source: path)
                scanner.skipByteOrderMark()
                let textStart = scanner.position
                guard scanner.skipBlankLines() else {
                    if inputEnded { throw CSVError.emptyFile(file: path) }
                    return nil
                }
                let record: (fields: [_Field], line: Int)
                do { record = try scanner.nextRecord()! } catch CSVError.unterminatedQuote(_, _) where !inputEnded {
                    return nil
                }
                let names = try CSVTable._columnNames(record, scanner: scanner, options: options)
                if options.header { consumed = scanner.position; nextLine = scanner.line } else { consumed = textStart }
                return names
            }
            if names == nil { want *= 2; continue }
            buffer.removeFirst(consumed)
            line = nextLine
        }
        columnNames = names!
    }

    /// The next block of rows, or nil when the file has no more.
    /// - Throws: `CSVError` for ragged rows and unterminated quotes (naming the file's line).
    public func next() throws -> CSVTable? {
        var want = blockBytes
        while true {
            try fill(to: want)
            let complete = inputEnded ? buffer.count : lastRecordEnd()
            if complete == 0 {
                if inputEnded { return nil }
                want = max(want, buffer.count) * 2
                continue
            }
            let rest = Array(buffer[complete...])
            buffer.removeLast(buffer.count - complete)
            let parsed: (CSVTable, Int)
            do {
                parsed = try CSVTable._rows(buffer, source: source, options: options, names: columnNames, firstLine: line)
            } catch CSVError.unterminatedQuote(_, _) where !inputEnded {
                // The cut fell inside a quoted field that spans lines: read on and cut later.
                buffer.append(contentsOf: rest)
                want = max(want, buffer.count) * 2
                continue
            }
            buffer = rest
            line = parsed.1
            if parsed.0.rowCount == 0 { continue }   // only blank lines
            rowsRead += parsed.0.rowCount
            return parsed.0
        }
    }

    /// Reads until `buffer` holds `count` bytes or the input ends.
    private func fill(to count: Int) throws {
        if buffer.capacity < count { buffer.reserveCapacity(count + count / 8) }
        while !inputEnded && buffer.count < count {
            inputEnded = try !input.read(into: &buffer, atLeast: count - buffer.count)
        }
    }

    /// The index just past the last line break of `buffer` (0 if none). A CR at the very end
    /// does not count while more input may follow: its LF may be next.
    private func lastRecordEnd() -> Int {
        buffer.withUnsafeBufferPointer { b in
            var i = b.count - 1
            while i >= 0 {
                let c = b[i]
                if c == _lf || (c == _cr && (i < b.count - 1 || inputEnded)) { return i + 1 }
                i -= 1
            }
            return 0
        }
    }
}

extension CSVTable {
    /// The records of `bytes` (no header) as a table with the given column names, the first
    /// text line being line `firstLine` of the file. Also returns the line after the text.
    static func _rows(_ bytes: [UInt8], source: String, options: CSVOptions, names: [String], firstLine: Int) throws -> (CSVTable, Int) {
        try bytes.withUnsafeBufferPointer { buffer in
            var scanner = _Scanner(buffer, options: options, source: source)
            scanner.line = firstLine
            let columns = names.count
            // A first guess of the rows from the first line's length, corrected as scanning goes.
            let firstBreak = buffer.firstIndex(where: { $0 == _lf || $0 == _cr }) ?? buffer.count
            var stride = min(1 << 16, buffer.count / max(firstBreak, 1) + 16)
            var spans = [UInt32](unsafeUninitializedCapacity: columns * stride * 2) { $1 = $0.count }
            var lines: [UInt32] = []
            lines.reserveCapacity(stride)
            var escaped = Set<Int>()
            var rows = 0
            while true {
                let finished = try spans.withUnsafeMutableBufferPointer {
                    try scanner.scanRows(into: $0.baseAddress!, stride: stride, columns: columns,
                                         rows: &rows, lines: &lines, escaped: &escaped)
                }
                if finished { break }
                let bytesPerRow = Double(scanner.position) / Double(max(rows, 1))
                let estimate = Int(Double(buffer.count) / max(bytesPerRow, 1) * 1.05) + 1024
                let newStride = max(estimate, stride + stride / 2)
                spans = _restride(spans, columns: columns, rows: rows, from: stride, to: newStride)
                lines.reserveCapacity(newStride)
                stride = newStride
            }
            var indexByName: [String: Int] = [:]
            for (i, name) in names.enumerated() where indexByName[name] == nil { indexByName[name] = i }
            let table = CSVTable(source: source, columnNames: names, rowCount: rows, bytes: bytes, spans: spans,
                                 rowStride: stride, lines: lines, escapedCells: escaped,
                                 missing: _MissingTokens(options.missingValues), indexByName: indexByName)
            return (table, scanner.line)
        }
    }
}

/// The text of a file, plain or gzip (all members), a piece at a time.
final class _TextStream {
    private let file: _InputFile
    private var inflater: _Inflater?
    /// Compressed bytes read but not inflated yet, from `pendingStart`.
    private var pending: [UInt8] = []
    private var pendingStart = 0
    private var started = false
    private var ended = false
    /// Bytes read from the file at a time.
    private let chunk: Int

    init(_ path: String, chunk: Int = 1 << 18) throws {
        file = try _InputFile(path)
        self.chunk = chunk
    }

    /// Appends at least `count` bytes of text to `text` unless the input ends first.
    /// - Returns: false when the input has ended (whatever was left has been appended).
    func read(into text: inout [UInt8], atLeast count: Int) throws -> Bool {
        if ended { return false }
        if !started {
            started = true
            // Two bytes at least, to tell gzip by its magic number.
            while pending.count < 2, try file.append(to: &pending, count: max(chunk, 2)) > 0 {}
            if pending.withUnsafeBufferPointer(_isGzip) {
                inflater = try _Inflater(source: file.path)
            } else {
                text.append(contentsOf: pending)
                pending = []
                if text.count >= count { return true }
            }
        }
        guard let inflater else {
            let goal = text.count + count
            while text.count < goal {
                if try file.append(to: &text, count: goal - text.count) == 0 { ended = true; return false }
            }
            return true
        }
        var produced = text.count
        let goal = produced + count
        defer { text.removeLast(text.count - produced) }
        while produced < goal {
            if pendingStart == pending.count {
                pending.removeAll(keepingCapacity: true)
                pendingStart = 0
                if try file.append(to: &pending, count: chunk) == 0 {
                    throw CSVError.corruptGzip(file: file.path, reason: "unexpected end of data")
                }
            }
            let (used, streamEnded) = try pending.withUnsafeBufferPointer {
                try inflater.run(UnsafeBufferPointer(rebasing: $0[pendingStart...]), into: &text, produced: &produced)
            }
            pendingStart += used
            if streamEnded {
                // Another gzip member may follow; anything else after the end is ignored, as gzip does.
                if pending.count - pendingStart < 2 {
                    pending.removeFirst(pendingStart)
                    pendingStart = 0
                    _ = try file.append(to: &pending, count: chunk)
                }
                if pending.count - pendingStart >= 2 && pending[pendingStart] == 0x1F && pending[pendingStart + 1] == 0x8B {
                    inflater.reset()
                } else {
                    ended = true
                    return false
                }
            }
        }
        return true
    }
}
