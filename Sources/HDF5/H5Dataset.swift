import CHDF5

/// An open HDF5 dataset; closes in `deinit` and keeps its file open while it lives.
///
/// Shape, element type, chunking and filters are read once when the dataset is opened.
public final class H5Dataset {
    /// The file this dataset belongs to (kept alive by the dataset).
    public let file: H5File
    /// The absolute path of the dataset in its file, e.g. `"/train/x"`.
    public let path: String
    /// Dimensions, row-major; `[]` for a scalar dataset.
    public let shape: [Int]
    /// The nearest `H5ElementType` of the stored type (reads convert through HDF5).
    public let elementType: H5ElementType
    /// The chunk shape; nil for contiguous or compact storage.
    public let chunkShape: [Int]?
    /// The filter pipeline in application order, e.g. `[shuffle [4], deflate [4]]`.
    public let filters: [H5Filter]
    let id: hid_t
    /// Bytes of one element (`H5Tget_size` of the dataset's type).
    let elementByteSize: Int
    /// Set when whole chunks can bypass HDF5's filters (shuffle/deflate done here, see H5DirectChunks.swift).
    let chunkPipeline: DirectChunkPipeline?
    /// False sends every read and write through HDF5's own filters (tests compare the two paths).
    var usesDirectChunks = true
    /// Chunks read or written directly so far (tests check the direct path ran).
    private(set) var directChunksMoved = 0

    /// Wraps a freshly opened dataset id, reading its metadata; closes the id if that fails.
    /// Call inside `H5Library.sync`.
    init(file: H5File, id: hid_t, path: String) throws {
        let errorPath = qualifiedPath(file.path, path)
        do {
            let info = try DatasetInfo(id: id, errorPath: errorPath)
            self.shape = info.shape
            self.elementType = info.elementType
            self.chunkShape = info.chunkShape
            self.filters = info.filters
            self.elementByteSize = info.elementByteSize
            self.chunkPipeline = info.chunkPipeline
        } catch {
            H5Dclose(id)
            H5Library.clearErrors()
            throw error
        }
        self.file = file
        self.id = id
        self.path = path
    }

    deinit {
        H5Library.sync {
            if !file.isClosed, H5Dclose(id) < 0 { H5Library.clearErrors() }
        }
    }

    /// The attributes of this dataset.
    public var attributes: H5Attributes {
        H5Attributes(file: file, owner: self, id: id, objectPath: path)
    }

    /// Bytes allocated in the file for the data (`H5Dget_storage_size`); 0 if none yet or on error.
    public var storageBytes: Int {
        H5Library.sync { file.isClosed ? 0 : Int(H5Dget_storage_size(id)) }
    }

    /// Bytes of the data uncompressed: element count × element size (`H5Tget_size`).
    ///
    /// For variable-length strings HDF5 reports one `char *` (8 bytes) per element, so this is
    /// count × 8 and says nothing about the text; `storageBytes` likewise covers only the heap
    /// references, as the text itself lives in the file's global heap.
    public var logicalBytes: Int {
        shape.reduce(elementByteSize, *)
    }

    /// Number of elements (1 for a scalar dataset).
    public var elementCount: Int { shape.reduce(1, *) }

    private var errorPath: String { qualifiedPath(file.path, path) }

    // MARK: - Numbers

    /// Reads the whole dataset, row-major, converting through HDF5 if the stored type differs.
    public func read<T: H5Scalar>(_ type: T.Type = T.self) throws -> [T] {
        try H5Library.sync {
            try checkNumeric(T.self, "read dataset")
            return try readValues(count: elementCount) { memoryType, buffer in
                if let rowCount = shape.first, directPipeline(for: T.self) != nil {
                    try readRows(0..<rowCount, T.self, memoryType, into: buffer, "read dataset")
                } else {
                    try H5Library.check(H5Dread(id, memoryType, mtkd_h5s_all(), mtkd_h5s_all(), mtkd_h5p_default(),
                                                buffer), "read dataset", errorPath)
                }
            }
        }
    }

