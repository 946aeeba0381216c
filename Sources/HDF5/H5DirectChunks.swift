import CDeflate
import CHDF5
import Foundation

/// The filter pipeline of a dataset whose chunks this module can filter itself: chunked, a
/// fixed-size number type stored exactly as it is in memory, and filters exactly deflate or
/// shuffle + deflate.
///
/// For such datasets, whole chunks bypass HDF5's filters (zlib spends most of a compressed write):
/// they are shuffled here exactly as HDF5's shuffle filter does, compressed with libdeflate in the
/// zlib format HDF5's deflate filter reads, at the dataset's level, and stored with
/// `H5Dwrite_chunk`; reading mirrors that with `H5Dread_chunk`. The files stay ordinary HDF5 files
/// with the standard pipeline, which h5py, h5dump and HDF5 itself read unchanged.
struct DirectChunkPipeline: Equatable {
    /// The in-memory type whose bytes are the stored bytes (H5Tequal to the file type).
    var element: H5ElementType
    /// Bytes per element.
    var elementSize: Int
    /// The chunk shape.
    var chunk: [Int]
    /// Shuffle before deflate.
    var shuffle: Bool
    /// The deflate level, 0...9.
    var level: Int

    /// Bytes of one (full) chunk.
    var chunkBytes: Int { chunk.reduce(elementSize, *) }
}

extension DirectChunkPipeline {
    /// The pipeline of a dataset with this type, chunking and filters (ids and client values, in
    /// order), or nil when its chunks must go through HDF5's own filters.
    /// Call inside `H5Library.sync`.
    init?(type: hid_t, element: H5ElementType, chunk: [Int]?, filters: [(id: H5Z_filter_t, values: [UInt32])]) {
        guard let chunk = chunk, !chunk.isEmpty, element != .string,
              let memoryType = try? element.memoryType() else { return nil }
        let sameType = H5Tequal(type, memoryType.id)
        if sameType < 0 { H5Library.clearErrors() }
        guard sameType > 0 else { return nil }
        let elementSize = element.byteSize
        let deflate: (id: H5Z_filter_t, values: [UInt32])
        switch filters.count {
        case 1:
            deflate = filters[0]
        case 2 where filters[0].id == H5Z_FILTER_SHUFFLE && filters[0].values == [UInt32(elementSize)]:
            deflate = filters[1]
        default:
            return nil
        }
        guard deflate.id == H5Z_FILTER_DEFLATE, deflate.values.count == 1, deflate.values[0] <= 9 else { return nil }
        self.element = element
        self.elementSize = elementSize
        self.chunk = chunk
        self.shuffle = filters.count == 2
        self.level = Int(deflate.values[0])
    }
}

/// One call's worth of direct chunk I/O on one dataset: its buffers and its libdeflate
/// (de)compressor, made once and reused for every chunk, freed in `deinit`.
///
/// Moves whole chunks of a range of rows (dimension 0) between a row-major buffer holding those
/// rows and the file. Rows of chunks that the range covers only in part are the caller's (HDF5's
/// path); `wholeChunkRows` says which rows are whole. Call everything inside `H5Library.sync`.
final class DirectChunkIO {
    private let dataset: hid_t
    private let pipeline: DirectChunkPipeline
    private let shape: [Int]
    private let operation: String
    private let errorPath: String
    private let shapeStrides: [Int]
    private let chunkStrides: [Int]
    /// One chunk, unshuffled (the caller's element order), zero-padded past the dataset's edge.
    private let plain: UnsafeMutableRawPointer
    /// One chunk, shuffled (unused without shuffle).
    private let shuffled: UnsafeMutableRawPointer
    /// Compressed bytes of one chunk.
    private var compressed: UnsafeMutableRawPointer
    private var compressedCapacity: Int
    private var compressor: OpaquePointer?
    private var decompressor: OpaquePointer?
    /// Chunks moved directly so far (tests check the direct path really ran).
    private(set) var chunksMoved = 0
    /// Coordinates put in front of every chunk's offset in the file: writing plane k of a dataset
    /// whose chunks are one plane thick is writing a dataset of the remaining dimensions at [k].
    private let planePrefix: [Int]

    /// - Parameter planePrefix: leading file coordinates of the chunks moved (writes only); `pipeline`
    ///   and `shape` then describe the remaining dimensions.
    init(dataset: hid_t, pipeline: DirectChunkPipeline, shape: [Int], operation: String, errorPath: String,
         planePrefix: [Int] = []) {
        self.dataset = dataset
        self.pipeline = pipeline
        self.planePrefix = planePrefix
        self.shape = shape
        self.operation = operation
        self.errorPath = errorPath
        shapeStrides = rowMajorStrides(shape)
        chunkStrides = rowMajorStrides(pipeline.chunk)
        let bytes = max(1, pipeline.chunkBytes)
        plain = .allocate(byteCount: bytes, alignment: 16)
        shuffled = .allocate(byteCount: pipeline.shuffle ? bytes : 1, alignment: 16)
        compressedCapacity = bytes
        compressed = .allocate(byteCount: compressedCapacity, alignment: 16)
    }

