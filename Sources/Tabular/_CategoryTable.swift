/// Byte strings → dense codes 0, 1, 2, … in first-seen order (open addressing, linear
/// probing). Owns raw storage so that a lookup is free of copy-on-write checks.
final class _CategoryTable {
    /// Code + 1 per slot, 0 for empty; a power of two in size, at most half full.
    private var slots: UnsafeMutablePointer<Int32>
    private var slotCount = 64
    /// Per code: its hash and the range of its key in `keyBytes`.
    private var hashes: UnsafeMutablePointer<UInt64>
    private var keyStarts: UnsafeMutablePointer<Int>
    private var keyLengths: UnsafeMutablePointer<Int>
    private var codeCapacity = 32
    private var keyBytes: UnsafeMutablePointer<UInt8>
    private var keyByteCapacity = 1024
    private var keyByteCount = 0
    private(set) var count = 0

    init() {
        slots = .allocate(capacity: slotCount)
        slots.initialize(repeating: 0, count: slotCount)
        hashes = .allocate(capacity: codeCapacity)
        keyStarts = .allocate(capacity: codeCapacity)
        keyLengths = .allocate(capacity: codeCapacity)
        keyBytes = .allocate(capacity: keyByteCapacity)
    }

    deinit {
        slots.deallocate(); hashes.deallocate(); keyStarts.deallocate(); keyLengths.deallocate()
        keyBytes.deallocate()
    }

    /// The code of bytes [start, end), adding it if new.
    @inline(__always)
    func code(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int32 {
        let length = end - start
        let hash = _hashBytes(p + start, length)
        let mask = slotCount - 1
        var i = Int(truncatingIfNeeded: hash) & mask
        while true {
            let slot = slots[i]
            if slot == 0 { break }
            let id = Int(slot) - 1
            if hashes[id] == hash && keyLengths[id] == length
                && _bytesEqual(keyBytes + keyStarts[id], p + start, length)
            {
                return Int32(id)
            }
            i = (i + 1) & mask
        }
        return insert(p + start, length, hash: hash, slot: i)
    }

    private func insert(_ key: UnsafePointer<UInt8>, _ length: Int, hash: UInt64, slot: Int) -> Int32 {
        let id = count
        if id == codeCapacity {
            codeCapacity *= 2
            hashes = _grown(hashes, from: id, to: codeCapacity)
            keyStarts = _grown(keyStarts, from: id, to: codeCapacity)
            keyLengths = _grown(keyLengths, from: id, to: codeCapacity)
        }
        if keyByteCount + length > keyByteCapacity {
            let capacity = max(keyByteCapacity * 2, keyByteCount + length)
            keyBytes = _grown(keyBytes, from: keyByteCount, to: capacity)
            keyByteCapacity = capacity
        }
        (keyBytes + keyByteCount).initialize(from: key, count: length)
        hashes[id] = hash
        keyStarts[id] = keyByteCount
        keyLengths[id] = length
        keyByteCount += length
        slots[slot] = Int32(id + 1)
        count += 1
        if count * 2 > slotCount { rehash() }
        return Int32(id)
    }

    private func rehash() {
        let newCount = slotCount * 2
        let bigger = UnsafeMutablePointer<Int32>.allocate(capacity: newCount)
        bigger.initialize(repeating: 0, count: newCount)
        let mask = newCount - 1
        for id in 0..<count {
            var i = Int(truncatingIfNeeded: hashes[id]) & mask
            while bigger[i] != 0 { i = (i + 1) & mask }
            bigger[i] = Int32(id + 1)
        }
        slots.deallocate()
        slots = bigger
        slotCount = newCount
    }

    /// Why a key cannot be a category's text.
    enum KeyProblem { case controlCharacter, invalidUTF8 }

    /// The first key (by code, from code `first` on) holding a control character other than tab,
    /// LF and CR (NUL, ESC, DEL, …) or bytes that are not UTF-8; nil when every such key is fit to be text.
    /// - Complexity: O(total bytes of the keys checked).
    func firstUnfitKey(from first: Int = 0) -> (code: Int, problem: KeyProblem)? {
        for id in first..<count {
            let key = UnsafeBufferPointer(start: keyBytes + keyStarts[id], count: keyLengths[id])
            var ascii = true
            for b in key {
                if (b < 0x20 && b != 0x09 && b != 0x0A && b != 0x0D) || b == 0x7F { return (id, .controlCharacter) }
                if b >= 0x80 { ascii = false }
            }
            if !ascii && String(validating: key, as: UTF8.self) == nil { return (id, .invalidUTF8) }
        }
        return nil
    }

    /// The keys as strings, by code.
    func categories() -> [String] {
        (0..<count).map { id in
            String(decoding: UnsafeBufferPointer(start: keyBytes + keyStarts[id], count: keyLengths[id]), as: UTF8.self)
        }
    }
}

/// A copy of the first `used` elements in a new allocation of `capacity`; frees the old one.
private func _grown<T>(_ old: UnsafeMutablePointer<T>, from used: Int, to capacity: Int) -> UnsafeMutablePointer<T> {
    let new = UnsafeMutablePointer<T>.allocate(capacity: capacity)
    new.moveInitialize(from: old, count: used)
    old.deallocate()
    return new
}

/// Whether `count` bytes at `a` and `b` are equal (short keys: cheaper than a call to memcmp).
@inline(__always)
func _bytesEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ count: Int) -> Bool {
    let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
    var i = 0
    while i + 8 <= count {
        if ra.loadUnaligned(fromByteOffset: i, as: UInt64.self) != rb.loadUnaligned(fromByteOffset: i, as: UInt64.self) {
            return false
        }
        i += 8
    }
    while i < count {
        if a[i] != b[i] { return false }
        i += 1
    }
    return true
}

/// A 64-bit hash of `count` bytes, eight at a time.
@inline(__always)
func _hashBytes(_ p: UnsafePointer<UInt8>, _ count: Int) -> UInt64 {
    var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: count)
    let raw = UnsafeRawPointer(p)
    var i = 0
    while i + 8 <= count {
        h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 32
        i += 8
    }
    var tail: UInt64 = 0
    var shift: UInt64 = 0
    while i < count {
        tail |= UInt64(p[i]) << shift
        shift += 8; i += 1
    }
    h = (h ^ tail) &* 0xC4CE_B9FE_1A85_EC53
    return h ^ (h >> 29)
}
