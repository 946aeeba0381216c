import CHDF5
import Foundation

/// The one gate to libhdf5: a global recursive lock, error-printing set-up, and error-stack capture.
///
/// libhdf5 must not be entered by two threads at once (Debian's 1.10 build does have its own
/// global lock, but the module does not rely on it), so every libhdf5 call in this module runs
/// inside `H5Library.sync`, and a failing call's error stack is read and cleared inside the same
/// critical section, on the same thread.
enum H5Library {
    /// Serialises every libhdf5 call in the process (recursive: public methods nest).
    private static let lock = NSRecursiveLock()

    /// How deeply the current lock holder has nested `sync` (guarded by `lock`).
    private static var depth = 0

    /// HDF5's own advisory file locks are turned off (unless the user set HDF5_USE_FILE_LOCKING):
    /// mtkd guards its artifacts with its own run lock and atomic renames, and HDF5's flock is
    /// inherited by child processes, so a spawned program would make opens fail at random with
    /// "resource temporarily unavailable" while it runs.
    ///
    /// libhdf5's exit handler is switched off before the library initialises: a file whose close
    /// failed (a full disk fails the final flush) stays half-open inside libhdf5, and the handler
    /// would close it again at `exit` and crash. mtkd closes every file it writes explicitly and
    /// never relies on the handler to flush anything.
    private static let environment: Void = {
        setenv("HDF5_USE_FILE_LOCKING", "FALSE", 0)
        _ = H5dont_atexit()
    }()

    /// Runs `body` while holding the libhdf5 lock.
    ///
    /// On entry it silences HDF5's automatic error printing: errors become `H5Error`s instead.
    /// Debian's build keeps that setting (and the error stack) per thread, so it is re-applied on
    /// every outermost entry rather than once.
    static func sync<R>(_ body: () throws -> R) rethrows -> R {
        _ = environment
        lock.lock()
        defer {
            depth -= 1
            lock.unlock()
        }
        if depth == 0 { _ = H5Eset_auto2(mtkd_h5e_default(), nil, nil) }
        depth += 1
        return try body()
    }

    /// Returns `value` when it is a valid id/status (>= 0), else throws with HDF5's error stack.
    /// Call only inside `sync`.
    @discardableResult
    static func check<I: BinaryInteger>(_ value: I, _ operation: String, _ path: String) throws -> I {
        if value < 0 { throw H5Error(operation: operation, path: path, stack: takeErrorStack()) }
        return value
    }

    /// Reads HDF5's current error stack, outermost (API) call first, innermost last, and clears it.
    static func takeErrorStack() -> [String] {
        var messages: [String] = []
        withUnsafeMutablePointer(to: &messages) { pointer in
            _ = H5Ewalk2(mtkd_h5e_default(), H5E_WALK_DOWNWARD, { _, entry, data in
                guard let entry = entry, let data = data else { return 0 }
                let function = entry.pointee.func_name.map { String(cString: $0) } ?? "?"
                var text = entry.pointee.desc.map { String(cString: $0) } ?? ""
                if text.isEmpty { text = H5Library.message(entry.pointee.min_num) }
                data.assumingMemoryBound(to: [String].self).pointee.append("\(function)(): \(text)")
                return 0
            }, pointer)
        }
        _ = H5Eclear2(mtkd_h5e_default())
        return messages
    }

    /// Clears HDF5's error stack after a failure the caller deliberately ignores (e.g. `contains`).
    static func clearErrors() {
        _ = H5Eclear2(mtkd_h5e_default())
    }

    /// The text HDF5 registered for an error message id.
    private static func message(_ id: hid_t) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        let length = H5Eget_msg(id, nil, &buffer, buffer.count)
        return length > 0 ? String(cString: buffer) : ""
    }
}

/// The file-qualified name of an object, as used in `H5Error.path`: `"<file>:/group/name"`.
func qualifiedPath(_ file: String, _ object: String) -> String {
    "\(file):\(object)"
}

/// Joins a group path and a (relative or absolute) name into an absolute HDF5 path.
func joinPath(_ base: String, _ name: String) -> String {
    if name.hasPrefix("/") { return name }
    if base == "/" || base.isEmpty { return "/" + name }
    return base + "/" + name
}

/// The non-empty components of an HDF5 path ("a//b/" → ["a", "b"]).
func pathComponents(_ name: String) -> [String] {
    name.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
}