    deinit {
        plain.deallocate()
        shuffled.deallocate()
        compressed.deallocate()
        if let compressor = compressor { libdeflate_free_compressor(compressor) }
        if let decompressor = decompressor { libdeflate_free_decompressor(decompressor) }
    }

    /// The rows of `rows` that whole chunks cover: from the first chunk boundary at or after the
    /// start to the last one at or before the end, where the dataset's last row counts as a
    /// boundary (its edge chunk is whole within the dataset). Nil when no chunk is whole.
    static func wholeChunkRows(_ rows: Range<Int>, chunkRows: Int, rowCount: Int) -> Range<Int>? {
        let start = (rows.lowerBound + chunkRows - 1) / chunkRows * chunkRows
        let end = rows.upperBound == rowCount ? rowCount : rows.upperBound / chunkRows * chunkRows
        return start < end ? start..<end : nil
    }

    /// Writes the chunks of `whole` (chunk-aligned rows, see `wholeChunkRows`) from `values`, which
    /// holds rows `rows` (a range containing `whole`) row-major.
    func write(_ whole: Range<Int>, from values: UnsafeRawPointer, holding rows: Range<Int>) throws {
        let compressor = try self.compressor ?? makeCompressor()
        let bound = libdeflate_zlib_compress_bound(compressor, pipeline.chunkBytes)
        reserveCompressed(bound)
        let input = pipeline.shuffle ? UnsafeRawPointer(shuffled) : UnsafeRawPointer(plain)
        try forEachChunk(in: whole) { offset, extent in
            if extent != pipeline.chunk { memset(plain, 0, pipeline.chunkBytes) }  // edge chunk: zero fill
            copyBox(extent, elementSize: pipeline.elementSize,
                    from: values + bufferOffset(offset, rows) * pipeline.elementSize, strides: shapeStrides,
                    to: plain, strides: chunkStrides)
            if pipeline.shuffle {
                shuffleBytes(plain, into: shuffled, count: pipeline.chunkBytes, elementSize: pipeline.elementSize)
            }
            let size = libdeflate_zlib_compress(compressor, input, pipeline.chunkBytes, compressed, bound)
            guard size > 0 else {
                throw fail("libdeflate could not compress the chunk at \(offset) into \(bound) bytes")
            }
            let fileOffset = (planePrefix + offset).map { hsize_t($0) }
            try H5Library.check(H5Dwrite_chunk(dataset, mtkd_h5p_default(), 0, fileOffset, size, compressed),
                                operation, errorPath)
            chunksMoved += 1
        }
    }

    /// Reads the chunks of `whole` (chunk-aligned rows, see `wholeChunkRows`) into `values`, which
    /// holds rows `rows` (a range containing `whole`) row-major and is of `memoryType`.
    ///
    /// A chunk that is not in the file, or that was stored with a filter skipped (a non-zero filter
    /// mask, as HDF5 leaves when an optional filter fails), is read through HDF5 instead.
    func read(_ whole: Range<Int>, into values: UnsafeMutableRawPointer, holding rows: Range<Int>,
              memoryType: hid_t) throws {
        precondition(planePrefix.isEmpty, "direct reads of one plane are not implemented")
        let decompressor = try self.decompressor ?? makeDecompressor()
        let inflated = pipeline.shuffle ? shuffled : plain
        try forEachChunk(in: whole) { offset, extent in
            let fileOffset = offset.map { hsize_t($0) }
            // Stored at all (0 bytes: not in the file, perhaps only in HDF5's chunk cache), and
            // with every filter applied?
            var mask: UInt32 = 0, address: haddr_t = 0, storedBytes: hsize_t = 0
            try H5Library.check(H5Dget_chunk_info_by_coord(dataset, fileOffset, &mask, &address, &storedBytes),
                                operation, errorPath)
            if storedBytes > 0, mask == 0 {
                // The exact size: this flushes the chunk first if HDF5's cache holds a newer version.
                try H5Library.check(H5Dget_chunk_storage_size(dataset, fileOffset, &storedBytes), operation, errorPath)
                reserveCompressed(Int(storedBytes))
                try H5Library.check(H5Dread_chunk(dataset, mtkd_h5p_default(), fileOffset, &mask, compressed),
                                    operation, errorPath)
            }
            if storedBytes == 0 || mask != 0 {
                try readThroughHDF5(offset, extent, into: values, holding: rows, memoryType: memoryType)
                return
            }
            var inflatedBytes = 0
            let result = libdeflate_zlib_decompress(decompressor, compressed, Int(storedBytes),
                                                    inflated, pipeline.chunkBytes, &inflatedBytes)
            guard result == LIBDEFLATE_SUCCESS, inflatedBytes == pipeline.chunkBytes else {
                let why = result == LIBDEFLATE_SUCCESS ? "inflates to \(inflatedBytes) bytes"
                    : result == LIBDEFLATE_INSUFFICIENT_SPACE ? "inflates to more than \(pipeline.chunkBytes) bytes"
                    : "is not valid zlib data"
                throw fail("the chunk at \(offset) (\(storedBytes) bytes stored) \(why), expected \(pipeline.chunkBytes) bytes")
            }
            if pipeline.shuffle {
                unshuffleBytes(shuffled, into: plain, count: pipeline.chunkBytes, elementSize: pipeline.elementSize)
            }
            copyBox(extent, elementSize: pipeline.elementSize,
                    from: plain, strides: chunkStrides,
                    to: values + bufferOffset(offset, rows) * pipeline.elementSize, strides: shapeStrides)
            chunksMoved += 1
        }
    }

