import Artifacts
import Foundation
import Testing
@testable import Pipeline

/// `mpirun -np 2 mtkd run …`: a student trained data-parallel by two Open MPI ranks. Skipped
/// only when `mpirun` is missing and MTKD_REQUIRE_MPI is unset (scripts/test sets it).
@Suite(.serialized) struct MPIRunTests {
    static let mpirun: String? = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        .split(separator: ":").map { "\($0)/mpirun" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    static let required = ProcessInfo.processInfo.environment["MTKD_REQUIRE_MPI"] == "1"

    /// Runs `mtkd ARGUMENTS` on `ranks` ranks; nil (with an issue when MPI is required) without mpirun.
    static func mpiRun(_ ranks: Int, _ arguments: [String]) throws -> (code: Int32, out: String, err: String)? {
        guard let mpirun else {
            if required { Issue.record("MTKD_REQUIRE_MPI=1 but no mpirun on PATH (apt-get install openmpi-bin libopenmpi-dev)") }
            return nil
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: mpirun)
        // As root in a container: Open MPI's consent variables; more ranks than cores allowed.
        p.arguments = ["-np", "\(ranks)", "--oversubscribe", "--bind-to", "none", TestPipeline.binary] + arguments
        var env = ProcessInfo.processInfo.environment
        env["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
        env["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    static let student = "students/kd/replicate-0.h5"

    @Test func twoRanksTrainTheStudentIdenticallyEachTimeAndLikeOneRank() throws {
        let p = try TestPipeline(epochs: 10, studentEpochs: 40)
        defer { p.remove() }
        try p.run()  // one process: every stage
        let one = try ModelFile.read(from: p.artifacts + "/" + Self.student)
        let oneBytes = try p.bytes(Self.student)

        guard let first = try Self.mpiRun(2, ["run", p.file, "--only", "student:kd", "--force"]) else { return }
        #expect(first.code == 0, "\(first.err)")
        #expect(first.err.contains("data-parallel over 2 MPI ranks"))
        // Every rank ended with the same weights (each run checks it; a difference fails the stage).
        #expect(!first.err.contains("differ from rank 0"))
        let firstBytes = try p.artifactBytes()
        let second = try #require(try Self.mpiRun(2, ["run", p.file, "--only", "student:kd", "--force"]))
        #expect(second.code == 0, "\(second.err)")
        let secondBytes = try p.artifactBytes()
        #expect(firstBytes.keys.sorted() == secondBytes.keys.sorted())
        for (k, v) in firstBytes { #expect(secondBytes[k] == v, "\(k) differs between two runs on 2 ranks") }

        // Not the same bits as one rank (float sums in another order), but the same learning: the
        // same batches, dropout masks and steps. Loose bounds: 40 epochs amplify last-bit differences.
        #expect(try p.bytes(Self.student) != oneBytes)
        let two = try ModelFile.read(from: p.artifacts + "/" + Self.student)
        let (a, b) = (one.history.last!, two.history.last!)
        #expect(b.trainLoss < two.history.first!.trainLoss * 0.8, "the loss falls on 2 ranks")
        #expect(abs(a.trainLoss - b.trainLoss) < 0.1 * a.trainLoss, "train loss: 1 rank \(a.trainLoss), 2 ranks \(b.trainLoss)")
        #expect(abs(a.validationScore - b.validationScore) < 0.1, "val score: 1 rank \(a.validationScore), 2 ranks \(b.validationScore)")
        // The lock records the student as run: a later run on one process does not retrain it.
        let status = try PipelineStatus.of(try p.spec())
        #expect(status.stages.first { $0.stage == "student:kd" }?.willRun == false)
    }

    @Test func aRunStoppedMidStudentResumesOnTwoRanksToIdenticalBytes() throws {
        let reference = try TestPipeline(epochs: 10, studentEpochs: 60)
        let stopped = try TestPipeline(epochs: 10, studentEpochs: 60)
        defer { reference.remove(); stopped.remove() }
        // --jobs 2: teacher members two at a time on rank 0; students still one at a time over the ranks.
        guard let full = try Self.mpiRun(2, ["run", reference.file, "--jobs", "2"]) else { return }
        #expect(full.code == 0, "\(full.err)")

        // SIGTERM to rank 0 as soon as the student's first checkpoint exists: the ranks agree to
        // stop at the same batch, rank 0 says where the next run resumes.
        let checkpoint = stopped.artifacts + "/checkpoints/" + Self.student
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.mpirun!)
        p.arguments = ["-np", "2", "--oversubscribe", "--bind-to", "none", "sh", "-c",
                       "if [ \"$OMPI_COMM_WORLD_RANK\" = 0 ]; then echo $$ > \(stopped.folder)/rank0.pid; fi; exec \(TestPipeline.binary) run \(stopped.file) --quiet"]
        var env = ProcessInfo.processInfo.environment
        env["OMPI_ALLOW_RUN_AS_ROOT"] = "1"; env["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
        p.environment = env
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(120)
        var signalled = false
        while p.isRunning && Date() < deadline {
            if FileManager.default.fileExists(atPath: checkpoint),
               let pid = try? String(contentsOfFile: stopped.folder + "/rank0.pid", encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines), let n = Int32(pid) {
                kill(n, SIGTERM)
                signalled = true
                break
            }
            usleep(1000)
        }
        p.waitUntilExit()
        #expect(signalled, "the run finished before the student's checkpoint appeared")
        #expect(p.terminationStatus != 0)
        #expect(FileManager.default.fileExists(atPath: checkpoint))

        let resumed = try #require(try Self.mpiRun(2, ["run", stopped.file]))
        #expect(resumed.code == 0, "\(resumed.err)")
        #expect(resumed.err.contains("kd/replicate-0: resuming from its checkpoint at epoch"))
        let a = try reference.artifactBytes(), b = try stopped.artifactBytes()
        #expect(a.keys.sorted() == b.keys.sorted())
        for (k, v) in a where !k.hasPrefix("report/") || k.hasSuffix(".json") {
            #expect(b[k] == v, "\(k) differs after a stop and resume on 2 ranks")
        }
    }
}
