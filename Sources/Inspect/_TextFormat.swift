import Foundation

/// ANSI styling for the text view; every function is the identity when colour is off.
struct TextStyle {
    var colour: Bool

    func bold(_ s: String) -> String { paint(s, "1") }
    func dim(_ s: String) -> String { paint(s, "2") }
    func red(_ s: String) -> String { paint(s, "31") }
    func green(_ s: String) -> String { paint(s, "32") }
    func yellow(_ s: String) -> String { paint(s, "33") }
    func cyan(_ s: String) -> String { paint(s, "36") }

    /// A section heading: bold.
    func heading(_ s: String) -> String { bold(s) }

    private func paint(_ s: String, _ code: String) -> String {
        colour && !s.isEmpty ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s
    }
}

/// Number, size and shape formatting shared by every text view (locale-independent).
enum Format {
    /// An integer with thousands separators: `4675` → `"4,675"`.
    static func count<I: BinaryInteger>(_ n: I) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return (n < 0 ? "-" : "") + out
    }

    /// A byte size: `812 B`, `3.7 KiB`, `12.0 MiB`.
    static func bytes<I: BinaryInteger>(_ n: I) -> String {
        let value = Double(Int64(n))
        if value < 1024 { return "\(Int64(n)) B" }
        let units = ["KiB", "MiB", "GiB", "TiB"]
        var scaled = value / 1024
        var unit = 0
        while scaled >= 1024 && unit < units.count - 1 {
            scaled /= 1024
            unit += 1
        }
        return String(format: "%.1f", scaled) + " " + units[unit]
    }

    /// A fraction as a percentage with one decimal: `0.4393` → `"43.9%"`.
    static func percent(_ fraction: Double) -> String {
        fraction.isFinite ? String(format: "%.1f%%", fraction * 100) : "—"
    }

    /// A measurement with about four significant digits: `0.9804`, `43.92`, `4202`, `1.234e+06`.
    static func number(_ x: Double) -> String {
        guard x.isFinite else { return x.isNaN ? "nan" : (x > 0 ? "inf" : "-inf") }
        if x == 0 { return "0" }
        let magnitude = abs(x)
        if magnitude >= 1e5 || magnitude < 1e-3 { return String(format: "%.3e", x) }
        let integerDigits = magnitude < 1 ? 1 : Int(log10(magnitude)) + 1
        return String(format: "%.\(max(0, 4 - integerDigits + (magnitude < 1 ? 1 : 0)))f", x)
    }

    /// A value with up to six significant digits and no trailing zeros: `1`, `0.1`, `43.8264`.
    static func compact(_ x: Double) -> String {
        guard x.isFinite else { return x.isNaN ? "nan" : (x > 0 ? "inf" : "-inf") }
        return String(format: "%.6g", x)
    }

    /// Several measurements with the same number of decimals (about four significant digits
    /// for the largest), so that they line up: `[1.323, 0.5]` → `["1.323", "0.500"]`.
    static func numbers(_ xs: [Double?]) -> [String] {
        let largest = xs.compactMap { $0 }.filter(\.isFinite).map(abs).max() ?? 0
        let integerDigits = largest < 1 ? 1 : Int(log10(largest)) + 1
        let decimals = largest >= 1e5 ? 0 : max(0, 4 - integerDigits + (largest < 1 ? 1 : 0))
        return xs.map { $0.map { fixed($0, decimals) } ?? "—" }
    }

    /// A metric in [0, 1] (accuracy, R², agreement) with four decimals; "—" when absent.
    static func metric(_ x: Double?) -> String {
        guard let x = x else { return "—" }
        return x.isFinite ? String(format: "%.4f", x) : (x.isNaN ? "nan" : "\(x)")
    }

    /// A value with a fixed number of decimals; "nan" etc. for non-finite values.
    static func fixed(_ x: Double, _ decimals: Int) -> String {
        x.isFinite ? String(format: "%.\(decimals)f", x) : (x.isNaN ? "nan" : (x > 0 ? "inf" : "-inf"))
    }

    /// A shape as h5ls would show it: `(239, 4)`; `scalar` for `[]`.
    static func shape(_ s: [Int]) -> String {
        s.isEmpty ? "scalar" : "(" + s.map(String.init).joined(separator: ", ") + ")"
    }

    /// A matrix shape as `rows × cols`.
    static func matrixShape(_ s: [Int]) -> String {
        s.map(String.init).joined(separator: " × ")
    }

    /// A duration: `0.42 s`, `12.3 s`, `3 min 12 s`, `1 h 02 min`.
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "—" }
        if seconds >= 1e8 { return String(format: "%.3g s", seconds) }
        if seconds < 10 { return String(format: "%.2f s", seconds) }
        if seconds < 60 { return String(format: "%.1f s", seconds) }
        let total = Int(seconds.rounded())
        if total < 3600 { return "\(total / 60) min \(String(format: "%02d", total % 60)) s" }
        return "\(total / 3600) h \(String(format: "%02d", (total % 3600) / 60)) min"
    }

    /// Text cut to `limit` characters with an ellipsis, newlines and runs of spaces collapsed.
    static func abbreviate(_ text: String, limit: Int) -> String {
        let collapsed = text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" })
            .joined(separator: " ")
        return collapsed.count <= limit ? collapsed : String(collapsed.prefix(max(1, limit - 1))) + "…"
    }

    /// A list cut after `limit` items: `[a, b, c, …, z] (60 values)`.
    static func list(_ items: [String], limit: Int = 6) -> String {
        if items.count <= limit { return "[" + items.joined(separator: ", ") + "]" }
        let head = items.prefix(limit - 1).joined(separator: ", ")
        return "[\(head), …, \(items.last!)] (\(items.count) values)"
    }

    /// A quoted string as it appears in attribute listings.
    static func quoted(_ s: String) -> String { "\"" + s + "\"" }
}

