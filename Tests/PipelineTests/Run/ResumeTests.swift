import Artifacts
import Foundation
import Testing
@testable import Pipeline

/// Which stages a run carried out, from its console lines ("==> name …" without "skipping").
func ranStages(_ lines: [String]) -> [String] {
    lines.filter { $0.hasPrefix("==> ") && !$0.hasSuffix("up to date, skipping") }
        .map { String($0.dropFirst(4).split(separator: " ").first!) }
}

@Suite(.serialized) struct ResumeTests {
    @Test func secondRunSkipsEveryStage() throws {
        let p = try TestPipeline()
        defer { p.remove() }
        #expect(ranStages(try p.run().lines) == ["prepare", "teachers", "soft-targets", "student:kd", "evaluate"])
        let again = try p.run().lines
        #expect(ranStages(again) == [])
        #expect(again.contains("==> teachers: up to date, skipping"))
        #expect(again.contains("mtkd: pipeline tiny is up to date"))
        #expect(try PipelineStatus.of(p.spec()).upToDate)
    }

    @Test func changingOnlyAStudentSettingRetrainsOnlyThatStudent() throws {
        var p = try TestPipeline()
        defer { p.remove() }
        try p.run()
        let teachers = try p.bytes("teachers/species/member-0.h5")
        p = try TestPipeline(studentHidden: 12, folder: p.folder)
        let status = try PipelineStatus.of(p.spec())
        #expect(status.stages.first { $0.stage == "student:kd" }?.reasons == ["parameter students.kd.hidden changed: [16] → [12]"])
        #expect(status.stages.filter(\.willRun).map(\.stage) == ["student:kd", "evaluate"])
        #expect(ranStages(try p.run().lines) == ["student:kd", "evaluate"])
        #expect(try p.bytes("teachers/species/member-0.h5") == teachers)
    }

    @Test func changingTheTemperatureRerunsSoftTargetsAndStudentsButNotTeachers() throws {
        var p = try TestPipeline()
        defer { p.remove() }
        try p.run()
        p = try TestPipeline(temperature: 3, folder: p.folder)
        #expect(ranStages(try p.run().lines) == ["soft-targets", "student:kd", "evaluate"])
    }

    @Test func changingOneTeacherRetrainsOnlyThatTasksMembers() throws {
        let p = try TestPipeline()
        defer { p.remove() }
        try p.run()
        let mass = try p.bytes("teachers/mass/member-0.h5")
        var yaml = try String(contentsOfFile: p.file, encoding: .utf8)
        yaml = yaml.replacingOccurrences(of: "species: {members: 2, hidden: [16]", with: "species: {members: 2, hidden: [12]")
        try p.write(yaml: yaml)
        let lines = try p.run().lines
        #expect(ranStages(lines).first == "teachers")
        #expect(lines.contains { $0.contains("mass/member-0: unchanged, reusing teachers/mass/member-0.h5") })
        #expect(lines.contains { $0.contains("species/member-0: best epoch") })
        #expect(try p.bytes("teachers/mass/member-0.h5") == mass)
    }

    @Test func deletedOrEditedOutputMakesItsStageStale() throws {
        let p = try TestPipeline()
        defer { p.remove() }
        try p.run()
        try FileManager.default.removeItem(atPath: p.artifacts + "/students/kd/replicate-0.h5")
        let status = try PipelineStatus.of(p.spec())
        #expect(status.stages.first { $0.stage == "student:kd" }?.reasons == ["output students/kd/replicate-0.h5 was deleted"])
        // Retraining gives the same bytes, so evaluate's inputs are unchanged and it stays up to date.
        #expect(ranStages(try p.run().lines) == ["student:kd"])

        // Appending a byte to a teacher member changes its hash: teachers re-run, and since the
        // edited file is not what the lock recorded, that member is retrained, not reused.
        let member = p.artifacts + "/teachers/mass/member-1.h5"
        let original = try p.bytes("teachers/mass/member-1.h5")
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: member))
        try h.seekToEnd(); try h.write(contentsOf: Data([0])); try h.close()
        let lines = try p.run().lines
        #expect(ranStages(lines) == ["teachers"])
        #expect(lines.contains { $0.contains("mass/member-0: unchanged, reusing") })
        #expect(!lines.contains { $0.contains("mass/member-1: unchanged, reusing") })
        #expect(try p.bytes("teachers/mass/member-1.h5") == original)
    }

    @Test func forceFromAndOnlyDoWhatTheirNamesSay() throws {
        let p = try TestPipeline()
        defer { p.remove() }
        try p.run()
        #expect(ranStages(try p.run(RunOptions(force: true)).lines) == ["prepare", "teachers", "soft-targets", "student:kd", "evaluate"])
        #expect(ranStages(try p.run(RunOptions(from: "soft-targets")).lines) == ["soft-targets", "student:kd", "evaluate"])
        #expect(ranStages(try p.run(RunOptions(only: "student:kd")).lines) == [])
        #expect(ranStages(try p.run(RunOptions(force: true, only: "student:kd")).lines) == ["student:kd"])
        #expect(throws: RunOptionError.self) { try p.run(RunOptions(only: "student:nope")) }
    }

    @Test func forcedRerunGivesTheSameBytes() throws {
        let p = try TestPipeline()
        defer { p.remove() }
        try p.run()
        let before = try p.artifactBytes()
        try p.run(RunOptions(force: true))
        #expect(try p.artifactBytes() == before)
    }

    @Test func aSecondRunOnTheSameFolderIsRefused() throws {
        let p = try TestPipeline()
        defer { p.remove() }
        let held = try RunLock(path: ArtifactLayout(root: p.artifacts).runLock)
        defer { held.release() }
        #expect(throws: RunLock.Busy.self) { try p.run() }
    }

    @Test func aLockLeftByAFinishedOrKilledRunIsTakenOver() throws {
        let p = try TestPipeline()
        defer { p.remove() }
        let path = ArtifactLayout(root: p.artifacts).runLock
        try FileManager.default.createDirectory(atPath: p.artifacts, withIntermediateDirectories: true)
        try "pid 999999, started 2026-01-01T00:00:00Z".write(toFile: path, atomically: true, encoding: .utf8)
        let lines = try p.run().lines
        #expect(lines.contains("note: the previous run (pid 999999, started 2026-01-01T00:00:00Z) did not finish; resuming"))
    }
}

@Suite(.serialized) struct TeacherReuseTests {
    @Test func raisingMembersFrom2To3TrainsOnlyTheNewMember() throws {
        var p = try TestPipeline(members: 2)
        defer { p.remove() }
        try p.run()
        let before = try (0..<2).map { try p.bytes("teachers/species/member-\($0).h5") }
        p = try TestPipeline(members: 3, folder: p.folder)
        let lines = try p.run().lines
        #expect(lines.contains("  species/member-0: unchanged, reusing teachers/species/member-0.h5"))
        #expect(lines.contains("  species/member-1: unchanged, reusing teachers/species/member-1.h5"))
        #expect(lines.contains { $0.hasPrefix("  species/member-2: best epoch") })
        #expect(try (0..<2).map { try p.bytes("teachers/species/member-\($0).h5") } == before)
    }
}
