import Crypto
import Foundation

/// A SHA-256 of an HDF5 file's content, kept in the file's user block (the first bytes, which
/// HDF5 leaves to its user), so damage is found *before* libhdf5 parses the file: a flipped
/// byte in HDF5's own structures can otherwise crash the library instead of failing a read.
///
/// ```
/// bytes 0..<512   "mtkd-seal sha256 <64 hex digits>\n", zero-padded   (HDF5 user block)
/// bytes 512...    the HDF5 file, whose SHA-256 the seal holds
/// ```
/// Files stay ordinary HDF5 files: h5py, h5dump and h5ls skip the user block.
public enum FileSeal {
    /// The user block size to create sealed files with (`H5File.create(_:userBlock:)`).
    public static let userBlock = 512
    static let prefix = "mtkd-seal sha256 "

    /// Writes the seal of the complete (closed) HDF5 file at `path` into its user block.
    public static func seal(_ path: String) throws {
        let digest = try contentDigest(path)
        var block = Data((prefix + digest + "\n").utf8)
        block.append(Data(count: userBlock - block.count))
        guard let handle = FileHandle(forUpdatingAtPath: path) else {
            throw ArtifactError(path: path, "cannot open to seal")
        }
        defer { try? handle.close() }
        try handle.seek(toOffset: 0)
        try handle.write(contentsOf: block)
    }

    /// Whether the file begins with a seal.
    public static func isSealed(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: prefix.utf8.count)) ?? Data()
        return head == Data(prefix.utf8)
    }

    /// Throws unless the file's seal matches its content (a file without a seal is corrupt too).
    public static func verify(_ path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw ArtifactError(path: path, "cannot open to verify") }
        let head = (try handle.read(upToCount: userBlock)) ?? Data()
        try? handle.close()
        let text = String(decoding: head.prefix { $0 != 0 && $0 != 10 }, as: UTF8.self)
        guard text.hasPrefix(prefix), try contentDigest(path) == String(text.dropFirst(prefix.count)) else {
            throw ArtifactError(path: path, "the file is corrupt (its content does not match the SHA-256 in its header)")
        }
    }

    /// SHA-256 (hex) of everything after the user block.
    static func contentDigest(_ path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw ArtifactError(path: path, "cannot open to hash") }
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(userBlock))
        var hasher = SHA256()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
