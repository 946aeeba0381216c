import Artifacts
import Crypto
import Foundation

/// Content hashes of files, computed once per (path, size, modification time) in a run.
public final class FileHasher: @unchecked Sendable {
    private struct Key: Hashable { var path: String; var size: Int64; var modified: Double }
    private var cache: [Key: FileHash] = [:]
    private let lock = NSLock()

    public init() {}

    /// The file's SHA-256 and size, or nil when it does not exist.
    public func hash(_ path: String) throws -> FileHash? {
        guard let attrs = try? FileManager.default.attributesOfItem(atPath: path) else { return nil }  // absent
        let size = (attrs[.size] as? NSNumber)?.int64Value ?? 0
        let modified = (attrs[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        let key = Key(path: path, size: size, modified: modified)
        if let h = lock.withLock({ cache[key] }) { return h }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ArtifactError(path: path, "cannot open to hash")
        }
        defer { try? handle.close() }  // read-only handle: nothing to lose on close
        var hasher = SHA256()
        while true {
            let chunk = try handle.read(upToCount: 4 << 20) ?? Data()
            if chunk.isEmpty { break }
            hasher.update(data: chunk)
        }
        let h = FileHash(sha256: hasher.finalize().map { String(format: "%02x", $0) }.joined(), size: size)
        lock.withLock { cache[key] = h }
        return h
    }
}

public enum Fingerprint {
    /// SHA-256 over the format version, the stage name, its sorted parameters and its
    /// inputs' hashes (keyed by the names they have in the lock file).
    public static func of(stage: String, params: [String: String], inputs: [String: FileHash]) -> String {
        var text = "mtkd-format \(ArtifactFormat.version)\nstage \(stage)\n"
        for k in params.keys.sorted() { text += "param \(k)=\(params[k]!)\n" }
        for k in inputs.keys.sorted() { text += "input \(k) \(inputs[k]!.sha256) \(inputs[k]!.size)\n" }
        return SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Short SHA-256 of any text (e.g. one teacher member's settings).
    public static func of(text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
