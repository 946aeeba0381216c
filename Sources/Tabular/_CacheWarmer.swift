/// Brings the text of the next block of a column's cells into cache before they are parsed.
///
/// A column's cells lie one row apart in the text, so each is a cache miss. Parsing one
/// cell is long enough that the CPU cannot look ahead to the next miss, and the misses
/// would be served one after another. A tight loop that only loads the first and last byte
/// of each cell in a block lets the CPU have dozens of misses in flight at once (measured:
/// 2–3× faster column decoding on a 100 MB file). Swift has no prefetch instruction.
struct _CacheWarmer {
    static var block: Int { 512 }
    let text: UnsafeBufferPointer<UInt8>
    let cells: UnsafePointer<UInt32>
    let rowCount: Int
    private var sum: UInt8 = 0

    init(text: UnsafeBufferPointer<UInt8>, cells: UnsafePointer<UInt32>, rowCount: Int) {
        self.text = text; self.cells = cells; self.rowCount = rowCount
    }

    /// Called for every row; at each block boundary, touches the whole block.
    @inline(__always)
    mutating func ahead(of row: Int) {
        guard row & (Self.block - 1) == 0 else { return }
        let end = min(row + Self.block, rowCount)
        let last = text.count - 1
        guard last >= 0 else { return }
        let p = text.baseAddress!
        var s: UInt8 = 0
        for r in row..<end {
            s &+= p[min(Int(cells[2 &* r]), last)] ^ p[min(Int(cells[2 &* r &+ 1]), last)]
        }
        sum ^= s
    }

    /// Keeps the loads from being optimised away.
    func finish() { _keep(sum) }
}

/// An opaque use of a value: the compiler cannot see that it never prints.
@inline(never) func _keep(_ x: UInt8) { if x == 0x5A && _keepFlag { print(x) } }
nonisolated(unsafe) var _keepFlag = false
