import Foundation
import Tensor

/// Decoded feature blocks set aside on local disk, so that a block read again (the next epoch, the
/// next network) is copied back instead of inflated again, however large the split: the bytes are
/// in the kernel's page cache, which the system gives back under pressure, not in the process's
/// memory. Each block is stored compactly: a row's non-zero entries (column and value) when that
/// is smaller than the dense row, which for one-hot features it is by far (census: 39 of 495).
/// Exact: every value comes back with its bits (−0.0 and NaN included).
///
/// One unlinked temporary file per dataset file and split, next to the dataset, made on first use
/// and gone when the process ends; `invalidate(path:)` forgets a file's blocks when it is rewritten.
/// At most `budget` bytes are written per process (default 32 GiB, at most half the free space;
/// `MTKD_DECODED_SPILL_MB` overrides, 0 turns it off): past that, blocks are inflated again.
public final class DecodedSpill: @unchecked Sendable {
    public static let shared = DecodedSpill()

    struct Key: Hashable { var path: String; var split: String }
    struct Entry { var offset: Int; var bytes: Int; var sparse: Bool; var nonZeros: Int }
    final class Spill {
        let fd: Int32
        var end = 0
        var blocks: [Range<Int>: Entry] = [:]
        var used: UInt64 = 0
        init(fd: Int32) { self.fd = fd }
        deinit { close(fd) }
    }

    /// Bytes written at most (all files together).
    public var budget: Int
    private var written = 0
    private let lock = NSLock()
    private var spills: [Key: Spill] = [:]
    private var clock: UInt64 = 0
    /// Files kept open at most (the least recently used is dropped for a new one).
    static let openFiles = 8

    init() {
        let mb = ProcessInfo.processInfo.environment["MTKD_DECODED_SPILL_MB"].flatMap(Int.init) ?? (32 << 10)
        budget = max(0, mb) << 20
    }

    private func entry(path: String, split: String, rows: Range<Int>) -> (Spill, Entry)? {
        lock.withLock {
            guard let spill = spills[Key(path: path, split: split)], let entry = spill.blocks[rows] else { return nil }
            clock += 1
            spill.used = clock
            return (spill, entry)
        }
    }

    /// Rows `rows` of `split` in `path`, if set aside.
    func get(path: String, split: String, rows: Range<Int>, cols: Int) throws -> Matrix? {
        guard let (spill, entry) = entry(path: path, split: split, rows: rows) else { return nil }
        var m = Matrix(rows: rows.count, cols: cols)
        if !entry.sparse {
            try m.storage.withUnsafeMutableBytes { try Self.readAll(spill.fd, $0, at: entry.offset) }
            return m
        }
        try m.storage.withUnsafeMutableBufferPointer { out in
            let raw = UnsafeMutableRawPointer(out.baseAddress!).assumingMemoryBound(to: UInt32.self)
            try Self.forEachRow(spill, entry, rows: rows.count, cols: cols) { r, count, columns, bits in
                for j in 0..<count { raw[r * cols + Int(columns[j])] = bits[j] }
            }
        }
        return m
    }

    /// Rows `rows` of `split` in `path` as their non-zeros, if set aside that way (one-hot
    /// features); nil if not set aside or set aside dense.
    func getNonZeros(path: String, split: String, rows: Range<Int>, cols: Int) throws -> SparseRows? {
        guard let (spill, entry) = entry(path: path, split: split, rows: rows), entry.sparse else { return nil }
        var rowStart = [Int32](repeating: 0, count: rows.count + 1)
        var columns = [Int32](repeating: 0, count: entry.nonZeros), values = [Float](repeating: 0, count: entry.nonZeros)
        try columns.withUnsafeMutableBufferPointer { c in
            try values.withUnsafeMutableBufferPointer { v in
                let vbits = UnsafeMutableRawPointer(v.baseAddress!).assumingMemoryBound(to: UInt32.self)
                var at = 0
                try Self.forEachRow(spill, entry, rows: rows.count, cols: cols) { r, count, cs, bits in
                    for j in 0..<count { c[at + j] = Int32(bitPattern: cs[j]); vbits[at + j] = bits[j] }
                    at += count
                    rowStart[r + 1] = Int32(at)
                }
            }
        }
        return SparseRows(rows: rows.count, cols: cols, rowStart: rowStart, columns: columns, values: values)
    }

