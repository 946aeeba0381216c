import Artifacts
import Foundation

/// The rows of one split as fixed-size records in a temporary file, put in any order and read
/// back in row order: `prepare` reads its CSV files in file order while a split's rows are in
/// the order of the seeded permutation.
///
/// Rows are grouped in buckets of `bucketRows` consecutive rows; each bucket has its own region
/// of the file and a small write buffer, so a record costs no system call of its own, and reading
/// a bucket back sorts its records in memory. The file is unlinked as soon as it is open: nothing
/// is left behind, whatever ends the process.
///
/// - Complexity: memory O(bucketRows × record + buffers (`bufferBytes`, about)); disk O(rows × record).
final class RowSpill {
    let rows: Int
    let recordBytes: Int
    let bucketRows: Int
    /// The temporary file's name (unlinked), for messages.
    let path: String

    private let fd: Int32
    /// A record with its row within the bucket (UInt32) in front.
    private let entryBytes: Int
    private let bucketCount: Int
    /// Records written to each bucket's region so far (flushed or buffered).
    private var filled: [Int]
    /// Per bucket: records buffered and not yet written (allocated on first use).
    private var buffers: [UnsafeMutableRawPointer?]
    private var buffered: [Int]
    private let bufferEntries: Int

    /// The bucket last read back (its rows in order), for `read`.
    private var cachedBucket = -1
    private var cache: UnsafeMutableRawPointer?
    private var scratch: UnsafeMutableRawPointer?

    /// Creates the temporary file in `directory`.
    /// - Parameters:
    ///   - rows: rows of the split; each `put` once before reading.
    ///   - recordBytes: bytes per record.
    ///   - bucketRows: rows per bucket (what a read holds in memory).
    ///   - bufferBytes: write buffers of all buckets together, about.
    init(directory: String, name: String, rows: Int, recordBytes: Int, bucketRows: Int = 16_384,
         bufferBytes: Int = 8 << 20) throws {
        self.rows = rows
        self.recordBytes = recordBytes
        self.bucketRows = max(1, bucketRows)
        entryBytes = 4 + recordBytes
        bucketCount = (rows + self.bucketRows - 1) / self.bucketRows
        filled = [Int](repeating: 0, count: bucketCount)
        buffered = [Int](repeating: 0, count: bucketCount)
        buffers = [UnsafeMutableRawPointer?](repeating: nil, count: bucketCount)
        bufferEntries = max(1, min(self.bucketRows, bufferBytes / max(1, bucketCount * entryBytes)))
        // A name of its own (several spills may share a folder, even in one process), never an existing file.
        path = (directory as NSString).appendingPathComponent("\(AtomicWrite.marker)\(getpid())-\(name)-\(UUID().uuidString.prefix(8)).rows")
        fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw ArtifactError(path: path, "cannot create a temporary file: \(FileSystemError.reason(errno: errno))")
        }
        unlink(path)
    }

    deinit {
        for b in buffers { b?.deallocate() }
        cache?.deallocate()
        scratch?.deallocate()
        close(fd)
    }

    /// Stores `record` (`recordBytes` bytes) as row `row`.
    func put(_ row: Int, _ record: UnsafeRawPointer) throws {
        precondition(row >= 0 && row < rows, "row \(row) out of range 0..<\(rows)")
        let bucket = row / bucketRows
        let buffer: UnsafeMutableRawPointer
        if let b = buffers[bucket] { buffer = b } else {
            buffer = .allocate(byteCount: bufferEntries * entryBytes, alignment: 16)
            buffers[bucket] = buffer
        }
        let entry = buffer + buffered[bucket] * entryBytes
        entry.storeBytes(of: UInt32(row - bucket * bucketRows), as: UInt32.self)
        (entry + 4).copyMemory(from: record, byteCount: recordBytes)
        buffered[bucket] += 1
        if buffered[bucket] == bufferEntries || filled[bucket] + buffered[bucket] == rowsIn(bucket) {
            try flush(bucket)
        }
    }

    /// Writes every buffered record (a bucket whose rows were all put is already written).
    func finish() throws {
        for bucket in 0..<bucketCount where buffered[bucket] > 0 { try flush(bucket) }
        cachedBucket = -1
    }

    /// Calls `body` with rows `range` in row order (`range.count × recordBytes` bytes), a
    /// bucket at a time; every row of the range must have been put, and `finish` called.
    func read(_ range: Range<Int>, _ body: (_ rows: Range<Int>, _ records: UnsafeRawBufferPointer) throws -> Void) throws {
        precondition(range.lowerBound >= 0 && range.upperBound <= rows, "rows \(range) out of range 0..<\(rows)")
        var start = range.lowerBound
        while start < range.upperBound {
            let bucket = start / bucketRows
            let cache = try load(bucket)
            let first = bucket * bucketRows
            let end = min(range.upperBound, first + rowsIn(bucket))
            try body(start..<end, UnsafeRawBufferPointer(start: cache + (start - first) * recordBytes,
                                                         count: (end - start) * recordBytes))
            start = end
        }
    }

    /// Rows of `bucket` (the last may be short).
    private func rowsIn(_ bucket: Int) -> Int { min(bucketRows, rows - bucket * bucketRows) }

    private func flush(_ bucket: Int) throws {
        guard let buffer = buffers[bucket], buffered[bucket] > 0 else { return }
        let offset = (bucket * bucketRows + filled[bucket]) * entryBytes
        try writeAll(UnsafeRawBufferPointer(start: buffer, count: buffered[bucket] * entryBytes), at: offset)
        filled[bucket] += buffered[bucket]
        buffered[bucket] = 0
        if filled[bucket] == rowsIn(bucket) {   // complete: its buffer is needed no more
            buffer.deallocate()
            buffers[bucket] = nil
        }
    }

    /// Reads `bucket` back and puts its records in row order into `cache`, which it returns.
    private func load(_ bucket: Int) throws -> UnsafeMutableRawPointer {
        if bucket == cachedBucket, let cache { return cache }
        if cache == nil {
            let bytes = min(bucketRows, rows) * entryBytes
            cache = .allocate(byteCount: bytes, alignment: 16)
            scratch = .allocate(byteCount: bytes, alignment: 16)
        }
        let (cache, scratch) = (cache!, scratch!)
        let count = rowsIn(bucket)
        precondition(filled[bucket] == count, "bucket \(bucket) holds \(filled[bucket]) of its \(count) rows")
        try readAll(UnsafeMutableRawBufferPointer(start: scratch, count: count * entryBytes), at: bucket * bucketRows * entryBytes)
        for k in 0..<count {
            let entry = scratch + k * entryBytes
            let row = Int(entry.loadUnaligned(as: UInt32.self))
            (cache + row * recordBytes).copyMemory(from: entry + 4, byteCount: recordBytes)
        }
        cachedBucket = bucket
        return cache
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws {
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw ArtifactError(path: path, "cannot write the rows set aside: \(FileSystemError.reason(errno: n < 0 ? errno : ENOSPC))")
            }
            done += n
        }
    }

    private func readAll(_ bytes: UnsafeMutableRawBufferPointer, at offset: Int) throws {
        var done = 0
        while done < bytes.count {
            let n = pread(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw ArtifactError(path: path, "cannot read back the rows set aside: \(n < 0 ? FileSystemError.reason(errno: errno) : "the file is shorter than written")")
            }
            done += n
        }
    }
}