    /// Reads rows `rows` of dimension 0 (all of the other dimensions), row-major.
    public func readRows<T: H5Scalar>(_ rows: Range<Int>, as type: T.Type = T.self) throws -> [T] {
        try H5Library.sync {
            try checkNumeric(T.self, "read dataset rows")
            try checkRows(rows, "read dataset rows")
            return try readValues(count: rows.count * rowSize) { memoryType, buffer in
                try readRows(rows, T.self, memoryType, into: buffer, "read dataset rows")
            }
        }
    }

    /// Writes the whole dataset from `values` (row-major); the count must match the shape.
    public func write<T: H5Scalar>(_ values: [T]) throws {
        try H5Library.sync {
            try checkNumeric(T.self, "write dataset")
            try checkCount(values.count, shape: shape, "write dataset", errorPath)
            if values.isEmpty { return }
            let memoryType = try T.h5ElementType.memoryType().id
            try values.withUnsafeBytes { bytes in
                if let rowCount = shape.first, directPipeline(for: T.self) != nil {
                    try writeRows(0..<rowCount, T.self, memoryType, from: bytes.baseAddress!, "write dataset")
                } else {
                    try H5Library.check(H5Dwrite(id, memoryType, mtkd_h5s_all(), mtkd_h5s_all(), mtkd_h5p_default(),
                                                 bytes.baseAddress), "write dataset", errorPath)
                }
            }
        }
    }

    /// Writes rows `rows` of dimension 0 from `values` (row-major, `rows.count` × the row size).
    public func writeRows<T: H5Scalar>(_ rows: Range<Int>, _ values: [T]) throws {
        try H5Library.sync {
            try checkNumeric(T.self, "write dataset rows")
            try checkRows(rows, "write dataset rows")
            try checkCount(values.count, shape: [rows.count] + shape.dropFirst(), "write dataset rows", errorPath)
            if values.isEmpty { return }
            let memoryType = try T.h5ElementType.memoryType().id
            try values.withUnsafeBytes { bytes in
                try writeRows(rows, T.self, memoryType, from: bytes.baseAddress!, "write dataset rows")
            }
        }
    }

    // MARK: - Strings

    /// Reads a string dataset (variable- or fixed-length), row-major.
    public func readStrings() throws -> [String] {
        try H5Library.sync {
            try file.checkOpen("read dataset", path)
            guard elementType == .string else {
                throw H5Error(operation: "read dataset", path: errorPath,
                              message: "the dataset holds \(elementType.rawValue) values, not strings")
            }
            let type = try H5Library.check(H5Dget_type(id), "read dataset", errorPath)
            defer { H5Tclose(type) }
            let space = try H5Library.check(H5Dget_space(id), "read dataset", errorPath)
            defer { H5Sclose(space) }
            return try readStringValues(storedType: type, space: space, count: elementCount, "read dataset", errorPath) {
                memoryType, buffer in
                H5Dread(id, memoryType, mtkd_h5s_all(), mtkd_h5s_all(), mtkd_h5p_default(), buffer)
            }
        }
    }

    /// Writes the whole string dataset (stored as variable-length UTF-8); the count must match.
    public func write(_ strings: [String]) throws {
        try H5Library.sync {
            try file.checkOpen("write dataset", path)
            guard elementType == .string else {
                throw H5Error(operation: "write dataset", path: errorPath,
                              message: "the dataset holds \(elementType.rawValue) values, not strings")
            }
            try checkCount(strings.count, shape: shape, "write dataset", errorPath)
            try checkNoNUL(strings, "write dataset", errorPath)
            if strings.isEmpty { return }
            let memoryType = try makeVariableStringType()
            defer { H5Tclose(memoryType) }
            _ = try withCStringPointers(strings) { pointers in
                try H5Library.check(H5Dwrite(id, memoryType, mtkd_h5s_all(), mtkd_h5s_all(), mtkd_h5p_default(),
                                             pointers), "write dataset", errorPath)
            }
        }
    }

