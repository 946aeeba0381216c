import CHDF5

/// One entry of a group: its name and what it links to.
public struct H5Link: Equatable, Sendable {
    /// What a link points at (soft links are followed; dangling ones are `.other`).
    public enum Kind: Sendable {
        case group, dataset, other
    }

    public var name: String
    public var kind: Kind

    public init(name: String, kind: Kind) {
        self.name = name
        self.kind = kind
    }
}

/// An open HDF5 group; closes in `deinit` and keeps its file open while it lives.
///
/// Names passed to its methods may be nested (`"a/b/c"`) and relative to this group,
/// or absolute (`"/a/b"`, from the file's root).
public final class H5Group {
    /// The file this group belongs to (kept alive by the group).
    public let file: H5File
    /// The absolute path of the group in its file, e.g. `"/a/b"`.
    public let path: String
    let id: hid_t
    /// False for the root group, whose id the file owns.
    private let ownsID: Bool

    init(file: H5File, id: hid_t, path: String, ownsID: Bool) {
        self.file = file
        self.id = id
        self.path = path
        self.ownsID = ownsID
    }

    deinit {
        guard ownsID else { return }
        H5Library.sync {
            // After the file's strong close, HDF5 has already closed this id.
            if !file.isClosed, H5Gclose(id) < 0 { H5Library.clearErrors() }
        }
    }

    /// The attributes of this group.
    public var attributes: H5Attributes {
        H5Attributes(file: file, owner: self, id: id, objectPath: path)
    }

    /// Creates the group `name`, creating missing intermediate groups; throws if `name` exists.
    public func createGroup(_ name: String) throws -> H5Group {
        try H5Library.sync {
            let target = resolve(name)
            try file.checkOpen("create group", target)
            let (parent, leaf) = try parentCreatingIntermediates(of: name, operation: "create group")
            return try parent.makeChild(leaf)
        }
    }

    /// Opens the existing group `name`.
    public func group(_ name: String) throws -> H5Group {
        try H5Library.sync {
            let target = resolve(name)
            try file.checkOpen("open group", target)
            let gid = try H5Library.check(H5Gopen2(id, name, mtkd_h5p_default()), "open group",
                                          qualifiedPath(file.path, target))
            return H5Group(file: file, id: gid, path: target, ownsID: true)
        }
    }

    /// Opens the existing dataset `name`.
    ///
    /// - Parameter chunkCacheBytes: when given, the dataset's raw-data chunk cache size
    ///   (`H5Pset_chunk_cache`); HDF5 1.10's default of 1 MiB makes random row reads of large
    ///   chunked datasets crawl. The number of hash slots is chosen from the chunk size. HDF5 fixes
    ///   the cache when a dataset is first opened: if another `H5Dataset` of the same dataset is
    ///   still open, that earlier cache stays in use.
    public func dataset(_ name: String, chunkCacheBytes: Int? = nil) throws -> H5Dataset {
        try H5Library.sync {
            let target = resolve(name)
            let errorPath = qualifiedPath(file.path, target)
            try file.checkOpen("open dataset", target)
            guard let cacheBytes = chunkCacheBytes else {
                return try openDataset(name, target: target, accessList: mtkd_h5p_default())
            }
            guard cacheBytes >= 0 else {
                throw H5Error(operation: "open dataset", path: errorPath,
                              message: "chunk cache size must be >= 0, given \(cacheBytes)")
            }
            let chunkBytes = try chunkByteSize(name, errorPath) ?? 1
            let slots = chunkCacheSlots(cacheBytes: cacheBytes, chunkBytes: chunkBytes)
            let dapl = try H5Library.check(H5Pcreate(mtkd_h5p_dataset_access()), "open dataset", errorPath)
            defer { H5Pclose(dapl) }
            try H5Library.check(H5Pset_chunk_cache(dapl, slots, cacheBytes, mtkd_h5d_chunk_cache_w0_default()),
                                "open dataset", errorPath)
            return try openDataset(name, target: target, accessList: dapl)
        }
    }

