import Artifacts
import Foundation

/// Where a stage stands against the lock file and the files on disk.
public enum StageState: Equatable, Sendable {
    /// Fingerprint and outputs match the lock.
    case upToDate
    /// No lock entry: the stage never completed.
    case neverRun
    /// Must re-run; the reasons say what changed.
    case stale([String])

    public var label: String {
        switch self {
        case .upToDate: return "up to date"
        case .neverRun: return "never run"
        case .stale: return "stale"
        }
    }
}

/// Decides a stage's state from its definition, the lock and the files.
public struct StageChecker {
    public let layout: ArtifactLayout
    public let hasher: FileHasher
    /// The folder of the pipeline file: data files are named relative to it in the lock.
    public let pipelineFolder: String

    public init(layout: ArtifactLayout, hasher: FileHasher, pipelineFile: String) {
        self.layout = layout; self.hasher = hasher
        self.pipelineFolder = (pipelineFile as NSString).deletingLastPathComponent
    }

    /// Name of a file in the lock: relative to the artifacts folder when inside it (`data/dataset.h5`),
    /// else relative to the pipeline file's folder (`./data/penguins.csv`, `../data/census/train.csv`),
    /// so a copied or moved project keeps its fingerprints.
    public func lockName(_ path: String) -> String {
        let inside = layout.relative(path)
        return inside != path ? inside : Self.relativePath(path, from: pipelineFolder)
    }

    /// `path` relative to `folder`, starting with `./` or `../` (both absolute).
    static func relativePath(_ path: String, from folder: String) -> String {
        let a = path.split(separator: "/"), b = folder.split(separator: "/")
        var common = 0
        while common < min(a.count - 1, b.count) && a[common] == b[common] { common += 1 }
        let up = Array(repeating: "..", count: b.count - common)
        let rest = a[common...].map(String.init)
        return (up.isEmpty ? ["."] : up).joined(separator: "/") + "/" + rest.joined(separator: "/")
    }

    /// Hashes of the stage's inputs, keyed by lock name; throws naming the first missing input.
    public func inputHashes(_ d: StageDefinition) throws -> [String: FileHash] {
        var out: [String: FileHash] = [:]
        for path in d.inputs {
            guard let h = try hasher.hash(path) else {
                throw ArtifactError(path: path, "input of stage \(d.name) is missing")
            }
            out[lockName(path)] = h
        }
        return out
    }

    /// The inputs' hashes where they exist (missing ones left out), for status without failing.
    func availableInputHashes(_ d: StageDefinition) throws -> [String: FileHash]? {
        var out: [String: FileHash] = [:]
        for path in d.inputs {
            guard let h = try hasher.hash(path) else { return nil }
            out[lockName(path)] = h
        }
        return out
    }

    public func state(of d: StageDefinition, lock: LockFile?) throws -> StageState {
        guard let entry = lock?.stages[d.name.description] else { return .neverRun }
        var reasons: [String] = []
        let keys = Set(entry.params.keys).union(d.params.keys).sorted()
        for k in keys where entry.params[k] != d.params[k] {
            reasons.append("parameter \(k) changed: \(entry.params[k] ?? "(none)") → \(d.params[k] ?? "(none)")")
        }
        if let inputs = try availableInputHashes(d) {
            for k in Set(entry.inputs.keys).union(inputs.keys).sorted() where entry.inputs[k] != inputs[k] {
                if inputs[k] == nil { reasons.append("input \(k) is no longer used") }
                else if entry.inputs[k] == nil { reasons.append("new input \(k)") }
                else { reasons.append("input \(k) changed") }
            }
            if reasons.isEmpty && Fingerprint.of(stage: d.name.description, params: d.params, inputs: inputs) != entry.fingerprint {
                reasons.append("the artifact format or mtkd version changed")
            }
        } else {
            let missing = d.inputs.filter { !FileManager.default.fileExists(atPath: $0) }.map(lockName)
            reasons.append("input \(missing.joined(separator: ", ")) is missing")
        }
        for path in d.outputs {
            let name = lockName(path)
            guard let recorded = entry.outputs[name] else { reasons.append("output \(name) is new"); continue }
            guard let h = try hasher.hash(path) else { reasons.append("output \(name) was deleted"); continue }
            if h != recorded { reasons.append("output \(name) was modified") }
        }
        return reasons.isEmpty ? .upToDate : .stale(reasons)
    }
}
