/// A CSV table held as its raw bytes plus, per cell, the byte range of the cell's text.
///
/// Reading scans the bytes once and allocates nothing per cell; values are decoded on
/// demand, a whole column at a time (`numericColumn`, `categoricalColumn`). Memory is the
/// text itself plus 8 bytes per cell. Cells are stored column by column.
///
/// Accepted input: RFC 4180 quoting (delimiters, doubled quotes and line breaks inside
/// quotes), LF, CRLF or CR line ends, a missing final line break, blank lines (skipped
/// anywhere), a UTF-8 byte order mark, gzip compression (detected by its magic bytes).
public struct CSVTable: Sendable {
    /// The file (or source name) the table was read from, for messages.
    public let source: String
    public let columnNames: [String]
    public let rowCount: Int
    public var columnCount: Int { columnNames.count }

    /// The (uncompressed) text.
    let bytes: [UInt8]
    /// Cell (row, column) is `bytes[spans[2k] ..< spans[2k + 1]]` with `k = column * rowStride + row`.
    let spans: [UInt32]
    let rowStride: Int
    /// The 1-based physical line on which each row starts.
    let lines: [UInt32]
    /// Cells (as `row * columnCount + column`) whose quoted text holds doubled quotes.
    let escapedCells: Set<Int>
    let missing: _MissingTokens
    let indexByName: [String: Int]

    /// Reads a CSV file, plain or gzip-compressed.
    /// - Complexity: O(file size), one pass over the bytes.
    public static func read(_ path: String, options: CSVOptions = .init()) throws -> CSVTable {
        let bytes = try _InputFile(path).readAll()
        return try parse(bytes, source: path, options: options)
    }

    /// Parses CSV text already in memory (gzip data is inflated first).
    /// - Parameter source: the name used in error messages.
    public static func parse(_ bytes: [UInt8], source: String, options: CSVOptions = .init()) throws -> CSVTable {
        if bytes.withUnsafeBufferPointer(_isGzip) {
            let text = try bytes.withUnsafeBufferPointer { try _inflateAll($0, source: source) }
            return try _build(text, source: source, options: options)
        }
        guard bytes.count <= _maximumTextSize else { throw CSVError.fileTooLarge(file: source) }
        return try _build(bytes, source: source, options: options)
    }

    /// The column names of a CSV file (plain or gzip), reading only as far as the first record.
    ///
    /// With `options.header == false` these are `options.columnNames`, or `c0`, `c1`, …
    /// as many as the first line has fields.
    public static func readHeader(_ path: String, options: CSVOptions = .init()) throws -> [String] {
        var reader = try _PrefixReader(path)
        while true {
            try reader.readMore()
            let names = try reader.text.withUnsafeBufferPointer { buffer -> [String]? in
                var limit = buffer.count
                if !reader.atEnd {
                    // Look only at complete lines; a quote left open there means "read more".
                    guard let last = buffer.lastIndex(where: { $0 == _lf || $0 == _cr }) else { return nil }
                    limit = last + 1
                }
                var scanner = _Scanner(UnsafeBufferPointer(rebasing: buffer[..<limit]), options: options, source: path)
                scanner.skipByteOrderMark()
                do {
                    guard let record = try scanner.nextRecord() else { return nil }
                    return try _columnNames(record, scanner: scanner, options: options)
                } catch CSVError.unterminatedQuote(_, _) where !reader.atEnd {
                    return nil
                }
            }
            if let names { return names }
            if reader.atEnd { throw CSVError.emptyFile(file: path) }
        }
    }

    /// The index of the column with this name (the first, if names repeat), or nil.
    public func columnIndex(_ name: String) -> Int? { indexByName[name] }

    /// The 1-based physical line of the file on which `row` starts, for messages.
    public func line(ofRow row: Int) -> Int {
        precondition(row >= 0 && row < rowCount, "row \(row) out of range 0..<\(rowCount)")
        return Int(lines[row])
    }

    /// Where a cell is in the file, for messages: the 1-based physical line its text starts
    /// on (later than the row's line when a quoted cell before it spans lines) and its
    /// 1-based field number.
    public func position(row: Int, column: Int) -> (line: Int, field: Int) {
        let (cellStart, _) = _span(row: row, column: column)
        let (rowStart, _) = _span(row: row, column: 0)
        var line = Int(lines[row])
        if cellStart > rowStart {
            bytes.withUnsafeBufferPointer { p in
                for i in rowStart..<cellStart {
                    // LF, or a CR not followed by LF, ends a line.
                    if p[i] == _lf || (p[i] == _cr && !(i + 1 < p.count && p[i + 1] == _lf)) { line += 1 }
                }
            }
        }
        return (line, column + 1)
    }

    /// `file:line:field` of a cell (see `position(row:column:)`).
    public func location(row: Int, column: Int) -> String {
        let (line, field) = position(row: row, column: column)
        return "\(source):\(line):\(field)"
    }

    /// The text of a cell: trimmed (if the options said so), quotes removed, `""` read as `"`.
    public func string(row: Int, column: Int) -> String {
        let (s, e) = _span(row: row, column: column)
        let escaped = !escapedCells.isEmpty && escapedCells.contains(row * columnCount + column)
        return bytes.withUnsafeBufferPointer { _decodeField($0.baseAddress!, s, e, escaped: escaped) }
    }