    /// True when `name` (possibly nested) exists; false, never throwing, on any error or missing intermediate.
    public func contains(_ name: String) -> Bool {
        H5Library.sync {
            if file.isClosed { return false }
            let components = pathComponents(name)
            if components.isEmpty { return name.hasPrefix("/") }
            var prefix = name.hasPrefix("/") ? "/" : ""
            for component in components {
                prefix += (prefix.isEmpty || prefix == "/" ? "" : "/") + component
                let exists = H5Lexists(id, prefix, mtkd_h5p_default())
                if exists < 0 { H5Library.clearErrors() }
                if exists <= 0 { return false }
            }
            return true
        }
    }

    /// The links of this group, sorted by name.
    public func children() throws -> [H5Link] {
        try H5Library.sync {
            try file.checkOpen("list group", path)
            var names: [String] = []
            var index: hsize_t = 0
            _ = try withUnsafeMutablePointer(to: &names) { pointer in
                try H5Library.check(H5Literate(id, H5_INDEX_NAME, H5_ITER_INC, &index, { _, name, _, data in
                    guard let name = name, let data = data else { return 0 }
                    data.assumingMemoryBound(to: [String].self).pointee.append(String(cString: name))
                    return 0
                }, pointer), "list group", qualifiedPath(file.path, path))
            }
            return names.sorted().map { H5Link(name: $0, kind: kindOfLink($0)) }
        }
    }

    /// Creates a dataset of `shape` (row-major; `[]` for a scalar).
    ///
    /// - Parameters:
    ///   - chunks: the chunk shape (same rank as `shape`, every entry in 1...shape[i]); nil stores the
    ///     dataset contiguously, unless `compression` asks for filters, which need chunks: then a chunk
    ///     shape of about 256 KiB is chosen (full trailing dimensions, rows along dimension 0).
    ///     Scalars and datasets without elements are always stored contiguously, without filters.
    ///   - compression: shuffle and/or deflate filters.
    /// Missing intermediate groups in `name` are created.
    public func createDataset(_ name: String, type: H5ElementType, shape: [Int], chunks: [Int]? = nil,
                              compression: H5Compression = .none) throws -> H5Dataset {
        try H5Library.sync {
            let target = resolve(name)
            let errorPath = qualifiedPath(file.path, target)
            try file.checkOpen("create dataset", target)
            let layout = try DatasetLayout(shape: shape, elementType: type, chunks: chunks,
                                           compression: compression, errorPath: errorPath)
            let (parent, leaf) = try parentCreatingIntermediates(of: name, operation: "create dataset")

            let dcpl = try layout.creationList(errorPath)
            defer { H5Pclose(dcpl) }
            let space = try makeDataspace(shape, "create dataset", errorPath)
            defer { H5Sclose(space) }
            let fileType = try type.fileType()
            defer { if fileType.owned { H5Tclose(fileType.id) } }

            let did = try H5Library.check(
                H5Dcreate2(parent.id, leaf, fileType.id, space, mtkd_h5p_default(), dcpl, mtkd_h5p_default()),
                "create dataset", errorPath)
            return try H5Dataset(file: file, id: did, path: target)
        }
    }

    /// Creates the dataset `name` of `shape` and writes `values` (row-major) into it.
    ///
    /// The element count is checked before anything is created. Chunks default to contiguous
    /// storage unless `compression` is not `.none` (see `createDataset`).
    @discardableResult
    public func write<T: H5Scalar>(_ values: [T], shape: [Int], to name: String, chunks: [Int]? = nil,
                                   compression: H5Compression = .none) throws -> H5Dataset {
        try H5Library.sync {
            let target = resolve(name)
            try checkCount(values.count, shape: shape, "write dataset", qualifiedPath(file.path, target))
            let dataset = try createDataset(name, type: T.h5ElementType, shape: shape, chunks: chunks,
                                            compression: compression)
            try dataset.write(values)
            return dataset
        }
    }

    /// Creates the 1-D variable-length UTF-8 string dataset `name` holding `strings`.
    @discardableResult
    public func write(_ strings: [String], to name: String) throws -> H5Dataset {
        try H5Library.sync {
            let target = resolve(name)
            try checkNoNUL(strings, "write dataset", qualifiedPath(file.path, target))
            let dataset = try createDataset(name, type: .string, shape: [strings.count])
            try dataset.write(strings)
            return dataset
        }
    }

