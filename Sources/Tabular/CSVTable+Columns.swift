extension CSVTable {
    /// A column as numbers: NaN where a cell is missing.
    ///
    /// Plain decimals are converted straight from the bytes, correctly rounded; other
    /// spellings `Double(String)` accepts (over 19 digits, large exponents, `inf`, `nan`,
    /// hexadecimal) go through it. Spaces and tabs around a number are ignored.
    /// - Throws: `CSVError.nonNumericValue` naming the line, column and text of the first bad cell.
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
                        guard let v = _parseDouble(p, s, e) else { badRow = row; return }
                        out[row] = v
                    }
                }
            }
        }
        if let row = badRow {
            throw CSVError.nonNumericValue(
                file: source, line: line(ofRow: row), column: columnNames[column],
                value: string(row: row, column: column))
        }
        return values
    }

    /// A column as category codes: -1 where a cell is missing, otherwise the index into
    /// `categories`, which lists the distinct texts in the order they first appear.
    /// - Complexity: O(total bytes of the column); one `String` per distinct category.
    public func categoricalColumn(_ column: Int) -> (codes: [Int32], categories: [String]) {
        precondition(column >= 0 && column < columnCount, "column \(column) out of range 0..<\(columnCount)")
        var codes = [Int32](repeating: -1, count: rowCount)
        guard rowCount > 0 else { return (codes, []) }
        let table = _CategoryTable()
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
        return (codes, table.categories())
    }
}