    /// Whether a cell's text is one of the missing-value tokens.
    public func isMissing(row: Int, column: Int) -> Bool {
        let (s, e) = _span(row: row, column: column)
        return bytes.withUnsafeBufferPointer { missing.matches($0.baseAddress ?? UnsafePointer(_emptyByte), s, e) }
    }

    @inline(__always)
    func _span(row: Int, column: Int) -> (Int, Int) {
        precondition(row >= 0 && row < rowCount, "row \(row) out of range 0..<\(rowCount)")
        precondition(column >= 0 && column < columnCount, "column \(column) out of range 0..<\(columnCount)")
        let k = (column * rowStride + row) * 2
        return (Int(spans[k]), Int(spans[k + 1]))
    }
}

extension CSVTable {
    /// The column names from the first record: the record itself, or the options' names, or c0….
    static func _columnNames(
        _ record: (fields: [_Field], line: Int), scanner: _Scanner, options: CSVOptions
    ) throws -> [String] {
        let names: [String]
        if options.header {
            names = record.fields.map(scanner.string)
        } else if options.columnNames.isEmpty {
            names = record.fields.indices.map { "c\($0)" }
        } else {
            names = options.columnNames
        }
        var seen = Set<String>()
        for name in names where !seen.insert(name).inserted {
            throw CSVError.duplicateColumnName(file: scanner.source, line: record.line, name: name)
        }
        return names
    }

    static func _build(_ bytes: [UInt8], source: String, options: CSVOptions) throws -> CSVTable {
        try bytes.withUnsafeBufferPointer { buffer in
            var scanner = _Scanner(buffer, options: options, source: source)
            scanner.skipByteOrderMark()
            let textStart = scanner.position
            guard scanner.skipBlankLines() else { throw CSVError.emptyFile(file: source) }
            let recordStart = scanner.position
            let first = try scanner.nextRecord()!
            let names = try _columnNames(first, scanner: scanner, options: options)
            let firstLength = max(1, scanner.position - recordStart)
            if !options.header { scanner.position = textStart; scanner.line = 1 }

            let columns = names.count
            let dataStart = scanner.position
            var stride = min(4096, (buffer.count - dataStart) / firstLength + 16)
            var spans = [UInt32](unsafeUninitializedCapacity: columns * stride * 2) { $1 = $0.count }
            var lines: [UInt32] = []
            lines.reserveCapacity(stride)
            var escaped = Set<Int>()
            var rows = 0
            while true {
                let finished = try spans.withUnsafeMutableBufferPointer {
                    try scanner.scanRows(
                        into: $0.baseAddress!, stride: stride, columns: columns,
                        rows: &rows, lines: &lines, escaped: &escaped)
                }
                if finished { break }
                // Full: re-estimate the row count from the bytes per row so far.
                let bytesPerRow = Double(scanner.position - dataStart) / Double(rows)
                let estimate = Int(Double(buffer.count - dataStart) / bytesPerRow * 1.05) + 1024
                let newStride = max(estimate, stride + stride / 2)
                spans = _restride(spans, columns: columns, rows: rows, from: stride, to: newStride)
                lines.reserveCapacity(newStride)
                stride = newStride
            }
            if stride - rows > rows / 8 + 256 {
                spans = _restride(spans, columns: columns, rows: rows, from: stride, to: rows)
                stride = rows
            }
            var indexByName: [String: Int] = [:]
            for (i, name) in names.enumerated() where indexByName[name] == nil { indexByName[name] = i }
            return CSVTable(
                source: source, columnNames: names, rowCount: rows, bytes: bytes, spans: spans,
                rowStride: stride, lines: lines, escapedCells: escaped,
                missing: _MissingTokens(options.missingValues), indexByName: indexByName)
        }
    }

    /// Column-major spans copied to a new row stride.
    static func _restride(_ spans: [UInt32], columns: Int, rows: Int, from old: Int, to new: Int) -> [UInt32] {
        [UInt32](unsafeUninitializedCapacity: columns * new * 2) { out, count in
            spans.withUnsafeBufferPointer { src in
                for c in 0..<columns where rows > 0 {
                    (out.baseAddress! + c * new * 2).update(from: src.baseAddress! + c * old * 2, count: rows * 2)
                }
            }
            count = out.count
        }
    }
}

extension _Scanner {
    /// Scans records into column-major `spans` until `rows == stride` or the input ends.
    /// - Returns: true when the input has ended.
    mutating func scanRows(
        into spans: UnsafeMutablePointer<UInt32>, stride: Int, columns: Int,
        rows: inout Int, lines: inout [UInt32], escaped: inout Set<Int>
    ) throws -> Bool {
        var field = _Field(start: 0, end: 0, escaped: false)
        var row = rows
        defer { rows = row }
        while row < stride {
            guard skipBlankLines() else { return true }
            let recordLine = line
            var column = 0
            var more = true
            while more {
                more = try nextField(&field)
                if column < columns {
                    let k = (column &* stride &+ row) &* 2
                    spans[k] = UInt32(truncatingIfNeeded: field.start)
                    spans[k &+ 1] = UInt32(truncatingIfNeeded: field.end)
                    if field.escaped { escaped.insert(row &* columns &+ column) }
                }
                column &+= 1
            }
            guard column == columns else {
                throw CSVError.raggedRow(file: source, line: recordLine, expected: columns, got: column)
            }
            lines.append(UInt32(truncatingIfNeeded: recordLine))
            row &+= 1
        }
        return !skipBlankLines()
    }
}
