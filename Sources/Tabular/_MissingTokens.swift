/// The missing-value tokens as bytes, for comparing against cells without making strings.
struct _MissingTokens: Sendable {
    /// Bit L is set when some token has length L (L < 64): most cells are ruled out by length.
    private let lengthMask: UInt64
    /// Tokens of at most 8 bytes, packed little-endian into a word, with their lengths.
    private let shortWords: [UInt64]
    private let shortLengths: [Int]
    /// Longer tokens (rare).
    private let longTokens: [[UInt8]]

    init(_ values: [String]) {
        // Cells are compared after trimming, so trim the tokens too.
        let tokens = values.map { value -> [UInt8] in
            var bytes = Array(value.utf8)
            while let f = bytes.first, f == _space || f == _tab { bytes.removeFirst() }
            while let l = bytes.last, l == _space || l == _tab { bytes.removeLast() }
            return bytes
        }
        lengthMask = tokens.reduce(0) { $0 | ($1.count < 64 ? 1 << UInt64($1.count) : 1 << 63) }
        let short = tokens.filter { $0.count <= 8 }
        shortWords = short.map { $0.withUnsafeBufferPointer { _packWord($0.baseAddress ?? UnsafePointer(_emptyByte), 0, $0.count) } }
        shortLengths = short.map(\.count)
        longTokens = tokens.filter { $0.count > 8 }
    }

    /// Whether bytes [start, end) equal one of the tokens.
    @inline(__always)
    func matches(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        let length = end - start
        if lengthMask & (1 << UInt64(min(length, 63))) == 0 { return false }
        if length <= 8 {
            let word = _packWord(p, start, length)
            for i in shortWords.indices where shortWords[i] == word && shortLengths[i] == length { return true }
            return false
        }
        return _matchesLong(p, start, length)
    }

    private func _matchesLong(_ p: UnsafePointer<UInt8>, _ start: Int, _ length: Int) -> Bool {
        search: for token in longTokens where token.count == length {
            for i in 0..<length where token[i] != p[start + i] { continue search }
            return true
        }
        return false
    }
}

/// Up to 8 bytes packed little-endian into a word.
@inline(__always)
func _packWord(_ p: UnsafePointer<UInt8>, _ start: Int, _ length: Int) -> UInt64 {
    var word: UInt64 = 0
    for i in 0..<length { word |= UInt64(p[start + i]) << UInt64(8 * i) }
    return word
}