    // MARK: - Internals

    private func fail(_ message: String) -> H5Error {
        H5Error(operation: operation, path: errorPath, message: message)
    }

    private func makeCompressor() throws -> OpaquePointer {
        guard let made = libdeflate_alloc_compressor(Int32(pipeline.level)) else {
            throw fail("libdeflate could not make a compressor for level \(pipeline.level)")
        }
        compressor = made
        return made
    }

    private func makeDecompressor() throws -> OpaquePointer {
        guard let made = libdeflate_alloc_decompressor() else {
            throw fail("libdeflate could not make a decompressor")
        }
        decompressor = made
        return made
    }

    /// Grows the compressed-bytes buffer to at least `bytes`.
    private func reserveCompressed(_ bytes: Int) {
        guard bytes > compressedCapacity else { return }
        compressed.deallocate()
        compressedCapacity = bytes
        compressed = .allocate(byteCount: bytes, alignment: 16)
    }

    /// Calls `body(offset, extent)` for every chunk of rows `rows` (chunk-aligned), in row-major
    /// order of the chunk grid; `extent` is the chunk's shape cut at the dataset's edge.
    private func forEachChunk(in rows: Range<Int>, _ body: ([Int], [Int]) throws -> Void) throws {
        let rank = shape.count
        var offset = [rows.lowerBound] + [Int](repeating: 0, count: rank - 1)
        while offset[0] < rows.upperBound {
            let extent = (0..<rank).map { min(pipeline.chunk[$0], shape[$0] - offset[$0]) }
            try body(offset, extent)
            var d = rank - 1
            while d >= 0 {
                offset[d] += pipeline.chunk[d]
                if d == 0 || offset[d] < shape[d] { break }
                offset[d] = 0
                d -= 1
            }
        }
    }

    /// Elements from the start of a buffer holding rows `rows` to the element at `offset`.
    private func bufferOffset(_ offset: [Int], _ rows: Range<Int>) -> Int {
        var position = (offset[0] - rows.lowerBound) * shapeStrides[0]
        for d in 1..<offset.count { position += offset[d] * shapeStrides[d] }
        return position
    }

    /// Reads one chunk's region through HDF5 (its filters, its chunk cache) into `values`.
    private func readThroughHDF5(_ offset: [Int], _ extent: [Int], into values: UnsafeMutableRawPointer,
                                 holding rows: Range<Int>, memoryType: hid_t) throws {
        let fileSpace = try H5Library.check(H5Dget_space(dataset), operation, errorPath)
        defer { H5Sclose(fileSpace) }
        let count = extent.map { hsize_t($0) }
        try H5Library.check(H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, offset.map { hsize_t($0) }, nil, count, nil),
                            operation, errorPath)
        let memoryShape = [hsize_t(rows.count)] + shape.dropFirst().map { hsize_t($0) }
        let memorySpace = try H5Library.check(H5Screate_simple(Int32(memoryShape.count), memoryShape, nil),
                                              operation, errorPath)
        defer { H5Sclose(memorySpace) }
        let memoryStart = [hsize_t(offset[0] - rows.lowerBound)] + offset.dropFirst().map { hsize_t($0) }
        try H5Library.check(H5Sselect_hyperslab(memorySpace, H5S_SELECT_SET, memoryStart, nil, count, nil),
                            operation, errorPath)
        try H5Library.check(H5Dread(dataset, memoryType, memorySpace, fileSpace, mtkd_h5p_default(), values),
                            operation, errorPath)
    }
}

/// Row-major strides (in elements) of an array of `shape`.
func rowMajorStrides(_ shape: [Int]) -> [Int] {
    var strides = [Int](repeating: 1, count: shape.count)
    for d in shape.indices.dropLast().reversed() { strides[d] = strides[d + 1] * shape[d + 1] }
    return strides
}

