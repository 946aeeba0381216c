extension CSVTable {
    /// A column as finite numbers: NaN where a cell is missing (one of the missing-value tokens).
    ///
    /// Plain decimals are converted straight from the bytes, correctly rounded; other
    /// spellings `Double(String)` accepts (over 19 digits, large exponents, hexadecimal) go
    /// through it. Spaces and tabs around a number are ignored; anything else in the cell
    /// (a NUL byte, a unit) makes it non-numeric. A number that reads as infinite or NaN
    /// (`inf`, `-Infinity`, `1e400`, `NaN` in any case) is refused: NaN means "missing" here,
    /// and only the missing-value tokens say that.
    /// - Throws: `CSVError.nonNumericValue` or `.nonFiniteValue` naming the line, field,
    ///   column and text of the first bad cell.
    /// - Complexity: O(rows); no allocation per cell.
    public func numericColumn(_ column: Int) throws -> [Double] {
        precondition(column >= 0 && column < columnCount, "column \(column) out of range 0..<\(columnCount)")
        var values = [Double](repeating: .nan, count: rowCount)
        guard rowCount > 0 else { return values }
        var badRow: Int?
        let missing = self.missing
        bytes.withUnsafeBufferPointer { text in
            spans.withUnsafeBufferPointer { spans in
                values.withUnsafeMutableBufferPointer { out in
                    let p = text.baseAddress!
                    let cells = spans.baseAddress! + column * rowStride * 2
                    var warm = _CacheWarmer(text: text, cells: cells, rowCount: rowCount)
                    defer { warm.finish() }
                    for row in 0..<rowCount {
                        warm.ahead(of: row)
                        let s = Int(cells[2 &* row]), e = Int(cells[2 &* row &+ 1])
                        if missing.matches(p, s, e) { continue }
                        guard let v = _parseDouble(p, s, e), v.isFinite else { badRow = row; return }
                        out[row] = v
                    }
                }
            }
        }
        if let row = badRow {
            let (s, e) = _span(row: row, column: column)
            let number = bytes.withUnsafeBufferPointer { _parseDouble($0.baseAddress!, s, e) }
            let value = string(row: row, column: column)
            let (line, field) = position(row: row, column: column)
            if number != nil {
                throw CSVError.nonFiniteValue(file: source, line: line, field: field, column: columnNames[column], value: value)
            }
            throw CSVError.nonNumericValue(file: source, line: line, field: field, column: columnNames[column], value: value)
        }
        return values
    }

    /// A column as category codes: -1 where a cell is missing, otherwise the index into
    /// `categories`, which lists the distinct texts in the order they first appear.
    /// - Throws: `CSVError.controlCharacter` or `.invalidUTF8` naming the first cell whose
    ///   text cannot be a category (a NUL byte, an escape, bytes that are not UTF-8).
    /// - Complexity: O(total bytes of the column); one `String` per distinct category, and
    ///   one check of each distinct text (not of each cell).
    public func categoricalColumn(_ column: Int) throws -> (codes: [Int32], categories: [String]) {
        let coder = CategoryCoder()
        let codes = try categoricalColumn(column, coder: coder)
        return (codes, coder.categories())
    }

    /// A column as category codes of `coder`, which keeps its codes from one call to the next:
    /// the blocks of a file read one after another get the codes of the whole file (in the order
    /// texts first appear in it). -1 where a cell is missing.
    /// - Throws: `CSVError.controlCharacter` or `.invalidUTF8` naming the first cell of this
    ///   table whose text cannot be a category; only texts new to `coder` are checked, each once.
    ///   After a throw, `coder` holds the bad text: use a coder that threw no more.
    /// - Complexity: O(total bytes of the column).
    public func categoricalColumn(_ column: Int, coder: CategoryCoder) throws -> [Int32] {
        precondition(column >= 0 && column < columnCount, "column \(column) out of range 0..<\(columnCount)")
        var codes = [Int32](repeating: -1, count: rowCount)
        guard rowCount > 0 else { return codes }
        let table = coder.table
        let known = table.count
        let missing = self.missing
        bytes.withUnsafeBufferPointer { text in
            spans.withUnsafeBufferPointer { spans in
                codes.withUnsafeMutableBufferPointer { out in
                    let p = text.baseAddress!
                    let cells = spans.baseAddress! + column * rowStride * 2
                    let anyEscaped = !escapedCells.isEmpty
                    var warm = _CacheWarmer(text: text, cells: cells, rowCount: rowCount)
                    defer { warm.finish() }
                    for row in 0..<rowCount {
                        warm.ahead(of: row)
                        let s = Int(cells[2 &* row]), e = Int(cells[2 &* row &+ 1])
                        if missing.matches(p, s, e) { continue }
                        if anyEscaped && escapedCells.contains(row * columnCount + column) {
                            let unescaped = _unescapedBytes(p, s, e)
                            out[row] = unescaped.withUnsafeBufferPointer {
                                table.code($0.baseAddress ?? UnsafePointer(_emptyByte), 0, $0.count)
                            }
                        } else {
                            out[row] = table.code(p, s, e)
                        }
                    }
                }
            }
        }
        if let bad = table.firstUnfitKey(from: known) {
            // The first row holding it: a cheap pass, on this error path only.
            let row = codes.firstIndex(of: Int32(bad.code))!
            let (line, field) = position(row: row, column: column)
            let value = string(row: row, column: column)
            switch bad.problem {
            case .controlCharacter:
                throw CSVError.controlCharacter(file: source, line: line, field: field, column: columnNames[column], value: value)
            case .invalidUTF8:
                throw CSVError.invalidUTF8(file: source, line: line, field: field, column: columnNames[column], value: value)
            }
        }
        return codes
    }
}

/// Codes for the distinct texts of a categorical column (0, 1, 2, … in the order they first
/// appear), kept across the blocks of a file so that one text has one code in all of them.
/// - Complexity: memory O(distinct texts).
public final class CategoryCoder {
    let table = _CategoryTable()

    public init() {}

    /// Distinct texts coded so far.
    public var count: Int { table.count }

    /// The texts by code.
    public func categories() -> [String] { table.categories() }
}