    /// The chunk cache this dataset was opened with (`H5Pget_chunk_cache` of its access list).
    func chunkCacheSettings() throws -> (slots: Int, bytes: Int) {
        try H5Library.sync {
            try file.checkOpen("read dataset access list", path)
            let dapl = try H5Library.check(H5Dget_access_plist(id), "read dataset access list", errorPath)
            defer { H5Pclose(dapl) }
            var slots = 0, bytes = 0, w0 = 0.0
            try H5Library.check(H5Pget_chunk_cache(dapl, &slots, &bytes, &w0), "read dataset access list", errorPath)
            return (slots, bytes)
        }
    }

    // MARK: - Internals (call inside H5Library.sync)

    /// Elements per row of dimension 0.
    private var rowSize: Int { shape.dropFirst().reduce(1, *) }

    /// Throws unless the file is open, `T` is a plain number type and the dataset holds numbers.
    private func checkNumeric<T: H5Scalar>(_ type: T.Type, _ operation: String) throws {
        try file.checkOpen(operation, path)
        try checkScalarLayout(T.self, operation, errorPath)
        if elementType == .string {
            throw H5Error(operation: operation, path: errorPath,
                          message: "the dataset holds strings; use readStrings() / write(_: [String])")
        }
    }

    /// Reads `count` values of `T` through `read(memoryType, buffer)`, which fills the buffer or throws.
    private func readValues<T: H5Scalar>(count: Int,
                                         _ read: (hid_t, UnsafeMutableRawPointer) throws -> Void) throws -> [T] {
        if count == 0 { return [] }
        let memoryType = try T.h5ElementType.memoryType().id
        return try [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            try read(memoryType, UnsafeMutableRawPointer(buffer.baseAddress!))
            initialized = count
        }
    }

