import Artifacts
import Foundation
import HDF5

/// One stage's line in `mtkd status`.
public struct StageStatusReport: Equatable, Sendable, Codable {
    public var stage: String
    /// "up to date", "stale", "never run", "interrupted"
    public var state: String
    /// What changed (stale), or where training will resume (interrupted).
    public var reasons: [String]
    /// Whether `mtkd run` would run it (itself, or because an upstream stage will).
    public var willRun: Bool
}

/// The state of every stage, as `mtkd run` would see it, without running anything.
public struct PipelineStatus: Sendable, Codable {
    public var pipeline: String
    public var artifacts: String
    public var stages: [StageStatusReport]

    public var upToDate: Bool { stages.allSatisfy { !$0.willRun } }

    public static func of(_ spec: PipelineSpec) throws -> PipelineStatus {
        let layout = ArtifactLayout(root: spec.artifactsDirectory)
        let checker = StageChecker(layout: layout, hasher: FileHasher())
        let lock = try LockFile.read(from: layout.lock)
        var willRun = Set<StageName>()
        var reports: [StageStatusReport] = []
        for d in StageDefinition.all(spec) {
            let state = try checker.state(of: d, lock: lock)
            var label = state.label
            var reasons: [String] = []
            if case .stale(let r) = state { reasons = r }
            let upstream = d.upstream.filter { willRun.contains($0) }
            if state == .upToDate, !upstream.isEmpty {
                label = "stale"
                reasons = upstream.map { "upstream stage \($0) will re-run" }
            }
            if state != .upToDate || !upstream.isEmpty {
                willRun.insert(d.name)
                if let epoch = try Self.checkpointEpoch(d, spec: spec, layout: layout) {
                    label = "interrupted"
                    reasons.append(epoch)
                }
            }
            reports.append(StageStatusReport(stage: d.name.description, state: label, reasons: reasons, willRun: willRun.contains(d.name)))
        }
        return PipelineStatus(pipeline: spec.name, artifacts: layout.root, stages: reports)
    }

    /// "resumes … at epoch N" from the stage's training checkpoints, if any.
    static func checkpointEpoch(_ d: StageDefinition, spec: PipelineSpec, layout: ArtifactLayout) throws -> String? {
        var paths: [(String, String)] = []
        switch d.name {
        case .teachers:
            for t in spec.teachers {
                for m in 0..<t.members { paths.append(("\(t.task)/member-\(m)", layout.teacherCheckpoint(task: t.task, member: m))) }
            }
        case .student(let v): paths.append((v, layout.studentCheckpoint(v)))
        default: return nil
        }
        var notes: [String] = []
        for (name, path) in paths where FileManager.default.fileExists(atPath: path) {
            do {
                let root = try H5File.open(path).root
                let epoch = try root.group("state").attributes.int("epoch")
                notes.append("\(name) resumes at epoch \(epoch + 1)")
            } catch {
                notes.append("\(name): unreadable checkpoint (will be retrained)")
            }
        }
        return notes.isEmpty ? nil : notes.joined(separator: ", ")
    }

    /// The human-readable table.
    public var text: String {
        var lines: [String] = []
        let width = max(12, stages.map(\.stage.count).max() ?? 0)
        for s in stages {
            let pad = String(repeating: " ", count: width - s.stage.count)
            lines.append("  \(s.stage)\(pad)  \(s.state)")
            for r in s.reasons { lines.append("  \(String(repeating: " ", count: width))    - \(r)") }
        }
        if upToDate { lines.append("pipeline \(pipeline) is up to date") }
        return lines.joined(separator: "\n")
    }
}
