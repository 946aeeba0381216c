import Artifacts
import Foundation
import Testing
import TestSupport
@testable import Pipeline

/// `mtkd run --executor slurm --student-ranks 2`: each student replicate a Slurm job of 2 tasks
/// running `mpirun -np 2 mtkd unit …`. Needs a Slurm (MTKD_REQUIRE_SLURM) and Open MPI's
/// mpirun (MTKD_REQUIRE_MPI), as the Slurm and MPI tests do.
@Suite(.serialized, .enabled(if: SlurmHere.shouldRun)) struct SlurmMPITests {
    /// Every artifact but the executor's own files (units/, slurm/).
    func results(_ p: TestPipeline) throws -> [String: Data] {
        try p.artifactBytes().filter { !$0.key.hasPrefix("units/") && !$0.key.hasPrefix("slurm/") }
    }

    func expectSameBytes(_ a: [String: Data], _ b: [String: Data]) {
        #expect(a.keys.sorted() == b.keys.sorted())
        for (k, v) in a { #expect(b[k] == v, "\(k) differs from the mpirun run") }
    }

    /// Slurm and mpirun are both there (a recorded issue when either is required but missing).
    func ready() -> Bool {
        guard SlurmHere.check() else { return false }
        if MPIRunTests.mpirun == nil {
            if MPIRunTests.required { Issue.record("MTKD_REQUIRE_MPI=1 but no mpirun on PATH (apt-get install openmpi-bin libopenmpi-dev)") }
            return false
        }
        return true
    }

    /// The environment of a driver whose jobs run mpirun (Slurm passes it on): as root, Open MPI's consent.
    static var environment: [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
        env["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
        return env
    }

    /// Starts `mtkd ARGUMENTS` with that environment, its standard error into a file.
    func start(_ arguments: [String], errors: String) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: TestPipeline.binary)
        p.arguments = arguments
        p.environment = Self.environment
        _ = FileManager.default.createFile(atPath: errors, contents: nil)
        p.standardOutput = FileHandle.nullDevice
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errors))
        p.standardInput = FileHandle.nullDevice
        try p.run()
        return p
    }

    /// Runs `mtkd ARGUMENTS` to the end with that environment.
    func mtkd(_ arguments: [String]) throws -> (code: Int32, out: String, err: String) {
        let errors = NSTemporaryDirectory() + "mtkd-err-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: errors) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: TestPipeline.binary)
        p.arguments = arguments
        p.environment = Self.environment
        let out = Pipe()
        _ = FileManager.default.createFile(atPath: errors, contents: nil)
        p.standardOutput = out
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errors))
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), (try? String(contentsOfFile: errors, encoding: .utf8)) ?? "")
    }

    /// The process of MPI rank `rank` running a unit of the pipeline `file`, found through /proc.
    func rankProcess(_ rank: Int, of file: String) -> pid_t? {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return nil }
        for entry in entries {
            guard let pid = pid_t(entry),
                  let command = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline"),
                  let environ = FileManager.default.contents(atPath: "/proc/\(entry)/environ") else { continue }
            let args = command.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            let env = environ.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            if args.count >= 3, args[1] == "unit", args[2] == file, env.contains("OMPI_COMM_WORLD_RANK=\(rank)") { return pid }
        }
        return nil
    }

    @Test func studentsTrainedOverTwoRanksUnderSlurmHaveTheBytesOfMpirunLocally() throws {
        guard ready() else { return }
        let local = try TestPipeline(epochs: 5, studentEpochs: 30), slurm = try TestPipeline(epochs: 5, studentEpochs: 30)
        defer { local.remove(); slurm.remove() }
        let reference = try #require(try MPIRunTests.mpiRun(2, ["run", local.file, "--quiet"]))
        #expect(reference.code == 0, "\(reference.err)")

        let r = try mtkd(["run", slurm.file, "--executor", "slurm", "--student-ranks", "2"])
        #expect(r.code == 0, "\(r.err)")
        #expect(r.err.contains("  submitted 4 units as Slurm job array "))  // teachers: one process each
        #expect(r.err.contains(" (0-0), each 2 MPI ranks of 1 CPU, after job "))  // after the soft targets
        #expect(r.err.contains(", data-parallel over 2 MPI ranks)\n"))
        let record = SlurmExecutor.readRecord(ArtifactLayout(root: slurm.artifacts))
        #expect(record.stages["student:kd"]?.sbatch?.contains("--ntasks=2") == true)
        #expect(record.stages["teachers"]?.sbatch?.contains { $0.hasPrefix("--ntasks") } == false)
        let script = try String(contentsOfFile: slurm.artifacts + "/slurm/student-kd.sh", encoding: .utf8)
        #expect(script.contains("\nexec mpirun -np \"$SLURM_NTASKS\" --bind-to none /") && script.contains("/mtkd unit \(slurm.file) \"${units[$SLURM_ARRAY_TASK_ID]}\" "))
        expectSameBytes(try results(local), try results(slurm))
        #expect(try ModelFile.read(from: slurm.artifacts + "/students/kd/replicate-0.h5").ranks == 2)
    }

    @Test func aStudentTrainedOverTwoRanksIsCurrentForTwoRanksAndStaleForOne() throws {
        guard ready() else { return }
        let p = try TestPipeline(epochs: 5, studentEpochs: 10), one = try TestPipeline(epochs: 5, studentEpochs: 10)
        defer { p.remove(); one.remove() }
        let two = try #require(try MPIRunTests.mpiRun(2, ["run", p.file, "--quiet"]))
        #expect(two.code == 0, "\(two.err)")

        let again = try mtkd(["run", p.file, "--executor", "slurm", "--student-ranks", "2"])
        #expect(again.code == 0, "\(again.err)")
        #expect(again.err.contains("mtkd: pipeline tiny is up to date"))
        // A local run keeps the student whatever its rank count.
        #expect(try runCLI(["run", p.file]).err.contains("mtkd: pipeline tiny is up to date"))
        // The file's executor decides what `mtkd status` says.
        var yaml = try String(contentsOfFile: p.file, encoding: .utf8)
        yaml += "\nexecutor: {kind: slurm}\n"
        try p.write(yaml: yaml)
        let status = try runCLI(["status", p.file])
        #expect(status.out.contains("  student:kd    stale\n"), "\(status.out)")
        #expect(status.out.contains("- students/kd/replicate-0.h5 was trained over 2 MPI ranks, student_ranks is 1\n"), "\(status.out)")

        let r = try mtkd(["run", p.file])
        #expect(r.code == 0, "\(r.err)")
        #expect(r.err.contains("==> student:kd (stale: students/kd/replicate-0.h5 was trained over 2 MPI ranks, student_ranks is 1)\n"), "\(r.err)")
        #expect(r.err.contains(" (0-0), 1 CPU each\n"))
        #expect(!r.err.contains("==> teachers\n"))
        // Now what one process writes.
        try one.run()
        #expect(try p.bytes("students/kd/replicate-0.h5") == one.bytes("students/kd/replicate-0.h5"))
        #expect(try ModelFile.read(from: p.artifacts + "/students/kd/replicate-0.h5").ranks == nil)
    }

    @Test func aRankKilledMidStudentFailsTheUnitAndTheNextRunResumesItToTheSameBytes() throws {
        guard ready() else { return }
        let reference = try TestPipeline(epochs: 5, studentEpochs: 300), killed = try TestPipeline(epochs: 5, studentEpochs: 300)
        defer { reference.remove(); killed.remove() }
        let full = try #require(try MPIRunTests.mpiRun(2, ["run", reference.file, "--quiet"]))
        #expect(full.code == 0, "\(full.err)")

        let errors = killed.folder + "/driver.err"
        let driver = try start(["run", killed.file, "--executor", "slurm", "--student-ranks", "2"], errors: errors)
        // kill -9 of rank 1 once the replicate has checkpointed: rank 0 waits in a collective, mpirun ends it.
        let checkpoint = killed.artifacts + "/checkpoints/students/kd/replicate-0.h5"
        let deadline = Date().addingTimeInterval(90)
        var victim: pid_t?
        while driver.isRunning && Date() < deadline {
            if FileManager.default.fileExists(atPath: checkpoint), let pid = rankProcess(1, of: killed.file) {
                kill(pid, SIGKILL)
                victim = pid
                break
            }
            usleep(10_000)
        }
        driver.waitUntilExit()
        let text = try String(contentsOfFile: errors, encoding: .utf8)
        #expect(victim != nil, "rank 1 was not found before the run ended: \(text)")
        #expect(driver.terminationStatus == 1)
        #expect(text.contains("  unit students/kd/replicate-0 (job "), "\(text)")
        #expect(text.contains("  last lines of slurm/logs/student-kd/"))
        #expect(text.contains("    | mpirun noticed that process rank 1 with PID \(victim ?? 0) on node "))
        #expect(text.hasSuffix("error: stage student:kd failed: 1 of 1 unit failed (students/kd/replicate-0); "
                               + "`mtkd run --executor slurm` submits it again, resuming from the last checkpoint\n"))
        #expect(FileManager.default.fileExists(atPath: checkpoint))

        let again = try mtkd(["run", killed.file, "--executor", "slurm", "--student-ranks", "2"])
        #expect(again.code == 0, "\(again.err)")
        #expect(again.err.contains("  submitted 1 unit as Slurm job array "))
        #expect(again.err.contains("  kd/replicate-0: resuming from its checkpoint at epoch "))
        expectSameBytes(try results(reference), try results(killed))
    }

    @Test func unitsWaitingOnAFailedDependencyAreCancelledAndTheRunSaysWhy() throws {
        guard ready() else { return }
        let p = try TestPipeline(epochs: 3, studentEpochs: 3)
        defer { p.remove() }
        let sbatch = try #require(Slurm.which("sbatch"))
        let failing = try runProcess(sbatch, ["--parsable", "--output=/dev/null", "--job-name=mtkd-test-failing", "--wrap", "exit 3"])
        #expect(failing.code == 0, "\(failing.err)")
        let dependency = failing.out.trimmingCharacters(in: .whitespacesAndNewlines)

        let r = try mtkd(["run", p.file, "--executor", "slurm", "--sbatch-arg=--dependency=afterok:\(dependency)"])
        #expect(r.code == 1)
        let job = try #require(SlurmExecutor.readRecord(ArtifactLayout(root: p.artifacts)).stages["teachers"]?.job)
        #expect(r.err.hasSuffix("error: stage teachers failed: the units of teachers (job \(job)) can never start: a job they depend on "
                                + "(--dependency in sbatch_args) did not succeed (Slurm: DependencyNeverSatisfied); cancelled them with scancel \(job)\n"),
                "\(r.err)")
        #expect(Slurm.queueState(job: job, name: "mtkd-tiny-teachers") == .gone)
        // The cancelled job stays recorded; the next run finds it gone and submits again.
        let again = try mtkd(["run", p.file, "--executor", "slurm"])
        #expect(again.code == 0, "\(again.err)")
        #expect(again.err.contains("  submitted 4 units as Slurm job array "))
    }
}
