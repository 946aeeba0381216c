import Foundation

/// `teachers/from.json`: the record a pipeline keeps when its teachers are another pipeline's
/// (`teachers: {from: other.yaml}`): which pipeline, where its artifacts folder is, and each
/// member file used, with its hash and size when it was checked. Inspect and report find the
/// members through it; nothing is copied.
///
/// ```json
/// {"artifacts": "../census-income-gbdt", "format_version": 2, "pipeline": "census-income-gbdt",
///  "members": [{"name": "income/member-0", "path": "teachers/income/member-0.h5", "sha256": "…", "size": 123}]}
/// ```
public struct TeacherSourceFile: Equatable, Sendable, Codable, VersionedArtifact {
    public struct Member: Equatable, Sendable, Codable {
        /// "income/member-0".
        public var name: String
        /// Relative to the other pipeline's artifacts folder: "teachers/income/member-0.h5".
        public var path: String
        public var sha256: String
        public var size: Int64
        public init(name: String, path: String, sha256: String, size: Int64) {
            self.name = name; self.path = path; self.sha256 = sha256; self.size = size
        }
    }

    public var formatVersion: Int64
    /// The name of the pipeline whose teachers these are.
    public var pipeline: String
    /// Its artifacts folder, relative to the folder that holds this file's `teachers/` (or absolute).
    public var artifacts: String
    /// Task order, then member order.
    public var members: [Member]

    public init(pipeline: String, artifacts: String, members: [Member]) {
        formatVersion = ArtifactFormat.version; self.pipeline = pipeline; self.artifacts = artifacts; self.members = members
    }

    enum CodingKeys: String, CodingKey { case pipeline, artifacts, members; case formatVersion = "format_version" }

    /// The record in the artifacts folder `root`, or nil when its teachers are its own.
    public static func read(root: String) throws -> TeacherSourceFile? {
        let path = ArtifactLayout(root: root).teachersFrom
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try JSONArtifact.read(TeacherSourceFile.self, from: path, what: "teacher source file")
    }

    public func write(to path: String) throws {
        try AtomicWrite.write(try JSONEncoder.sorted.encode(self) + Data("\n".utf8), to: path)
    }

    /// The other pipeline's artifacts folder, absolute, for the folder `root` this record is in.
    public func artifactsFolder(root: String) -> String {
        let joined = artifacts.hasPrefix("/") ? artifacts : (root as NSString).appendingPathComponent(artifacts)
        return (joined as NSString).standardizingPath
    }

    /// The absolute path of `member` for the folder `root` this record is in.
    public func path(of member: Member, root: String) -> String {
        (artifactsFolder(root: root) as NSString).appendingPathComponent(member.path)
    }
}
