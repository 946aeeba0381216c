import Artifacts
import Foundation
import Testing
import TestSupport
@testable import Pipeline

/// `mtkd unit PIPELINE ID`: one network on its own against the artifacts folder.
@Suite(.serialized) struct UnitCommandTests {
    @Test func unitIdsNameTheOutputsOfEveryMemberAndReplicate() throws {
        let p = try TestPipeline(members: 2, extraStudentYAML: "    replicates: 2")
        defer { p.remove() }
        let ids = WorkUnit.all(try p.spec()).map(\.id)
        #expect(ids == ["teachers/species/member-0", "teachers/species/member-1", "teachers/mass/member-0", "teachers/mass/member-1",
                        "students/kd/replicate-0", "students/kd/replicate-1"])
    }

    @Test func aUnitRunAloneWritesTheSameBytesAsMtkdRun() throws {
        let reference = try TestPipeline(), alone = try TestPipeline()
        defer { reference.remove(); alone.remove() }
        try reference.run()
        #expect(try runCLI(["run", alone.file, "--only", "prepare", "--quiet"]).code == 0)
        for id in ["teachers/species/member-1", "teachers/species/member-0", "teachers/mass/member-0", "teachers/mass/member-1"] {
            let r = try runCLI(["unit", alone.file, id])
            #expect(r.code == 0, "\(r.err)")
            #expect(try alone.bytes(id + ".h5") == reference.bytes(id + ".h5"), "\(id) differs")
        }
        #expect(try runCLI(["run", alone.file, "--only", "soft-targets", "--quiet"]).code == 0)
        let r = try runCLI(["unit", alone.file, "students/kd/replicate-0"])
        #expect(r.code == 0, "\(r.err)")
        #expect(try alone.bytes("students/kd/replicate-0.h5") == reference.bytes("students/kd/replicate-0.h5"))
        let state = try #require(UnitState.read(WorkUnit.named("students/kd/replicate-0", in: alone.spec()), ArtifactLayout(root: alone.artifacts)))
        #expect(state.state == .done && state.reused == false && state.networks["kd/replicate-0"] != nil)
    }

    @Test func aUnitWhoseOutputIsCurrentExitsAtOnceWithoutTraining() throws {
        let p = try TestPipeline()
        defer { p.remove() }
        try p.run()
        let before = try p.bytes("teachers/species/member-0.h5")
        let r = try runCLI(["unit", p.file, "teachers/species/member-0"])
        #expect(r.code == 0, "\(r.err)")
        #expect(r.err.contains("  teachers/species/member-0: up to date, reusing teachers/species/member-0.h5\n"))
        #expect(!r.err.contains("epoch"))
        #expect(try p.bytes("teachers/species/member-0.h5") == before)
    }

    @Test func aStageUnitMakesTheBytesOfMtkdRunAndRecordsTheFingerprintItMadeThemUnder() throws {
        let reference = try TestPipeline(), alone = try TestPipeline()
        defer { reference.remove(); alone.remove() }
        try reference.run()
        #expect(try runCLI(["run", alone.file, "--only", "prepare", "--quiet"]).code == 0)
        #expect(try runCLI(["run", alone.file, "--only", "teachers", "--quiet"]).code == 0)
        let r = try runCLI(["unit", alone.file, "stage/soft-targets"])
        #expect(r.code == 0, "\(r.err)")
        #expect(r.err.contains("  species: 2 members × "), "\(r.err)")
        #expect(try alone.bytes("soft-targets.h5") == reference.bytes("soft-targets.h5"))
        // The run lock is not taken, and the lock file is the driver's: the unit records its fingerprint in its state file.
        #expect(try LockFile.read(from: alone.artifacts + "/mtkd.lock")?.stages["soft-targets"] == nil)
        let state = try #require(UnitState.read(WorkUnit.named("stage/soft-targets", in: alone.spec()), ArtifactLayout(root: alone.artifacts)))
        let recorded = try #require(try LockFile.read(from: reference.artifacts + "/mtkd.lock")?.stages["soft-targets"])
        #expect(state.state == .done && state.reused == false)
        #expect(state.fingerprint == recorded.fingerprint)
        #expect(state.outputs == recorded.outputs)
        // Run again, it finds its outputs current (from its state file) and exits at once.
        let again = try runCLI(["unit", alone.file, "stage/soft-targets"])
        #expect(again.code == 0)
        #expect(again.err.hasSuffix("  stage/soft-targets: up to date, reusing soft-targets.h5\n"), "\(again.err)")
        #expect(UnitState.read(try WorkUnit.named("stage/soft-targets", in: alone.spec()), ArtifactLayout(root: alone.artifacts))?.reused == true)
    }

    @Test func aStageUnitWhoseOutputsTheLockRecordsExitsAtOnce() throws {
        let p = try TestPipeline()
        defer { p.remove() }
        try p.run()
        let before = try p.bytes("report/metrics.json")
        let r = try runCLI(["unit", p.file, "stage/evaluate"])
        #expect(r.code == 0, "\(r.err)")
        #expect(r.err.hasSuffix("  stage/evaluate: up to date, reusing report/metrics.json\n"), "\(r.err)")
        #expect(try p.bytes("report/metrics.json") == before)
    }

    @Test func anUnknownUnitExitsWith64ListingTheUnits() throws {
        let p = try TestPipeline()
        defer { p.remove() }
        let r = try runCLI(["unit", p.file, "teachers/species/member-7"])
        #expect(r.code == 64)
        #expect(r.err == "error: no unit teachers/species/member-7 in tiny; units: teachers/species/member-0, teachers/species/member-1, "
                + "teachers/mass/member-0, teachers/mass/member-1, stage/soft-targets, students/kd/replicate-0, stage/evaluate\n")
    }

    @Test func aUnitWhoseInputsAreMissingFailsNamingTheInput() throws {
        let p = try TestPipeline()
        defer { p.remove() }
        let r = try runCLI(["unit", p.file, "teachers/species/member-0"])
        #expect(r.code == 1)
        #expect(r.err.hasSuffix("\nerror: unit teachers/species/member-0 failed: \(p.artifacts)/data/dataset.h5: input of stage teachers is missing\n"))
        let state = try #require(UnitState.read(WorkUnit.named("teachers/species/member-0", in: p.spec()), ArtifactLayout(root: p.artifacts)))
        #expect(state.state == .failed)
    }

    @Test func aSecondCopyOfARunningUnitIsRefused() throws {
        let p = try TestPipeline()
        defer { p.remove() }
        let unit = try WorkUnit.named("teachers/mass/member-1", in: p.spec())
        let held = try RunLock(path: UnitRunner.lockPath(unit, ArtifactLayout(root: p.artifacts)))
        defer { held.release() }
        let r = try runCLI(["unit", p.file, unit.id])
        #expect(r.code == 1)
        #expect(r.err.hasPrefix("error: unit teachers/mass/member-1 failed: another copy of this unit is running (pid \(getpid()), started "))
    }

    @Test func slurmOptionsWithoutTheSlurmExecutorAreBadUsage() throws {
        let p = try TestPipeline()
        defer { p.remove() }
        let r = try runCLI(["run", p.file, "--partition", "short"])
        #expect(r.code == 64)
        #expect(r.err == "error: --partition applies to the Slurm executor: add --executor slurm (or executor: {kind: slurm} in the pipeline file)\n")
    }

    @Test func studentRanksWithoutTheSlurmExecutorPointsToMpirun() throws {
        let p = try TestPipeline()
        defer { p.remove() }
        let r = try runCLI(["run", p.file, "--student-ranks", "2"])
        #expect(r.code == 64)
        #expect(r.err == "error: --student-ranks applies to the Slurm executor: add --executor slurm, or run `mpirun -np N mtkd run …` to train students over N ranks here\n")
    }

    @Test func zeroStudentRanksOnTheCommandLineIsRefused() throws {
        let p = try TestPipeline()
        defer { p.remove() }
        let r = try runCLI(["run", p.file, "--executor", "slurm", "--student-ranks", "0"])
        #expect(r.code == 64)
        #expect(r.err.hasPrefix("Error: --student-ranks must be between 1 and 1024, got 0\n"))
    }

    @Test func aTeacherMemberUnitUnderMpirunIsRefusedOnEveryRank() throws {
        let p = try TestPipeline()
        defer { p.remove() }
        guard let r = try MPIRunTests.mpiRun(2, ["unit", p.file, "teachers/species/member-0"]) else { return }
        #expect(r.code == 64)
        #expect(r.err.contains("error: teachers/species/member-0 is a teacher member: it trains in one process, not over 2 MPI ranks (run it without mpirun)\n"))
        #expect(!FileManager.default.fileExists(atPath: p.artifacts + "/units/teachers/species/member-0.json"))
    }
}