/// Rows of cells laid out in aligned columns. Colour is applied after padding, so escape
/// codes never disturb the alignment.
struct TextTable {
    enum Alignment { case left, right }

    struct Cell {
        var text: String
        var paint: ((String) -> String)?
        init(_ text: String, paint: ((String) -> String)? = nil) { self.text = text; self.paint = paint }
    }

    var alignments: [Alignment]
    private(set) var rows: [[Cell]] = []

    init(_ alignments: [Alignment]) { self.alignments = alignments }

    mutating func add(_ cells: [Cell]) { rows.append(cells) }
    mutating func add(_ texts: String...) { rows.append(texts.map { Cell($0) }) }

    /// The laid-out lines, each prefixed with `indent` spaces; trailing blanks are trimmed.
    func render(indent: Int = 2, gap: Int = 2) -> [String] {
        let columnCount = rows.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: columnCount)
        for row in rows {
            for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.text.count) }
        }
        let pad = String(repeating: " ", count: indent)
        return rows.map { row in
            var line = ""
            for (i, cell) in row.enumerated() {
                let alignment = i < alignments.count ? alignments[i] : .left
                let fill = String(repeating: " ", count: widths[i] - cell.text.count)
                let text = cell.paint.map { $0(cell.text) } ?? cell.text
                let isLast = i == row.count - 1
                switch alignment {
                case .left: line += text + (isLast ? "" : fill)
                case .right: line += fill + text
                }
                if !isLast { line += String(repeating: " ", count: gap) }
            }
            while line.hasSuffix(" ") { line.removeLast() }
            return pad + line
        }
    }
}

/// A one-line chart of `values` (e.g. a validation curve) in at most `width` block characters;
/// longer series are averaged in buckets. NaN shows as a space.
func sparkline(_ values: [Double], width: Int = 60) -> String {
    let blocks: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
    guard !values.isEmpty, width > 0 else { return "" }
    var series = values
    if values.count > width {
        series = (0..<width).map { b in
            let start = b * values.count / width, end = max(start + 1, (b + 1) * values.count / width)
            let finite = values[start..<end].filter(\.isFinite)
            return finite.isEmpty ? .nan : finite.reduce(0, +) / Double(finite.count)
        }
    }
    let finite = series.filter(\.isFinite)
    guard let low = finite.min(), let high = finite.max() else { return String(repeating: " ", count: series.count) }
    return String(series.map { v -> Character in
        guard v.isFinite else { return " " }
        let ratio = (v - low) / (high - low)
        guard ratio.isFinite else { return blocks[blocks.count / 2] }  // all equal, or beyond Double's range
        let level = Int((ratio * Double(blocks.count - 1)).rounded())
        return blocks[min(max(level, 0), blocks.count - 1)]
    })
}