    /// Reads rows `rows` of dimension 1 in plane `plane` of dimension 0 (all of the further
    /// dimensions), row-major, through HDF5: e.g. member k's outputs for a block of rows of a
    /// (K, N, C) array.
    public func readRows<T: H5Scalar>(_ rows: Range<Int>, ofPlane plane: Int, as type: T.Type = T.self) throws -> [T] {
        try H5Library.sync {
            let operation = "read dataset rows of a plane"
            try checkNumeric(T.self, operation)
            guard shape.count >= 2, plane >= 0, plane < shape[0], rows.lowerBound >= 0, rows.upperBound <= shape[1] else {
                throw H5Error(operation: operation, path: errorPath,
                              message: "plane \(plane), rows \(rows.lowerBound)..<\(rows.upperBound) are outside the shape \(shape)")
            }
            let rest = shape.dropFirst(2)
            return try readValues(count: rows.count * rest.reduce(1, *)) { memoryType, buffer in
                if rows.isEmpty { return }
                let start = [hsize_t(plane), hsize_t(rows.lowerBound)] + rest.map { _ in hsize_t(0) }
                let counts = [hsize_t(1), hsize_t(rows.count)] + rest.map { hsize_t($0) }
                let fileSpace = try H5Library.check(H5Dget_space(id), operation, errorPath)
                defer { H5Sclose(fileSpace) }
                try H5Library.check(H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, start, nil, counts, nil), operation, errorPath)
                let memorySpace = try H5Library.check(H5Screate_simple(Int32(counts.count), counts, nil), operation, errorPath)
                defer { H5Sclose(memorySpace) }
                try H5Library.check(H5Dread(id, memoryType, memorySpace, fileSpace, mtkd_h5p_default(), buffer), operation, errorPath)
            }
        }
    }

    /// Writes rows `rows` of dimension 1 in plane `plane` of dimension 0 (all of the further
    /// dimensions) from `values`, row-major: e.g. member k's outputs for some rows of a (K, N, C)
    /// array, one block at a time.
    ///
    /// With chunks one plane thick and the dataset's own filters done here (see H5DirectChunks.swift),
    /// the chunks that `rows` covers whole are stored exactly as `write` stores them, in the same
    /// order when planes and rows are written in order: a file written plane by plane in
    /// chunk-aligned pieces is byte for byte the file one `write` makes. The rows of chunks covered
    /// only in part go through HDF5.
    public func writeRows<T: H5Scalar>(_ rows: Range<Int>, ofPlane plane: Int, _ values: [T]) throws {
        try H5Library.sync {
            let operation = "write dataset rows of a plane"
            try checkNumeric(T.self, operation)
            guard shape.count >= 2 else {
                throw H5Error(operation: operation, path: errorPath, message: "a dataset of rank \(shape.count) has no planes of rows")
            }
            guard plane >= 0, plane < shape[0], rows.lowerBound >= 0, rows.upperBound <= shape[1] else {
                throw H5Error(operation: operation, path: errorPath,
                              message: "plane \(plane), rows \(rows.lowerBound)..<\(rows.upperBound) are outside 0..<\(shape[0]), 0..<\(shape[1])")
            }
            let inner = Array(shape.dropFirst())
            try checkCount(values.count, shape: [rows.count] + inner.dropFirst(), operation, errorPath)
            if values.isEmpty { return }
            let memoryType = try T.h5ElementType.memoryType().id
            let rowBytes = inner.dropFirst().reduce(1, *) * MemoryLayout<T>.stride
            try values.withUnsafeBytes { bytes in
                let base = bytes.baseAddress!
                func viaHDF5(_ part: Range<Int>) throws {
                    if part.isEmpty { return }
                    let start = [hsize_t(plane), hsize_t(part.lowerBound)] + inner.dropFirst().map { _ in hsize_t(0) }
                    let counts = [hsize_t(1), hsize_t(part.count)] + inner.dropFirst().map { hsize_t($0) }
                    let fileSpace = try H5Library.check(H5Dget_space(id), operation, errorPath)
                    defer { H5Sclose(fileSpace) }
                    try H5Library.check(H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, start, nil, counts, nil), operation, errorPath)
                    let memorySpace = try H5Library.check(H5Screate_simple(Int32(counts.count), counts, nil), operation, errorPath)
                    defer { H5Sclose(memorySpace) }
                    try H5Library.check(H5Dwrite(id, memoryType, memorySpace, fileSpace, mtkd_h5p_default(),
                                                 base + (part.lowerBound - rows.lowerBound) * rowBytes), operation, errorPath)
                }
                guard let pipeline = directPipeline(for: T.self), pipeline.chunk[0] == 1,
                      let whole = DirectChunkIO.wholeChunkRows(rows, chunkRows: pipeline.chunk[1], rowCount: shape[1]) else {
                    return try viaHDF5(rows)
                }
                var planePipeline = pipeline
                planePipeline.chunk = Array(pipeline.chunk.dropFirst())
                try viaHDF5(rows.lowerBound..<whole.lowerBound)
                let io = DirectChunkIO(dataset: id, pipeline: planePipeline, shape: inner, operation: operation,
                                       errorPath: errorPath, planePrefix: [plane])
                defer { directChunksMoved += io.chunksMoved }
                try io.write(whole, from: base, holding: rows)
                try viaHDF5(whole.upperBound..<rows.upperBound)
            }
        }
    }

    /// The direct chunk pipeline when reads and writes of `T` may use it.
    private func directPipeline<T: H5Scalar>(for type: T.Type) -> DirectChunkPipeline? {
        guard usesDirectChunks, let pipeline = chunkPipeline, pipeline.element == T.h5ElementType else { return nil }
        return pipeline
    }

    /// Reads rows `rows` (checked) into `buffer`: whole chunks directly when the pipeline allows,
    /// the rest through HDF5.
    private func readRows<T: H5Scalar>(_ rows: Range<Int>, _ type: T.Type, _ memoryType: hid_t,
                                       into buffer: UnsafeMutableRawPointer, _ operation: String) throws {
        try moveRows(rows, T.self, operation, direct: { io, whole in
            try io.read(whole, into: buffer, holding: rows, memoryType: memoryType)
        }, throughHDF5: { part, spaces in
            try H5Library.check(H5Dread(id, memoryType, spaces.memory, spaces.file, mtkd_h5p_default(),
                                        buffer + (part.lowerBound - rows.lowerBound) * rowSize * MemoryLayout<T>.stride),
                                operation, errorPath)
        })
    }

    /// Writes rows `rows` (checked) from `values`: whole chunks directly when the pipeline allows,
    /// the rest through HDF5.
    private func writeRows<T: H5Scalar>(_ rows: Range<Int>, _ type: T.Type, _ memoryType: hid_t,
                                        from values: UnsafeRawPointer, _ operation: String) throws {
        try moveRows(rows, T.self, operation, direct: { io, whole in
            try io.write(whole, from: values, holding: rows)
        }, throughHDF5: { part, spaces in
            try H5Library.check(H5Dwrite(id, memoryType, spaces.memory, spaces.file, mtkd_h5p_default(),
                                         values + (part.lowerBound - rows.lowerBound) * rowSize * MemoryLayout<T>.stride),
                                operation, errorPath)
        })
    }

    /// Splits `rows` into the rows of whole chunks, given to `direct` when the pipeline allows, and
    /// the rows before and after them (or all rows), given to `throughHDF5` with their selection.
    private func moveRows<T: H5Scalar>(_ rows: Range<Int>, _ type: T.Type, _ operation: String,
                                       direct: (DirectChunkIO, Range<Int>) throws -> Void,
                                       throughHDF5: (Range<Int>, RowSpaces) throws -> Void) throws {
        func viaHDF5(_ part: Range<Int>) throws {
            if part.isEmpty { return }
            let spaces = try rowSelection(part, operation)
            defer { spaces.close() }
            try throughHDF5(part, spaces)
        }
        guard let pipeline = directPipeline(for: T.self),
              let whole = DirectChunkIO.wholeChunkRows(rows, chunkRows: pipeline.chunk[0], rowCount: shape[0]) else {
            return try viaHDF5(rows)
        }
        try viaHDF5(rows.lowerBound..<whole.lowerBound)
        let io = DirectChunkIO(dataset: id, pipeline: pipeline, shape: shape, operation: operation, errorPath: errorPath)
        defer { directChunksMoved += io.chunksMoved }
        try direct(io, whole)
        try viaHDF5(whole.upperBound..<rows.upperBound)
    }

    /// Throws unless the dataset has rows and `rows` lies within them.
    private func checkRows(_ rows: Range<Int>, _ operation: String) throws {
        guard let rowCount = shape.first else {
            throw H5Error(operation: operation, path: errorPath, message: "a scalar dataset has no rows")
        }
        guard rows.lowerBound >= 0, rows.upperBound <= rowCount else {
            throw H5Error(operation: operation, path: errorPath,
                          message: "rows \(rows.lowerBound)..<\(rows.upperBound) are outside 0..<\(rowCount)")
        }
    }

    /// File and memory dataspaces selecting `rows` of dimension 0; the caller closes both.
    private func rowSelection(_ rows: Range<Int>, _ operation: String) throws -> RowSpaces {
        try checkRows(rows, operation)
        let start = [hsize_t(rows.lowerBound)] + shape.dropFirst().map { _ in hsize_t(0) }
        let counts = [hsize_t(rows.count)] + shape.dropFirst().map { hsize_t($0) }
        let fileSpace = try H5Library.check(H5Dget_space(id), operation, errorPath)
        do {
            try H5Library.check(H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, start, nil, counts, nil),
                                operation, errorPath)
            let memorySpace = try H5Library.check(H5Screate_simple(Int32(counts.count), counts, nil),
                                                  operation, errorPath)
            return RowSpaces(file: fileSpace, memory: memorySpace)
        } catch {
            H5Sclose(fileSpace)
            throw error
        }
    }
}