    // MARK: - Internals (call inside H5Library.sync)

    /// The absolute, normalised path of `name` seen from this group.
    func resolve(_ name: String) -> String {
        let base = name.hasPrefix("/") ? [] : pathComponents(path)
        return "/" + (base + pathComponents(name)).joined(separator: "/")
    }

    /// Opens a dataset by name with the given access list.
    private func openDataset(_ name: String, target: String, accessList: hid_t) throws -> H5Dataset {
        let did = try H5Library.check(H5Dopen2(id, name, accessList), "open dataset",
                                      qualifiedPath(file.path, target))
        return try H5Dataset(file: file, id: did, path: target)
    }

    /// Bytes of one chunk of dataset `name` (nil if it is not chunked), from a short-lived open
    /// that leaves the dataset closed again, so the next open can set its chunk cache.
    private func chunkByteSize(_ name: String, _ errorPath: String) throws -> Int? {
        let operation = "open dataset"
        let did = try H5Library.check(H5Dopen2(id, name, mtkd_h5p_default()), operation, errorPath)
        defer { H5Dclose(did) }
        let dcpl = try H5Library.check(H5Dget_create_plist(did), operation, errorPath)
        defer { H5Pclose(dcpl) }
        guard H5Pget_layout(dcpl) == H5D_CHUNKED else { return nil }
        var dims = [hsize_t](repeating: 0, count: 32)  // H5S_MAX_RANK
        let rank = try H5Library.check(H5Pget_chunk(dcpl, Int32(dims.count), &dims), operation, errorPath)
        let type = try H5Library.check(H5Dget_type(did), operation, errorPath)
        defer { H5Tclose(type) }
        return dims.prefix(Int(rank)).reduce(Int(H5Tget_size(type))) { $0 * Int($1) }
    }

    /// Creates a direct child group with time tracking off.
    private func makeChild(_ leaf: String) throws -> H5Group {
        let target = joinPath(path, leaf)
        let errorPath = qualifiedPath(file.path, target)
        let gcpl = try H5Library.check(H5Pcreate(mtkd_h5p_group_create()), "create group", errorPath)
        defer { H5Pclose(gcpl) }
        try H5Library.check(H5Pset_obj_track_times(gcpl, false), "create group", errorPath)
        let gid = try H5Library.check(H5Gcreate2(id, leaf, mtkd_h5p_default(), gcpl, mtkd_h5p_default()),
                                      "create group", errorPath)
        return H5Group(file: file, id: gid, path: target, ownsID: true)
    }

    /// The group that will hold `name`'s last component, creating missing intermediate groups
    /// ourselves (HDF5's own intermediate creation would track times), plus that last component.
    private func parentCreatingIntermediates(of name: String, operation: String) throws -> (H5Group, String) {
        let components = pathComponents(name)
        guard let leaf = components.last else {
            throw H5Error(operation: operation, path: qualifiedPath(file.path, resolve(name)),
                          message: "the name is empty")
        }
        var current: H5Group = name.hasPrefix("/") ? file.root : self
        for component in components.dropLast() {
            let exists = try H5Library.check(H5Lexists(current.id, component, mtkd_h5p_default()), operation,
                                             qualifiedPath(file.path, joinPath(current.path, component)))
            current = exists > 0 ? try current.group(component) : try current.makeChild(component)
        }
        return (current, leaf)
    }

    /// What the link `name` of this group points at.
    private func kindOfLink(_ name: String) -> H5Link.Kind {
        var info = H5O_info_t()
        if H5Oget_info_by_name2(id, name, &info, UInt32(H5O_INFO_BASIC), mtkd_h5p_default()) < 0 {
            H5Library.clearErrors()
            return .other
        }
        switch info.type {
        case H5O_TYPE_GROUP: return .group
        case H5O_TYPE_DATASET: return .dataset
        default: return .other
        }
    }
}