/// Copies a box of `extent` elements between two arrays of `elementSize`-byte elements laid out
/// with the given strides (in elements; the last dimension is contiguous in both). Trailing
/// dimensions contiguous in both arrays are copied as one run.
func copyBox(_ extent: [Int], elementSize: Int, from source: UnsafeRawPointer, strides sourceStrides: [Int],
             to destination: UnsafeMutableRawPointer, strides destinationStrides: [Int]) {
    if extent.contains(0) { return }
    var outer = extent.count - 1  // dimensions 0..<outer are iterated, outer... form one run
    var run = extent[outer]
    while outer > 0, sourceStrides[outer - 1] == run, destinationStrides[outer - 1] == run {
        outer -= 1
        run *= extent[outer]
    }
    let runBytes = run * elementSize
    var index = [Int](repeating: 0, count: outer)
    while true {
        var from = 0, to = 0
        for d in 0..<outer {
            from += index[d] * sourceStrides[d]
            to += index[d] * destinationStrides[d]
        }
        memcpy(destination + to * elementSize, source + from * elementSize, runBytes)
        var d = outer - 1
        while d >= 0 {
            index[d] += 1
            if index[d] < extent[d] { break }
            index[d] = 0
            d -= 1
        }
        if d < 0 { return }
    }
}

/// HDF5's shuffle filter (H5Z_filter_shuffle) forward: byte `b` of element `i` goes to
/// `b * elements + i`; bytes past the last whole element are copied unchanged after them.
/// Nothing moves for 1-byte elements or fewer than two elements.
func shuffleBytes(_ source: UnsafeRawPointer, into destination: UnsafeMutableRawPointer, count: Int, elementSize: Int) {
    transposeBytes(source, into: destination, count: count, elementSize: elementSize, shuffling: true)
}

/// HDF5's shuffle filter in reverse: undoes `shuffleBytes`.
func unshuffleBytes(_ source: UnsafeRawPointer, into destination: UnsafeMutableRawPointer, count: Int, elementSize: Int) {
    transposeBytes(source, into: destination, count: count, elementSize: elementSize, shuffling: false)
}

private func transposeBytes(_ source: UnsafeRawPointer, into destination: UnsafeMutableRawPointer, count: Int,
                            elementSize: Int, shuffling: Bool) {
    let elements = count / max(1, elementSize)
    guard elementSize > 1, elements > 1 else {
        memcpy(destination, source, count)
        return
    }
    switch (elementSize, shuffling) {
    case (4, true): shuffleWords(UInt32.self, source, destination, elements)
    case (4, false): unshuffleWords(UInt32.self, source, destination, elements)
    case (8, true): shuffleWords(UInt64.self, source, destination, elements)
    case (8, false): unshuffleWords(UInt64.self, source, destination, elements)
    default:
        let from = source.assumingMemoryBound(to: UInt8.self)
        let to = destination.assumingMemoryBound(to: UInt8.self)
        for byte in 0..<elementSize {
            let plane = byte * elements
            for i in 0..<elements {
                if shuffling { to[plane + i] = from[i * elementSize + byte] } else { to[i * elementSize + byte] = from[plane + i] }
            }
        }
    }
    let whole = elements * elementSize
    memcpy(destination + whole, source + whole, count - whole)
}

/// Shuffle for elements of `W`'s size: one word load, one byte store per plane (vectorises).
@inline(__always)
private func shuffleWords<W: FixedWidthInteger & UnsignedInteger>(_ word: W.Type, _ source: UnsafeRawPointer,
                                                                   _ destination: UnsafeMutableRawPointer, _ elements: Int) {
    let to = destination.assumingMemoryBound(to: UInt8.self)
    for i in 0..<elements {
        let value = W(littleEndian: source.loadUnaligned(fromByteOffset: i * W.bitWidth / 8, as: W.self))
        for byte in 0..<(W.bitWidth / 8) { to[byte * elements + i] = UInt8(truncatingIfNeeded: value &>> (8 * byte)) }
    }
}

/// Unshuffle for elements of `W`'s size: one byte load per plane, one word store.
@inline(__always)
private func unshuffleWords<W: FixedWidthInteger & UnsignedInteger>(_ word: W.Type, _ source: UnsafeRawPointer,
                                                                     _ destination: UnsafeMutableRawPointer, _ elements: Int) {
    let from = source.assumingMemoryBound(to: UInt8.self)
    for i in 0..<elements {
        var value: W = 0
        for byte in 0..<(W.bitWidth / 8) { value |= W(from[byte * elements + i]) &<< (8 * byte) }
        destination.storeBytes(of: value.littleEndian, toByteOffset: i * W.bitWidth / 8, as: W.self)
    }
}