/// `mtkd run --executor slurm` where Slurm is not installed.
@Suite struct SlurmMissingTests {
    @Test func theSlurmExecutorWithoutSbatchOnPathFailsBeforeAnyStage() throws {
        let p = try TestPipeline()
        defer { p.remove() }
        let r = try runProcess("/usr/bin/env", ["PATH=/nonexistent", TestPipeline.binary, "run", p.file, "--executor", "slurm"])
        #expect(r.code == 1)
        #expect(r.err.hasSuffix("error: --executor slurm needs Slurm's commands, and sbatch is not on PATH\n"))
        #expect(!FileManager.default.fileExists(atPath: p.artifacts + "/data/dataset.h5"))
    }

    @Test func studentRanksWithoutMpirunOnPathFailsBeforeAnyStage() throws {
        let p = try TestPipeline()
        defer { p.remove() }
        // Slurm's commands (never called) but no mpirun.
        let bin = p.folder + "/bin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        for name in ["sbatch", "squeue"] {
            _ = FileManager.default.createFile(atPath: bin + "/" + name, contents: Data("#!/bin/sh\nexit 1\n".utf8),
                                               attributes: [.posixPermissions: 0o755])
        }
        let r = try runProcess("/usr/bin/env", ["PATH=\(bin)", TestPipeline.binary, "run", p.file, "--executor", "slurm", "--student-ranks", "2"])
        #expect(r.code == 1)
        #expect(r.err.hasSuffix("error: student_ranks 2 launches each student replicate with Open MPI's mpirun, which is not on PATH "
                                + "(the jobs inherit this PATH; apt-get install openmpi-bin)\n"), "\(r.err)")
        #expect(!FileManager.default.fileExists(atPath: p.artifacts + "/data/dataset.h5"))
    }
}