    /// A sparse entry's rows in order: `body(row, count, columns, value bits)`. The format: per
    /// row its count of non-zeros (UInt32), then per row its columns (UInt32) and value bits
    /// (UInt32). Read in pieces of at most `pieceWords` (memory of a fixed size, reused, rather
    /// than a copy of the whole block's entries in new memory).
    private static func forEachRow(_ spill: Spill, _ entry: Entry, rows n: Int, cols: Int,
                                   _ body: (Int, Int, UnsafePointer<UInt32>, UnsafePointer<UInt32>) throws -> Void) throws {
        var counts = [UInt32](repeating: 0, count: n)
        try counts.withUnsafeMutableBytes { try readAll(spill.fd, $0, at: entry.offset) }
        let pieceWords = max(1 << 18, 2 * cols)
        var piece = [UInt32](repeating: 0, count: pieceWords)
        var next = entry.offset + 4 * n, left = 2 * entry.nonZeros  // file offset and words not yet read
        var at = 0, have = 0  // the piece holds words at ..< have
        try piece.withUnsafeMutableBufferPointer { w in
            let base = w.baseAddress!
            for r in 0..<n {
                let count = Int(counts[r])
                if have - at < 2 * count {  // move the rest to the front and read more
                    let rest = have - at
                    if rest > 0 { base.update(from: base + at, count: rest) }
                    let more = min(pieceWords - rest, left)
                    try readAll(spill.fd, UnsafeMutableRawBufferPointer(start: base + rest, count: 4 * more), at: next)
                    next += 4 * more; left -= more
                    at = 0; have = rest + more
                }
                try body(r, count, base + at, base + at + count)
                at += 2 * count
            }
        }
    }

    /// Sets `m`, rows `rows` of `split` in `path`, aside (unless already there or past the budget).
    /// A file that cannot be made or written ends the setting aside, not the read.
    func put(path: String, split: String, rows: Range<Int>, _ m: Matrix) {
        do { try store(path: path, split: split, rows: rows, m) } catch { lock.withLock { budget = 0 } }
    }

    private func store(path: String, split: String, rows: Range<Int>, _ m: Matrix) throws {
        let (n, cols) = (m.rows, m.cols)
        var nonZeros = 0
        m.storage.withUnsafeBufferPointer { v in
            let bits = UnsafeRawPointer(v.baseAddress!).assumingMemoryBound(to: UInt32.self)
            for i in 0..<v.count where bits[i] != 0 { nonZeros += 1 }
        }
        let sparse = (n + 2 * nonZeros) < n * cols
        let bytes = sparse ? 4 * (n + 2 * nonZeros) : 4 * n * cols
        let key = Key(path: path, split: split)
        let place: (Spill, Int)? = try lock.withLock {
            guard written + bytes <= budget else { return nil }
            let spill: Spill
            if let s = spills[key] {
                spill = s
            } else {
                let dir = (path as NSString).deletingLastPathComponent
                let name = (dir as NSString).appendingPathComponent("\(AtomicWrite.marker)\(getpid())-\(split)-\(UUID().uuidString.prefix(8)).decoded")
                let fd = open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
                guard fd >= 0 else { throw ArtifactError(path: name, "cannot create a temporary file: \(FileSystemError.reason(errno: errno))") }
                unlink(name)
                if let free = (try? FileManager.default.attributesOfFileSystem(forPath: dir))?[.systemFreeSize] as? Int {
                    budget = min(budget, written + free / 2)
                }
                spill = Spill(fd: fd)
                if spills.count >= Self.openFiles, let oldest = spills.min(by: { $0.value.used < $1.value.used }) {
                    spills[oldest.key] = nil
                }
                spills[key] = spill
                guard written + bytes <= budget else { return nil }
            }
            guard spill.blocks[rows] == nil else { return nil }
            clock += 1
            spill.used = clock
            defer { spill.end += bytes; written += bytes }
            return (spill, spill.end)
        }
        guard let (spill, offset) = place else { return }
        if sparse {
            var words = [UInt32](repeating: 0, count: n + 2 * nonZeros)
            m.storage.withUnsafeBufferPointer { v in
                let bits = UnsafeRawPointer(v.baseAddress!).assumingMemoryBound(to: UInt32.self)
                var at = n
                for r in 0..<n {
                    var count = 0
                    for c in 0..<cols where bits[r * cols + c] != 0 { words[at + count] = UInt32(c); count += 1 }
                    for j in 0..<count { words[at + count + j] = bits[r * cols + Int(words[at + j])] }
                    words[r] = UInt32(count)
                    at += 2 * count
                }
            }
            try words.withUnsafeBytes { try Self.writeAll(spill.fd, $0, at: offset) }
        } else {
            try m.storage.withUnsafeBytes { try Self.writeAll(spill.fd, $0, at: offset) }
        }
        lock.withLock { spill.blocks[rows] = Entry(offset: offset, bytes: bytes, sparse: sparse, nonZeros: nonZeros) }
    }

    /// Forgets every block of `path` (called when the file is rewritten).
    public func invalidate(path: String) {
        lock.withLock { for key in spills.keys where key.path == path { spills[key] = nil } }
    }

    private static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int) throws {
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw ArtifactError(path: "decoded rows", "cannot set decoded rows aside: \(FileSystemError.reason(errno: n < 0 ? errno : ENOSPC))") }
            done += n
        }
    }

    private static func readAll(_ fd: Int32, _ bytes: UnsafeMutableRawBufferPointer, at offset: Int) throws {
        var done = 0
        while done < bytes.count {
            let n = pread(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw ArtifactError(path: "decoded rows", "cannot read decoded rows back: \(n < 0 ? FileSystemError.reason(errno: errno) : "the file is shorter than written")") }
            done += n
        }
    }
}
