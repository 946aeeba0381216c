import CHDF5

/// The filters applied to a chunked dataset's chunks: byte shuffle, then deflate (zlib).
public struct H5Compression: Equatable, Sendable {
    /// Byte-shuffle each chunk before compressing (helps numbers compress).
    public var shuffle: Bool
    /// zlib level 0...9; nil for no deflate.
    public var deflateLevel: Int?

    public init(shuffle: Bool = false, deflateLevel: Int? = nil) {
        self.shuffle = shuffle
        self.deflateLevel = deflateLevel
    }

    /// No filters.
    public static let none = H5Compression()
    /// Shuffle + deflate level 4: the usual choice for float arrays.
    public static let shuffleDeflate = H5Compression(shuffle: true, deflateLevel: 4)

    /// Deflate at `level` (0...9), with shuffle unless told otherwise.
    public static func deflate(_ level: Int, shuffle: Bool = true) -> H5Compression {
        H5Compression(shuffle: shuffle, deflateLevel: level)
    }
}

/// One filter of a dataset's pipeline, as HDF5 reports it.
public struct H5Filter: Equatable, Sendable {
    /// "shuffle", "deflate", "fletcher32", "szip", "nbit", "scaleoffset", or HDF5's name for other filters.
    public var name: String
    /// The filter's client values: deflate → [level]; shuffle → [element size in bytes].
    public var parameters: [UInt32]

    public init(name: String, parameters: [UInt32]) {
        self.name = name
        self.parameters = parameters
    }
}

/// The checked storage layout of a dataset about to be created.
struct DatasetLayout {
    /// Target bytes of an automatically chosen chunk.
    static let targetChunkBytes = 256 * 1024

    var chunks: [Int]?
    var compression: H5Compression

    /// Validates chunks and compression against `shape`, choosing chunks when compression needs them.
    init(shape: [Int], elementType: H5ElementType, chunks: [Int]?, compression: H5Compression,
         errorPath: String) throws {
        func fail(_ message: String) -> H5Error {
            H5Error(operation: "create dataset", path: errorPath, message: message)
        }
        try checkShape(shape, "create dataset", errorPath)
        if let level = compression.deflateLevel, !(0...9).contains(level) {
            throw fail("deflate level must be in 0...9, given \(level)")
        }
        if let chunks = chunks {
            if chunks.count != shape.count {
                throw fail("chunk shape \(chunks) has rank \(chunks.count), the dataset's shape \(shape) has rank \(shape.count)")
            }
            if shape.isEmpty { throw fail("a scalar dataset cannot be chunked") }
            if chunks.contains(where: { $0 <= 0 }) { throw fail("chunk shape \(chunks) must be > 0 in every dimension") }
            if zip(chunks, shape).contains(where: { $0 > $1 }) {
                throw fail("chunk shape \(chunks) exceeds the dataset's shape \(shape)")
            }
            self.chunks = chunks
            self.compression = compression
        } else if compression != .none,
                  let automatic = DatasetLayout.automaticChunks(shape: shape, elementSize: elementType.byteSize) {
            self.chunks = automatic
            self.compression = compression
        } else {
            // Contiguous: no filters possible (scalars, empty datasets, or no compression asked).
            self.chunks = nil
            self.compression = .none
        }
    }

    /// A chunk shape of about `targetChunkBytes`: trailing dimensions kept whole, rows along
    /// dimension 0; when one row is already bigger, dimension 1 is split too, and so on.
    /// Nil for scalars and datasets without elements (they cannot be chunked with fixed sizes).
    static func automaticChunks(shape: [Int], elementSize: Int) -> [Int]? {
        if shape.isEmpty || shape.contains(0) { return nil }
        var chunks = shape
        for d in shape.indices {
            let inner = chunks[(d + 1)...].reduce(elementSize, *)
            if inner * chunks[d] <= targetChunkBytes { break }
            chunks[d] = max(1, targetChunkBytes / inner)
            if inner <= targetChunkBytes { break }
        }
        return chunks
    }

    /// A dataset creation list: no timestamps, chunking and filters as laid out. Caller closes.
    /// Call inside `H5Library.sync`.
    func creationList(_ errorPath: String) throws -> hid_t {
        let operation = "create dataset"
        let dcpl = try H5Library.check(H5Pcreate(mtkd_h5p_dataset_create()), operation, errorPath)
        do {
            try H5Library.check(H5Pset_obj_track_times(dcpl, false), operation, errorPath)
            if let chunks = chunks {
                let dims = chunks.map { hsize_t($0) }
                try H5Library.check(H5Pset_chunk(dcpl, Int32(dims.count), dims), operation, errorPath)
                if compression.shuffle {
                    try H5Library.check(H5Pset_shuffle(dcpl), operation, errorPath)
                }
                if let level = compression.deflateLevel {
                    try H5Library.check(H5Pset_deflate(dcpl, UInt32(level)), operation, errorPath)
                }
            }
        } catch {
            H5Pclose(dcpl)
            throw error
        }
        return dcpl
    }
}
