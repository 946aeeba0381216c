import Foundation

/// A JSON artifact that records the format version it was written with.
public protocol VersionedArtifact: Decodable {
    var formatVersion: Int64 { get }
}

/// Reading mtkd's JSON files (`mtkd.lock`, `timings.json`, `report/metrics.json`) with one
/// kind of error: the file, what is wrong in plain words, and the key path where it is wrong.
public enum JSONArtifact {
    /// Decodes `path` as a `what` ("lock file", …). Files written by a newer mtkd are refused.
    public static func read<T: Decodable>(_ type: T.Type, from path: String, what: String) throws -> T {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ArtifactError(path: path, "cannot read: \(FileSystemError.reason(error) ?? error.localizedDescription)")
        }
        let value: T
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        do { value = try decoder.decode(T.self, from: data) } catch let e as DecodingError {
            throw ArtifactError(path: path, "not a valid mtkd \(what): \(describe(e))")
        }
        if let v = value as? VersionedArtifact, v.formatVersion != ArtifactFormat.version {
            if v.formatVersion < ArtifactFormat.version { throw OlderVersion(path: path, found: v.formatVersion) }
            throw ArtifactError(path: path, versionMismatch(found: v.formatVersion))
        }
        return value
    }

    /// A file written by an older mtkd: what it records is stale, not wrong (a lock then means
    /// "every stage re-runs"), so callers may go on without it.
    public struct OlderVersion: Error, LocalizedError, Equatable {
        public var path: String
        public var found: Int64
        public var errorDescription: String? { "\(path): \(JSONArtifact.versionMismatch(found: found))" }
    }

    /// "written by a newer mtkd (format version 9; this mtkd reads version 1)", or older.
    public static func versionMismatch(found: Int64) -> String {
        found > ArtifactFormat.version
            ? "written by a newer mtkd (format version \(found); this mtkd reads version \(ArtifactFormat.version)): use that mtkd"
            : "written by an older mtkd (format version \(found); this mtkd reads version \(ArtifactFormat.version)): re-run the pipeline to rewrite it"
    }

    /// A decoding error in plain words, with the key path where it happened.
    static func describe(_ error: DecodingError) -> String {
        func at(_ path: [CodingKey]) -> String {
            path.isEmpty ? "" : " at " + path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .dataCorrupted(let c) where c.codingPath.isEmpty: return "not valid JSON"
        case .dataCorrupted(let c): return "invalid value\(at(c.codingPath))"
        case .keyNotFound(let key, let c): return "missing key '\(key.stringValue)'\(at(c.codingPath))"
        case .typeMismatch(let type, let c): return "expected \(type)\(at(c.codingPath))"
        case .valueNotFound(let type, let c): return "missing \(type) value\(at(c.codingPath))"
        @unknown default: return "\(error)"
        }
    }
}
