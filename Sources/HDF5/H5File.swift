import CHDF5
import Foundation

/// How `H5File.open` opens an existing file.
public enum H5OpenMode: Sendable {
    case readOnly, readWrite
}

/// An open HDF5 file; closes in `deinit`, or earlier through `close()`.
///
/// Groups and datasets hold a strong reference to their file, so they stay usable after the
/// caller's last reference to the `H5File` goes. `close()` closes the file *and* every group,
/// dataset and attribute opened from it (HDF5's "strong" close degree), so that the file on disk
/// is complete when it returns; objects used afterwards throw `H5Error`.
public final class H5File {
    /// The file system path the file was created or opened with.
    public let path: String
    /// The HDF5 file id (valid while `!isClosed`).
    let id: hid_t
    /// The root group's id, owned by the file.
    private let rootID: hid_t
    /// True once `close()` ran (successfully or not); guarded by the libhdf5 lock.
    private(set) var isClosed = false

    private init(path: String, id: hid_t, rootID: hid_t) {
        self.path = path
        self.id = id
        self.rootID = rootID
    }

    deinit {
        do {
            try close()
        } catch {
            // deinit cannot throw: report instead of dropping the failure silently.
            FileHandle.standardError.write(Data("mtkd: warning: \(error)\n".utf8))
        }
    }

    /// Creates (truncating) an HDF5 file at `path`.
    /// - Parameter userBlock: bytes reserved at the start of the file for the caller (0, or a
    ///   power of two ≥ 512); HDF5 neither reads nor writes them.
    public static func create(_ path: String, userBlock: Int = 0) throws -> H5File {
        try H5Library.sync {
            let fcpl = try H5Library.check(H5Pcreate(mtkd_h5p_file_create()), "create file", path)
            defer { H5Pclose(fcpl) }
            if userBlock > 0 { try H5Library.check(H5Pset_userblock(fcpl, hsize_t(userBlock)), "create file", path) }
            // The root group's object header must not carry timestamps either (determinism).
            try H5Library.check(H5Pset_obj_track_times(fcpl, false), "create file", path)
            let fapl = try fileAccessList(path, "create file")
            defer { H5Pclose(fapl) }
            let id = try H5Library.check(H5Fcreate(path, mtkd_h5f_acc_trunc(), fcpl, fapl), "create file", path)
            return try wrap(path: path, id: id, operation: "create file")
        }
    }

    /// Opens an existing HDF5 file.
    public static func open(_ path: String, mode: H5OpenMode = .readOnly) throws -> H5File {
        try H5Library.sync {
            let fapl = try fileAccessList(path, "open file")
            defer { H5Pclose(fapl) }
            let flags = mode == .readOnly ? mtkd_h5f_acc_rdonly() : mtkd_h5f_acc_rdwr()
            let id = try H5Library.check(H5Fopen(path, flags, fapl), "open file", path)
            return try wrap(path: path, id: id, operation: "open file")
        }
    }

    /// True when `path` is a readable HDF5 file; false on any error (missing, unreadable, not HDF5).
    public static func isHDF5(_ path: String) -> Bool {
        H5Library.sync {
            let result = H5Fis_hdf5(path)
            if result < 0 { H5Library.clearErrors() }
            return result > 0
        }
    }

    /// The root group `/`.
    public var root: H5Group {
        H5Group(file: self, id: rootID, path: "/", ownsID: false)
    }

    /// Writes all buffered data and metadata of the file to disk.
    public func flush() throws {
        try H5Library.sync {
            try checkOpen("flush file")
            try H5Library.check(H5Fflush(id, H5F_SCOPE_GLOBAL), "flush file", path)
        }
    }

    /// Closes the file and every object opened from it. Idempotent.
    public func close() throws {
        try H5Library.sync {
            if isClosed { return }
            isClosed = true
            let groupStatus = H5Gclose(rootID)
            let fileStatus = H5Fclose(id)
            if groupStatus < 0 || fileStatus < 0 {
                throw H5Error(operation: "close file", path: path, stack: H5Library.takeErrorStack())
            }
        }
    }

    /// Throws when the file was closed. Call inside `H5Library.sync`.
    func checkOpen(_ operation: String, _ object: String? = nil) throws {
        if isClosed {
            let where_ = object.map { qualifiedPath(path, $0) } ?? path
            throw H5Error(operation: operation, path: where_, message: "the file was closed")
        }
    }

    /// A file-access list with the strong close degree. Call inside `H5Library.sync`.
    private static func fileAccessList(_ path: String, _ operation: String) throws -> hid_t {
        let fapl = try H5Library.check(H5Pcreate(mtkd_h5p_file_access()), operation, path)
        do {
            try H5Library.check(H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG), operation, path)
        } catch {
            H5Pclose(fapl)
            throw error
        }
        return fapl
    }

    /// Opens the root group of a freshly opened file id, closing the id if that fails.
    private static func wrap(path: String, id: hid_t, operation: String) throws -> H5File {
        let root = H5Gopen2(id, "/", mtkd_h5p_default())
        if root < 0 {
            let error = H5Error(operation: operation, path: path, stack: H5Library.takeErrorStack())
            H5Fclose(id)
            H5Library.clearErrors()
            throw error
        }
        return H5File(path: path, id: id, rootID: root)
    }
}
