import Artifacts
import Foundation
import Testing
import TestSupport
@testable import Pipeline

/// Whether a Slurm is there to submit to (`sinfo` shows a usable node). The tests run when it
/// is, and fail rather than skip when MTKD_REQUIRE_SLURM=1 (set by scripts/test).
enum SlurmHere {
    static let available: Bool = {
        guard let sinfo = Slurm.which("sinfo"), let r = try? runProcess(sinfo, ["-h", "-o", "%t"]), r.code == 0 else { return false }
        return r.out.split(separator: "\n").contains { ["idle", "mix", "alloc"].contains($0.trimmingCharacters(in: .whitespaces)) }
    }()
    static let required = ProcessInfo.processInfo.environment["MTKD_REQUIRE_SLURM"] == "1"
    static var shouldRun: Bool { available || required }

    /// False (with a recorded failure) when the tests must run but Slurm is not there.
    static func check() -> Bool {
        if !available { Issue.record("MTKD_REQUIRE_SLURM=1 but no Slurm node is up (start one with scripts/slurm-local start)") }
        return available
    }
}

/// `mtkd run --executor slurm` on a single-node Slurm: the same bytes as a local run, a killed
/// driver that finds its jobs again, a cancelled unit that resumes from its checkpoint.
@Suite(.serialized, .enabled(if: SlurmHere.shouldRun)) struct SlurmExecutorTests {
    /// Every artifact but the executor's own files (units/, slurm/).
    func results(_ p: TestPipeline) throws -> [String: Data] {
        try p.artifactBytes().filter { !$0.key.hasPrefix("units/") && !$0.key.hasPrefix("slurm/") }
    }

    func expectSameBytes(_ a: [String: Data], _ b: [String: Data]) {
        #expect(a.keys.sorted() == b.keys.sorted())
        for (k, v) in a { #expect(b[k] == v, "\(k) differs from the local run") }
    }

    /// The job id recorded for `stage`, once the driver submitted it (nil after `seconds`).
    func submittedJob(_ p: TestPipeline, stage: String, within seconds: Double = 60) -> String? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let job = SlurmExecutor.readRecord(ArtifactLayout(root: p.artifacts)).stages[stage]?.job { return job }
            usleep(50_000)
        }
        return nil
    }

    func startDriver(_ p: TestPipeline) throws -> Process {
        let proc = Process()
        proc.executableURL = URL(fileURLWithPath: TestPipeline.binary)
        proc.arguments = ["run", p.file, "--executor", "slurm", "--quiet"]
        proc.standardOutput = FileHandle.nullDevice
        proc.standardError = FileHandle.nullDevice
        try proc.run()
        return proc
    }

    @Test func theQuickstartThroughSlurmIsByteIdenticalToALocalRun() throws {
        guard SlurmHere.check() else { return }
        let folder = NSTemporaryDirectory() + "mtkd-slurm-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let quickstart = TestPipeline.repository + "/pipelines/quickstart.yaml"
        let local = try runCLI(["run", quickstart, "--artifacts", folder + "/local", "--jobs", "2"])
        #expect(local.code == 0, "\(local.err)")
        let slurm = try runCLI(["run", quickstart, "--artifacts", folder + "/slurm", "--executor", "slurm"])
        #expect(slurm.code == 0, "\(slurm.err)")
        #expect(slurm.err.contains("  submitted 6 units as Slurm job array "))
        #expect(slurm.err.contains("  submitted 3 units as Slurm job array "))
        #expect(slurm.err.contains("species/member-2: best epoch"))
        #expect(slurm.out == local.out)
        func files(_ root: String) throws -> [String: Data] {
            var out: [String: Data] = [:]
            for case let rel as String in FileManager.default.enumerator(atPath: root)! {
                var isDir: ObjCBool = false
                guard FileManager.default.fileExists(atPath: root + "/" + rel, isDirectory: &isDir), !isDir.boolValue,
                      !["timings.json", ".mtkd-run.lock"].contains(rel), !rel.hasPrefix("units/"), !rel.hasPrefix("slurm/") else { continue }
                out[rel] = try Data(contentsOf: URL(fileURLWithPath: root + "/" + rel))
            }
            return out
        }
        expectSameBytes(try files(folder + "/local/quickstart"), try files(folder + "/slurm/quickstart"))
        // Switching executors never makes a stage stale.
        let again = try runCLI(["run", quickstart, "--artifacts", folder + "/slurm"])
        #expect(again.code == 0)
        #expect(again.err.contains("mtkd: pipeline quickstart is up to date"))
    }

    @Test func aKilledDriverRunAgainWaitsForItsJobsInsteadOfSubmittingTwice() throws {
        guard SlurmHere.check() else { return }
        let reference = try TestPipeline(epochs: 400, studentEpochs: 20), killed = try TestPipeline(epochs: 400, studentEpochs: 20)
        defer { reference.remove(); killed.remove() }
        try reference.run(RunOptions(jobs: 2))

        let driver = try startDriver(killed)
        let job = try #require(submittedJob(killed, stage: "teachers"), "the driver never submitted the teachers")
        kill(driver.processIdentifier, SIGKILL)
        driver.waitUntilExit()
        let status = try runCLI(["status", killed.file])
        #expect(status.out.contains("  teachers      running\n"), "\(status.out)")
        #expect(status.out.contains("- units queued or running under Slurm (job \(job)); `mtkd run --executor slurm` waits for them\n"))

        let again = try runCLI(["run", killed.file, "--executor", "slurm"])
        #expect(again.code == 0, "\(again.err)")
        #expect(again.err.contains("  4 units still queued or running under Slurm (job \(job)): waiting for them, not submitting again\n"))
        #expect(!again.err.contains("units as Slurm job array \(job)"))
        // The stages after the teachers were submitted by one of the two drivers, once.
        let record = SlurmExecutor.readRecord(ArtifactLayout(root: killed.artifacts))
        #expect(record.stages.keys.sorted() == ["evaluate", "soft-targets", "student:kd", "teachers"])
        #expect(record.stages["teachers"]?.job == job)
        expectSameBytes(try results(reference), try results(killed))
    }

    /// Each stage's job from `slurm/jobs.json`, and the `--dependency` it was submitted with (nil: none).
    func dependencies(_ p: TestPipeline) -> [String: (job: String, dependency: String?)] {
        SlurmExecutor.readRecord(ArtifactLayout(root: p.artifacts)).stages.mapValues { s in
            (s.job, s.sbatch?.first { $0.hasPrefix("--dependency=") })
        }
    }

    /// Waits until Slurm has none of `jobs` queued or running (false after `seconds`).
    func waitUntilGone(_ jobs: [(stage: String, job: String)], pipeline: String = "tiny", within seconds: Double = 120) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if jobs.allSatisfy({ Slurm.queueState(job: $0.job, name: "mtkd-\(pipeline)-\(SlurmExecutor.slug($0.stage))") == .gone }) { return true }
            usleep(200_000)
        }
        return false
    }

    @Test func everyStageIsSubmittedBeforeTheFirstFinishesEachAfterTheJobsOfTheStagesItReads() throws {
        guard SlurmHere.check() else { return }
        let p = try TestPipeline(epochs: 400, studentEpochs: 20)
        defer { p.remove() }
        let driver = try startDriver(p)
        let teachers = try #require(submittedJob(p, stage: "teachers"), "the driver never submitted the teachers")
        _ = try #require(submittedJob(p, stage: "evaluate"), "the driver never submitted evaluate")
        // The teachers (400 epochs) are still training: everything was submitted at once.
        #expect(Slurm.queueState(job: teachers, name: "mtkd-tiny-teachers") == .active)
        let jobs = dependencies(p)
        let softTargets = try #require(jobs["soft-targets"]?.job), kd = try #require(jobs["student:kd"]?.job)
        #expect(jobs["teachers"]?.dependency == nil)
        #expect(jobs["soft-targets"]?.dependency == "--dependency=afterok:\(teachers)")
        #expect(jobs["student:kd"]?.dependency == "--dependency=afterok:\(softTargets)")
        #expect(jobs["evaluate"]?.dependency == "--dependency=afterok:\(teachers):\(kd)")
        #expect(SlurmExecutor.readRecord(ArtifactLayout(root: p.artifacts)).stages["soft-targets"]?.units == ["stage/soft-targets"])
        // Slurm holds them until every task of the array they read from succeeded.
        let scontrol = try runProcess(try #require(Slurm.which("scontrol")), ["show", "job", softTargets])
        #expect(scontrol.out.contains("JobState=PENDING "), "\(scontrol.out)")
        #expect(scontrol.out.contains(" Dependency=afterok:\(teachers)_*(unfulfilled)\n"), "\(scontrol.out)")
        driver.waitUntilExit()
        #expect(driver.terminationStatus == 0)
        let lock = try #require(try LockFile.read(from: p.artifacts + "/mtkd.lock"))
        #expect(lock.stages.keys.sorted() == ["evaluate", "prepare", "soft-targets", "student:kd", "teachers"])
    }

    @Test func aDriverKilledRightAfterSubmittingLeavesJobsThatCompleteAndARerunRecordsThemWithoutSubmitting() throws {
        guard SlurmHere.check() else { return }
        let reference = try TestPipeline(epochs: 100, studentEpochs: 20), killed = try TestPipeline(epochs: 100, studentEpochs: 20)
        defer { reference.remove(); killed.remove() }
        try reference.run(RunOptions(jobs: 2))

        let driver = try startDriver(killed)
        _ = try #require(submittedJob(killed, stage: "evaluate"), "the driver never submitted evaluate")
        kill(driver.processIdentifier, SIGKILL)
        driver.waitUntilExit()
        let submitted = dependencies(killed).map { (stage: $0.key, job: $0.value.job) }
        #expect(submitted.count == 4)
        #expect(waitUntilGone(submitted), "the jobs did not end")
        #expect(FileManager.default.fileExists(atPath: killed.artifacts + "/report/metrics.json"), "the pipeline did not complete on its own")
        #expect(try LockFile.read(from: killed.artifacts + "/mtkd.lock")?.stages["teachers"] == nil)

        let again = try runCLI(["run", killed.file, "--executor", "slurm"])
        #expect(again.code == 0, "\(again.err)")
        #expect(!again.err.contains("submitted"), "\(again.err)")
        #expect(again.err.contains("  soft-targets: unchanged, reusing soft-targets.h5\n"))
        #expect(again.err.contains("  evaluate: unchanged, reusing report/metrics.json\n"))
        #expect(dependencies(killed).mapValues(\.job) == Dictionary(uniqueKeysWithValues: submitted.map { ($0.stage, $0.job) }))
        let lock = try #require(try LockFile.read(from: killed.artifacts + "/mtkd.lock"))
        #expect(lock.stages.keys.sorted() == ["evaluate", "prepare", "soft-targets", "student:kd", "teachers"])
        expectSameBytes(try results(reference), try results(killed))
    }

    @Test func aFailingTeacherUnitCancelsTheJobsSubmittedAfterItAndTheNextRunGoesOnFromThere() throws {
        guard SlurmHere.check() else { return }
        let reference = try TestPipeline(epochs: 5, studentEpochs: 5), p = try TestPipeline(epochs: 5, studentEpochs: 5)
        defer { reference.remove(); p.remove() }
        try reference.run(RunOptions(jobs: 2))
        #expect(try runCLI(["run", p.file, "--only", "prepare", "--quiet"]).code == 0)
        // A member file that cannot be replaced: unit teachers/mass/member-1 fails writing it.
        let blocker = p.artifacts + "/teachers/mass/member-1.h5"
        try FileManager.default.createDirectory(atPath: blocker, withIntermediateDirectories: true)
        try Data("x".utf8).write(to: URL(fileURLWithPath: blocker + "/keep"))
        let r = try runCLI(["run", p.file, "--executor", "slurm"])
        #expect(r.code == 1)
        let jobs = dependencies(p)
        let later = try ["soft-targets", "student:kd", "evaluate"].map { (stage: $0, job: try #require(jobs[$0]?.job)) }
        #expect(r.err.contains("  unit teachers/mass/member-1 (job "))
        #expect(r.err.contains("  last lines of slurm/logs/teachers/"))
        #expect(r.err.hasSuffix("  cancelled the jobs submitted after it: scancel \(later.map(\.job).joined(separator: " "))\n"
                                + "error: stage teachers failed: 1 of 4 units failed (teachers/mass/member-1); "
                                + "`mtkd run --executor slurm` submits it again, resuming from the last checkpoint\n"), "\(r.err)")
        for (stage, job) in later { #expect(Slurm.queueState(job: job, name: "mtkd-tiny-\(SlurmExecutor.slug(stage))") == .gone, "\(stage)") }
        #expect(try LockFile.read(from: p.artifacts + "/mtkd.lock")?.stages["teachers"] == nil)

        try FileManager.default.removeItem(atPath: blocker)
        let again = try runCLI(["run", p.file, "--executor", "slurm"])
        #expect(again.code == 0, "\(again.err)")
        #expect(again.err.contains("  submitted 1 unit as Slurm job array "))  // mass/member-1 only, then the later stages
        #expect(again.err.contains("  species/member-0: unchanged, reusing teachers/species/member-0.h5\n"))
        for (stage, job) in later { #expect(dependencies(p)[stage]?.job != job, "\(stage) was not submitted again") }
        expectSameBytes(try results(reference), try results(p))
    }

    @Test func aJobADriverSubmittedButNeverRecordedIsCancelledBeforeItsStageIsSubmittedAgain() throws {
        guard SlurmHere.check() else { return }
        let p = try TestPipeline(epochs: 3, studentEpochs: 3)
        defer { p.remove() }
        #expect(try runCLI(["run", p.file, "--only", "prepare", "--quiet"]).code == 0)
        // What a driver killed between sbatch and writing slurm/jobs.json leaves: a job of the stage's script, not recorded.
        let script = p.artifacts + "/slurm/teachers.sh"
        try FileManager.default.createDirectory(atPath: p.artifacts + "/slurm", withIntermediateDirectories: true)
        try Data("#!/bin/bash\nsleep 60\n".utf8).write(to: URL(fileURLWithPath: script))
        chmod(script, 0o755)
        let sbatch = try runProcess(try #require(Slurm.which("sbatch")), ["--parsable", "--hold", "--job-name=mtkd-tiny-teachers", "--output=/dev/null", script])
        let orphan = sbatch.out.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(sbatch.code == 0 && !orphan.isEmpty, "\(sbatch.err)")
        let r = try runCLI(["run", p.file, "--executor", "slurm"])
        #expect(r.code == 0, "\(r.err)")
        #expect(r.err.contains("==> teachers\n  cancelled job \(orphan) of teachers, submitted by a driver stopped before it recorded the job\n"
                               + "  submitted 4 units as Slurm job array "), "\(r.err)")
        #expect(Slurm.queueState(job: orphan, name: "mtkd-tiny-teachers") == .gone)
    }

    @Test func aCancelledUnitFailsItsStageAndResumesFromItsCheckpointWhenSubmittedAgain() throws {
        guard SlurmHere.check() else { return }
        let reference = try TestPipeline(epochs: 400, studentEpochs: 20), cancelled = try TestPipeline(epochs: 400, studentEpochs: 20)
        defer { reference.remove(); cancelled.remove() }
        try reference.run(RunOptions(jobs: 2))

        let driver = try startDriver(cancelled)
        let job = try #require(submittedJob(cancelled, stage: "teachers"), "the driver never submitted the teachers")
        let checkpoint = cancelled.artifacts + "/checkpoints/teachers/species/member-0.h5"
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: checkpoint) && Date() < deadline { usleep(20_000) }
        #expect(FileManager.default.fileExists(atPath: checkpoint), "member-0 never wrote a checkpoint")
        let scancel = try runProcess(try #require(Slurm.which("scancel")), ["\(job)_0"])
        #expect(scancel.code == 0, "\(scancel.err)")
        driver.waitUntilExit()
        #expect(driver.terminationStatus == 1)
        let status = try runCLI(["status", cancelled.file])
        #expect(status.out.contains("teachers"))

        let again = try runCLI(["run", cancelled.file, "--executor", "slurm"])
        #expect(again.code == 0, "\(again.err)")
        #expect(again.err.contains("  submitted 1 unit as Slurm job array "))
        #expect(again.err.contains("species/member-0: resuming from its checkpoint at epoch "))
        expectSameBytes(try results(reference), try results(cancelled))
    }

    @Test func aFailedUnitShowsTheTailOfItsLog() throws {
        guard SlurmHere.check() else { return }
        let p = try TestPipeline(epochs: 5, studentEpochs: 5)
        defer { p.remove() }
        #expect(try runCLI(["run", p.file, "--only", "prepare", "--quiet"]).code == 0)
        // A member file that cannot be replaced: the unit fails writing it.
        let folder = p.artifacts + "/teachers/mass"
        try FileManager.default.createDirectory(atPath: folder + "/member-1.h5", withIntermediateDirectories: true)
        try Data("x".utf8).write(to: URL(fileURLWithPath: folder + "/member-1.h5/keep"))
        let r = try runCLI(["run", p.file, "--executor", "slurm", "--only", "teachers"])
        #expect(r.code == 1)
        #expect(r.err.contains("  unit teachers/mass/member-1 (job "))
        #expect(r.err.contains("  last lines of slurm/logs/teachers/"))
        #expect(r.err.contains("    | mtkd unit teachers/mass/member-1 (pipeline tiny, job "))
        #expect(r.err.contains("error: stage teachers failed: 1 of 4 units failed (teachers/mass/member-1); `mtkd run --executor slurm` submits it again, resuming from the last checkpoint\n"))
    }

    @Test func commandLineOptionsOverTheFilesExecutorBlockReachSbatch() throws {
        guard SlurmHere.check() else { return }
        let p = try TestPipeline(epochs: 3, studentEpochs: 3)
        defer { p.remove() }
        var yaml = try String(contentsOfFile: p.file, encoding: .utf8)
        yaml += "\nexecutor: {kind: slurm, time_limit: \"10\", cpus_per_unit: 2, sbatch_args: [--comment=from-the-file]}\n"
        try p.write(yaml: yaml)
        let r = try runCLI(["run", p.file, "--partition", "debug", "--cpus-per-unit", "1", "--sbatch-arg=--comment=from-the-command-line"])
        #expect(r.code == 0, "\(r.err)")
        let sbatch = try #require(SlurmExecutor.readRecord(ArtifactLayout(root: p.artifacts)).stages["teachers"]?.sbatch)
        #expect(sbatch.contains("--partition=debug"))
        #expect(sbatch.contains("--time=10"))
        #expect(sbatch.contains("--cpus-per-task=1"))
        #expect(sbatch.contains("--comment=from-the-command-line") && !sbatch.contains("--comment=from-the-file"))
        #expect(sbatch.contains("--job-name=mtkd-tiny-teachers"))
    }

    @Test func aDriverStoppedWithSigtermLeavesItsUnitsRunningAndSaysHowToGoOn() throws {
        guard SlurmHere.check() else { return }
        let p = try TestPipeline(epochs: 400, studentEpochs: 20)
        defer { p.remove() }
        let proc = Process()
        proc.executableURL = URL(fileURLWithPath: TestPipeline.binary)
        proc.arguments = ["run", p.file, "--executor", "slurm"]
        let err = Pipe()
        proc.standardOutput = FileHandle.nullDevice
        proc.standardError = err
        try proc.run()
        let job = try #require(submittedJob(p, stage: "teachers"), "the driver never submitted the teachers")
        kill(proc.processIdentifier, SIGTERM)
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        proc.waitUntilExit()
        #expect(proc.terminationStatus == 143)
        let record = SlurmExecutor.readRecord(ArtifactLayout(root: p.artifacts))
        let later = try ["soft-targets", "student:kd", "evaluate"].map { try #require(record.stages[$0]?.job) }
        #expect(text.hasSuffix("interrupted; the units of teachers keep running under Slurm (job \(job)), the stages after it too (jobs "
                               + "\(later.joined(separator: ", "))): `mtkd run` again waits for them, `scancel \(([job] + later).joined(separator: " "))` stops them\n"),
                "\(text)")
        #expect(Slurm.queueState(job: job, name: "mtkd-tiny-teachers") == .active)
        let again = try runCLI(["run", p.file, "--executor", "slurm"])
        #expect(again.code == 0, "\(again.err)")
    }

    @Test func unitsThatReadAnEditedPipelineFileAreNotRecordedUnderTheRunsFingerprint() throws {
        guard SlurmHere.check() else { return }
        let p = try TestPipeline(epochs: 5, studentEpochs: 5)
        defer { p.remove() }
        let proc = Process()
        proc.executableURL = URL(fileURLWithPath: TestPipeline.binary)
        // The units start 3 s after submission: the file is edited before any of them reads it.
        proc.arguments = ["run", p.file, "--executor", "slurm", "--sbatch-arg=--begin=now+3"]
        let err = Pipe()
        proc.standardOutput = FileHandle.nullDevice
        proc.standardError = err
        try proc.run()
        _ = try #require(submittedJob(p, stage: "teachers"), "the driver never submitted the teachers")
        let yaml = try String(contentsOfFile: p.file, encoding: .utf8)
        try p.write(yaml: yaml.replacingOccurrences(of: "epochs: 5, batch_size: 16, learning_rate: 0.01}", with: "epochs: 5, batch_size: 16, learning_rate: 0.02}"))
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        proc.waitUntilExit()
        #expect(proc.terminationStatus == 1)
        #expect(text.hasSuffix("error: stage teachers failed: teachers/species/member-0, teachers/species/member-1, teachers/mass/member-0, "
                               + "teachers/mass/member-1 were trained with other settings than this run's (was the pipeline file or its data "
                               + "changed while the units ran?); `mtkd run --executor slurm` again trains them\n"), "\(text)")
        let lock = try LockFile.read(from: p.artifacts + "/mtkd.lock")
        #expect(lock?.stages["teachers"] == nil)
    }
}
