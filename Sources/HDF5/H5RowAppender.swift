import CHDF5

/// A dataset that grows along dimension 0 as rows are appended (chunked, unlimited maximum
/// rows), for output whose row count is not known in advance — written block by block.
///
/// Rows are appended with `append(_:)` (numbers, row-major, a multiple of the row size) or
/// `append(strings:)` (a 1-D variable-length UTF-8 string dataset). Keeps its file open while it lives.
public final class H5RowAppender {
    public let file: H5File
    /// The absolute path of the dataset in its file.
    public let path: String
    public let elementType: H5ElementType
    /// Dimensions after the first (empty for a 1-D dataset).
    public let rowShape: [Int]
    /// Rows written so far.
    public private(set) var rows = 0
    private let id: hid_t
    private var errorPath: String { qualifiedPath(file.path, path) }
    private var rowSize: Int { rowShape.reduce(1, *) }

    /// Creates the empty dataset `name` (a direct child of `group`) of shape (0, rowShape…).
    /// - Parameter chunkRows: rows per chunk (chunks hold whole rows).
    public init(_ group: H5Group, _ name: String, type: H5ElementType, rowShape: [Int] = [], chunkRows: Int = 4096) throws {
        let target = group.resolve(name)
        let errorPath = qualifiedPath(group.file.path, target)
        file = group.file
        path = target
        elementType = type
        self.rowShape = rowShape
        id = try H5Library.sync {
            try group.file.checkOpen("create dataset", target)
            try checkShape(rowShape, "create dataset", errorPath)
            let dims = [hsize_t(0)] + rowShape.map { hsize_t($0) }
            let maxDims = [hsize_t.max] + rowShape.map { hsize_t($0) }   // hsize_t.max is H5S_UNLIMITED
            let chunks = [hsize_t(max(1, chunkRows))] + rowShape.map { hsize_t(max(1, $0)) }
            let space = try H5Library.check(H5Screate_simple(Int32(dims.count), dims, maxDims), "create dataset", errorPath)
            defer { H5Sclose(space) }
            let dcpl = try H5Library.check(H5Pcreate(mtkd_h5p_dataset_create()), "create dataset", errorPath)
            defer { H5Pclose(dcpl) }
            try H5Library.check(H5Pset_chunk(dcpl, Int32(chunks.count), chunks), "create dataset", errorPath)
            let fileType = try type.fileType()
            defer { if fileType.owned { H5Tclose(fileType.id) } }
            return try H5Library.check(H5Dcreate2(group.id, name, fileType.id, space, mtkd_h5p_default(), dcpl, mtkd_h5p_default()),
                                       "create dataset", errorPath)
        }
    }

    deinit {
        H5Library.sync {
            if !file.isClosed, H5Dclose(id) < 0 { H5Library.clearErrors() }
        }
    }

    /// The attributes of the dataset.
    public var attributes: H5Attributes { H5Attributes(file: file, owner: self, id: id, objectPath: path) }

    /// Appends `values.count / rowSize` rows (row-major).
    public func append<T: H5Scalar>(_ values: [T]) throws {
        guard T.h5ElementType == elementType, elementType != .string else {
            throw H5Error(operation: "append rows", path: errorPath, message: "the dataset holds \(elementType.rawValue) values, not \(T.h5ElementType.rawValue)")
        }
        guard values.count % max(rowSize, 1) == 0 else {
            throw H5Error(operation: "append rows", path: errorPath, message: "\(values.count) values are not whole rows of \(rowSize)")
        }
        let count = rowSize == 0 ? 0 : values.count / rowSize
        try H5Library.sync {
            let memoryType = try T.h5ElementType.memoryType()
            try values.withUnsafeBytes { try write(count, memoryType.id, $0.baseAddress) }
        }
    }

    /// Appends one row per string (a 1-D string dataset).
    public func append(strings: [String]) throws {
        guard elementType == .string, rowShape.isEmpty else {
            throw H5Error(operation: "append rows", path: errorPath, message: "the dataset does not hold one string per row")
        }
        try checkNoNUL(strings, "append rows", errorPath)
        try H5Library.sync {
            let memoryType = try makeVariableStringType()
            defer { H5Tclose(memoryType) }
            try withCStringPointers(strings) { try write(strings.count, memoryType, $0) }
        }
    }

    /// Extends the dataset by `count` rows and writes them from `buffer`. Call inside `H5Library.sync`.
    private func write(_ count: Int, _ memoryType: hid_t, _ buffer: UnsafeRawPointer?) throws {
        try file.checkOpen("append rows", path)
        guard count > 0 else { return }
        let extent = [hsize_t(rows + count)] + rowShape.map { hsize_t($0) }
        try H5Library.check(H5Dset_extent(id, extent), "append rows", errorPath)
        let fileSpace = try H5Library.check(H5Dget_space(id), "append rows", errorPath)
        defer { H5Sclose(fileSpace) }
        let start = [hsize_t(rows)] + rowShape.map { _ in hsize_t(0) }
        let counts = [hsize_t(count)] + rowShape.map { hsize_t($0) }
        try H5Library.check(H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, start, nil, counts, nil), "append rows", errorPath)
        let memorySpace = try H5Library.check(H5Screate_simple(Int32(counts.count), counts, nil), "append rows", errorPath)
        defer { H5Sclose(memorySpace) }
        try H5Library.check(H5Dwrite(id, memoryType, memorySpace, fileSpace, mtkd_h5p_default(), buffer), "append rows", errorPath)
        rows += count
    }
}