/// A hyperslab of rows in the file and the matching memory dataspace.
private struct RowSpaces {
    var file: hid_t
    var memory: hid_t

    func close() {
        H5Sclose(file)
        H5Sclose(memory)
    }
}

/// What an opened dataset is: shape, element type, layout, filters. Call inside `H5Library.sync`.
private struct DatasetInfo {
    var shape: [Int] = []
    var elementType: H5ElementType = .float32
    var elementByteSize = 0
    var chunkShape: [Int]?
    var filters: [H5Filter] = []
    var chunkPipeline: DirectChunkPipeline?

    init(id: hid_t, errorPath: String) throws {
        let operation = "open dataset"
        let type = try H5Library.check(H5Dget_type(id), operation, errorPath)
        defer { H5Tclose(type) }
        guard let element = H5ElementType.describing(type) else {
            throw H5Error(operation: operation, path: errorPath,
                          message: "unsupported element type (only numbers and strings are read)")
        }
        elementType = element
        elementByteSize = Int(H5Tget_size(type))

        let space = try H5Library.check(H5Dget_space(id), operation, errorPath)
        defer { H5Sclose(space) }
        let rank = try H5Library.check(H5Sget_simple_extent_ndims(space), operation, errorPath)
        var dims = [hsize_t](repeating: 0, count: Int(rank))
        try H5Library.check(H5Sget_simple_extent_dims(space, &dims, nil), operation, errorPath)
        shape = dims.map { Int($0) }

        let dcpl = try H5Library.check(H5Dget_create_plist(id), operation, errorPath)
        defer { H5Pclose(dcpl) }
        let layout = H5Pget_layout(dcpl)
        if layout.rawValue < 0 { try H5Library.check(-1, operation, errorPath) }
        if layout == H5D_CHUNKED {
            var chunkDims = [hsize_t](repeating: 0, count: max(1, Int(rank)))
            let chunkRank = try H5Library.check(H5Pget_chunk(dcpl, Int32(chunkDims.count), &chunkDims),
                                                operation, errorPath)
            chunkShape = chunkDims.prefix(Int(chunkRank)).map { Int($0) }
        }
        let filterCount = try H5Library.check(H5Pget_nfilters(dcpl), operation, errorPath)
        var pipeline: [(id: H5Z_filter_t, values: [UInt32])] = []
        for index in 0..<UInt32(filterCount) {
            let (filterID, filter) = try DatasetInfo.filter(dcpl, index, operation, errorPath)
            filters.append(filter)
            pipeline.append((filterID, filter.parameters))
        }
        chunkPipeline = DirectChunkPipeline(type: type, element: element, chunk: chunkShape, filters: pipeline)
    }

