import Foundation

/// Content hash and size of one file.
public struct FileHash: Equatable, Sendable, Codable {
    /// SHA-256, lower-case hex.
    public var sha256: String
    public var size: Int64
    public init(sha256: String, size: Int64) { self.sha256 = sha256; self.size = size }
}

/// What the lock file records for one stage that completed.
public struct StageLock: Equatable, Sendable, Codable {
    /// SHA-256 over the stage's canonical parameters, its inputs' hashes and the format version.
    public var fingerprint: String
    /// The stage's parameters, flattened to "key.path" → canonical value text (for "what changed").
    public var params: [String: String]
    /// Inputs: data files by absolute path, artifacts by path relative to the artifacts folder.
    public var inputs: [String: FileHash]
    /// Outputs, relative to the artifacts folder.
    public var outputs: [String: FileHash]

    public init(fingerprint: String, params: [String: String], inputs: [String: FileHash], outputs: [String: FileHash]) {
        self.fingerprint = fingerprint; self.params = params; self.inputs = inputs; self.outputs = outputs
    }
}

/// `mtkd.lock`: per stage, the fingerprint it ran with and what it produced (DVC's dvc.lock).
/// JSON with sorted keys, so it diffs cleanly. A stage's entry is written only after it succeeded.
public struct LockFile: Equatable, Sendable, Codable, VersionedArtifact {
    public var formatVersion: Int64
    public var pipeline: String
    /// Keyed by stage name ("prepare", "teachers", "soft-targets", "student:<variant>", "evaluate").
    public var stages: [String: StageLock]

    public init(pipeline: String, stages: [String: StageLock] = [:]) {
        self.formatVersion = ArtifactFormat.version; self.pipeline = pipeline; self.stages = stages
    }

    enum CodingKeys: String, CodingKey { case pipeline, stages; case formatVersion = "format_version" }

    /// The lock at `path`, or nil when there is none yet. Refuses a lock of another format version.
    public static func read(from path: String) throws -> LockFile? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try JSONArtifact.read(LockFile.self, from: path, what: "lock file")
    }

    public func write(to path: String) throws {
        try AtomicWrite.write(try JSONEncoder.sorted.encode(self) + Data("\n".utf8), to: path)
    }
}

/// `timings.json`: wall-clock facts of the most recent run of each stage. Kept apart from
/// every other artifact because it is the one thing that differs between identical runs.
public struct Timings: Equatable, Sendable, Codable {
    public struct Stage: Equatable, Sendable, Codable {
        public var seconds: Double
        /// ISO 8601, UTC.
        public var finished: String
        /// Per network (e.g. "species/member-0", "kd"): training or inference speed measured in this stage.
        public var networks: [String: NetworkTiming]
        public init(seconds: Double, finished: String, networks: [String: NetworkTiming] = [:]) {
            self.seconds = seconds; self.finished = finished; self.networks = networks
        }
    }
    public struct NetworkTiming: Equatable, Sendable, Codable {
        /// Training (teachers, students): seconds and examples/s of the last epoch.
        public var trainingSeconds: Double?
        public var examplesPerSecond: Double?
        /// Evaluation: prediction throughput on the test split (batches of 1024, one thread).
        public var inferenceExamplesPerSecond: Double?
        public init(trainingSeconds: Double? = nil, examplesPerSecond: Double? = nil, inferenceExamplesPerSecond: Double? = nil) {
            self.trainingSeconds = trainingSeconds; self.examplesPerSecond = examplesPerSecond
            self.inferenceExamplesPerSecond = inferenceExamplesPerSecond
        }
        enum CodingKeys: String, CodingKey {
            case trainingSeconds = "training_seconds"; case examplesPerSecond = "examples_per_second"
            case inferenceExamplesPerSecond = "inference_examples_per_second"
        }
    }
    public var stages: [String: Stage]
    public init(stages: [String: Stage] = [:]) { self.stages = stages }

    public static func read(from path: String) throws -> Timings {
        guard FileManager.default.fileExists(atPath: path) else { return Timings() }
        return try JSONArtifact.read(Timings.self, from: path, what: "timings file")
    }

    public func write(to path: String) throws {
        try AtomicWrite.write(try JSONEncoder.sorted.encode(self) + Data("\n".utf8), to: path)
    }
}