    /// Filter `index` of a creation list, named the way h5ls does, with its id.
    private static func filter(_ dcpl: hid_t, _ index: UInt32, _ operation: String,
                               _ errorPath: String) throws -> (H5Z_filter_t, H5Filter) {
        var flags: UInt32 = 0
        var valueCount = 16
        var values = [UInt32](repeating: 0, count: valueCount)
        var nameBuffer = [CChar](repeating: 0, count: 256)
        var config: UInt32 = 0
        let filterID = try H5Library.check(
            H5Pget_filter2(dcpl, index, &flags, &valueCount, &values, nameBuffer.count, &nameBuffer, &config),
            operation, errorPath)
        let name: String
        switch filterID {
        case H5Z_FILTER_DEFLATE: name = "deflate"
        case H5Z_FILTER_SHUFFLE: name = "shuffle"
        case H5Z_FILTER_FLETCHER32: name = "fletcher32"
        case H5Z_FILTER_SZIP: name = "szip"
        case H5Z_FILTER_NBIT: name = "nbit"
        case H5Z_FILTER_SCALEOFFSET: name = "scaleoffset"
        default:
            let reported = String(cString: nameBuffer)
            name = reported.isEmpty ? "filter-\(filterID)" : reported
        }
        return (filterID, H5Filter(name: name, parameters: Array(values.prefix(min(valueCount, values.count)))))
    }
}
