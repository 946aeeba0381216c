import Artifacts
import Foundation
import HDF5
import MultiTask
import Tensor
import Testing
import TestSupport
@testable import Pipeline

/// Failure classes of a reliability run (issue 9): a full disk, divergence, damaged checkpoints,
/// bad input touching artifacts, broken run-state files, signals, runner semantics.
@Suite(.serialized) struct ReliabilityTests {
    /// Every `.partial-` file under `root`.
    func partialFiles(_ root: String) -> [String] {
        (FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? [])
            .filter { ($0 as NSString).lastPathComponent.hasPrefix(AtomicWrite.marker) }
    }

    func requireBinary() -> Bool {
        guard FileManager.default.isExecutableFile(atPath: TestPipeline.binary) else {
            Issue.record("build the mtkd binary first (swift build): \(TestPipeline.binary)")
            return false
        }
        return true
    }

    /// Runs the binary through bash with a `ulimit -f` (KiB) and SIGXFSZ ignored: writes past the
    /// limit fail with EFBIG, as they fail with ENOSPC on a full disk.
    func runWithFileSizeLimit(_ kib: Int, _ arguments: [String]) throws -> (code: Int32, err: String) {
        let quoted = ([TestPipeline.binary] + arguments).map { "'\($0)'" }.joined(separator: " ")
        let r = try runProcess("/bin/bash", ["-c", "trap '' XFSZ; ulimit -f \(kib); exec \(quoted)"])
        return (r.code, r.err)
    }

    // MARK: class 1 — a failed write (disk full)

    @Test(arguments: [20, 40])
    func aFailedWriteExitsWith1RemovesItsPartialFileAndResumesToIdenticalBytes(limitKiB: Int) throws {
        guard requireBinary() else { return }
        let reference = try TestPipeline(epochs: 20, studentEpochs: 20)
        let full = try TestPipeline(epochs: 20, studentEpochs: 20)
        defer { reference.remove(); full.remove() }
        try reference.run()

        let failed = try runWithFileSizeLimit(limitKiB, ["run", full.file, "--quiet"])
        #expect(failed.code == 1, "\(failed.err)")
        #expect(failed.err.contains("file too large") || failed.err.contains("no space left"), "\(failed.err)")
        #expect(!failed.err.contains("crashed"))
        #expect(partialFiles(full.artifacts).isEmpty)

        let resumed = try runCLI(["run", full.file, "--quiet"])
        #expect(resumed.code == 0, "\(resumed.err)")
        let a = try reference.artifactBytes(), b = try full.artifactBytes()
        #expect(a.keys.sorted() == b.keys.sorted())
        for (k, v) in a { #expect(b[k] == v, "\(k) differs after the failed write and the resume") }
    }

    // MARK: class 3 — divergence

    @Test func aDivergingStudentStopsNamesNetworkEpochAndValueAndIsNeverRecorded() throws {
        let p = try TestPipeline(studentEpochs: 5)
        defer { p.remove() }
        var yaml = try String(contentsOfFile: p.file, encoding: .utf8)
        yaml = yaml.replacingOccurrences(of: "    learning_rate: 0.01\n", with: "    learning_rate: 100000\n    optimizer: sgd\n")
        try p.write(yaml: yaml)
        for _ in 0..<2 {  // a re-run repeats the failure: nothing was recorded as done
            do {
                try p.run()
                Issue.record("a diverging student must fail its stage")
            } catch let e as StageFailure {
                let message = e.errorDescription ?? ""
                #expect(e.stage == "student:kd")
                #expect(message.contains("student kd/replicate-0 diverged in epoch "), "\(message)")
                #expect(message.contains("no weights were saved. Lower the learning_rate (now 100000.0, e.g. 10000.0)"), "\(message)")
            }
            let lock = try #require(try LockFile.read(from: p.artifacts + "/mtkd.lock"))
            #expect(lock.stages["student:kd"] == nil)
            #expect(lock.stages["teachers"] != nil)
            #expect(!FileManager.default.fileExists(atPath: p.artifacts + "/students/kd/replicate-0.h5"))
        }
    }

    @Test func theTrainerStopsAtTheFirstNonFiniteLossWithoutApplyingThatStep() throws {
        let net = try NetworkFactory.make(NetworkBlueprint(architecture: "hard-sharing", inputs: 2, hidden: [4], dropout: 0,
                                                           tasks: [TaskHead(name: "t", kind: .classification, outputs: 2)]), seed: 1)
        // Infinite inputs pass ReLU: the logits, and so the first batch's loss, are not finite.
        let x = Matrix(rows: 4, cols: 2, storage: [.infinity, 1, .infinity, 2, .infinity, 3, .infinity, 4])
        let set = LabelledSet(x: x, targets: [TaskTargets(labels: .classes([0, 1, 0, 1]))])
        let trainer = Trainer(network: net, settings: TrainerSettings(epochs: 3, batchSize: 4, learningRate: 0.1, optimizer: .sgd,
                                                                      taskWeights: [1], seed: 1))
        let before = Trainer.snapshot(net.parameters)
        do {
            _ = try trainer.fit(train: set, validation: set)
            Issue.record("training on an overflowing loss must stop")
        } catch let e as TrainerError {
            guard case .diverged(let epoch, let batch, let quantity, let value, _) = e else { Issue.record("\(e)"); return }
            #expect(epoch == 1 && batch == 1 && quantity == "the training loss" && !value.isFinite)
            #expect(e.description.hasPrefix("diverged in epoch 1, batch 1: the training loss is "))
            #expect(e.description.hasSuffix("; no weights were saved. Lower the learning_rate (now 0.1, e.g. 0.01) and run again"))
        }
        #expect(Trainer.snapshot(net.parameters) == before)
    }

    @Test func theTrainerStopsWhenAWeightBecomesNonFiniteEvenIfTheLossIsFinite() throws {
        let net = try NetworkFactory.make(NetworkBlueprint(architecture: "hard-sharing", inputs: 2, hidden: [4], dropout: 0,
                                                           tasks: [TaskHead(name: "t", kind: .classification, outputs: 2)]), seed: 1)
        // ReLU hides a NaN input from the loss, not from the weight gradient.
        let x = Matrix(rows: 4, cols: 2, storage: [1, 2, 3, 4, 5, 6, 7, .nan])
        let set = LabelledSet(x: x, targets: [TaskTargets(labels: .classes([0, 1, 0, 1]))])
        let trainer = Trainer(network: net, settings: TrainerSettings(epochs: 3, batchSize: 4, learningRate: 0.1, taskWeights: [1], seed: 1))
        do {
            _ = try trainer.fit(train: set, validation: set)
            Issue.record("training into NaN weights must stop")
        } catch let e as TrainerError {
            guard case .diverged(let epoch, _, let quantity, let value, _) = e else { Issue.record("\(e)"); return }
            #expect(epoch == 1 && quantity == "parameter trunk.0.weight" && value.isNaN)
        }
    }

    // MARK: class 4 — a damaged checkpoint

    @Test func aCheckpointWhoseContentChangedIsRefusedOnLoad() throws {
        let folder = NSTemporaryDirectory() + "mtkd-ckpt-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let net = try NetworkFactory.make(NetworkBlueprint(architecture: "hard-sharing", inputs: 3, hidden: [4], dropout: 0,
                                                           tasks: [TaskHead(name: "t", kind: .classification, outputs: 2)]), seed: 3)
        let params = Trainer.snapshot(net.parameters)
        let state = TrainerState(epoch: 2, parameters: params, bestParameters: params, bestEpoch: 1, bestScore: 0.5,
                                 optimizerStep: 10, optimizerSlots: [:], shuffleRNG: [1, 2, 3, 4], dropoutRNG: [5, 6, 7, 8],
                                 history: [])
        let model = ModelFile(role: "student", name: "kd", network: net, seed: 3,
                              history: TrainingHistory(epochs: [], bestEpoch: 0, seconds: 0), fingerprint: "f")
        let path = folder + "/ckpt.h5"
        try CheckpointFile.write(state, model: model, to: path)
        #expect(try CheckpointFile.read(from: path).state.epoch == 2)

        // One weight changed on disk, the file otherwise valid HDF5.
        let name = net.parameters[0].name
        var weights = params[name]!
        weights[1] += 1e-3
        do {
            let file = try H5File.open(path, mode: .readWrite)
            try file.root.group("parameters").dataset(name).write(weights)
            try file.close()
        }
        // The seal in the user block notices before libhdf5 parses anything…
        #expect(throws: ArtifactError(path: path, "the file is corrupt (its content does not match the SHA-256 in its header)")) {
            try CheckpointFile.read(from: path)
        }
        // …and the checksum of what the checkpoint holds notices a change the seal was made to agree with.
        try FileSeal.seal(path)
        #expect(throws: ArtifactError(path: path, "the checkpoint is corrupt (its content does not match its checksum)")) {
            try CheckpointFile.read(from: path)
        }
    }

    @Test func aCorruptedCheckpointIsReportedAndRetrainedToIdenticalBytes() throws {
        guard requireBinary() else { return }
        let reference = try TestPipeline(epochs: 10, studentEpochs: 200)
        let damaged = try TestPipeline(epochs: 10, studentEpochs: 200)
        defer { reference.remove(); damaged.remove() }
        try reference.run()
        #expect(try KillResumeTests().runAndKill(damaged, when: "checkpoints/students/kd/replicate-0.h5"))
        let checkpoint = damaged.artifacts + "/checkpoints/students/kd/replicate-0.h5"
        // Flip 16 bytes inside the stored current weights: still valid HDF5, different numbers.
        let file = try H5File.open(checkpoint)
        let name = try file.root.group("parameters").children().map(\.name).first { $0.hasSuffix(".weight") }!
        let values = try file.root.group("parameters").dataset(name).read(Float.self)
        try file.close()
        var bytes = try Data(contentsOf: URL(fileURLWithPath: checkpoint))
        let stored = values.withUnsafeBytes { Data($0) }
        let range = try #require(bytes.range(of: stored), "the weights are not stored contiguously")
        for i in (range.lowerBound + 8)..<(range.lowerBound + 24) { bytes[i] = ~bytes[i] }
        try bytes.write(to: URL(fileURLWithPath: checkpoint))

        let resumed = try runCLI(["run", damaged.file])
        #expect(resumed.code == 0, "\(resumed.err)")
        #expect(resumed.err.contains("kd/replicate-0: \(checkpoint): the file is corrupt (its content does not match the SHA-256 in its header); training from scratch"),
                "\(resumed.err)")
        let a = try reference.artifactBytes(), b = try damaged.artifactBytes()
        #expect(a.keys.sorted() == b.keys.sorted())
        for (k, v) in a { #expect(b[k] == v, "\(k) differs after retraining from a damaged checkpoint") }
    }

    // MARK: class 7 — bad input writes nothing

    @Test func badDataExitsWith64AndLeavesNoFolderBehind() throws {
        let p = try TestPipeline()
        defer { p.remove() }
        let csv = p.folder + "/bad.csv"
        try "bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,island,species,sex\n1,2,3,4,Dream,Adelie,male\n1,2\n"
            .write(toFile: csv, atomically: true, encoding: .utf8)
        try p.write(yaml: try String(contentsOfFile: p.file, encoding: .utf8).replacingOccurrences(of: TestPipeline.penguins, with: csv))
        let r = try runCLI(["run", p.file])
        #expect(r.code == 64, "\(r.err)")
        #expect(r.err.contains("bad.csv"))
        #expect(!FileManager.default.fileExists(atPath: p.folder + "/artifacts"))
    }

    @Test func badDataLeavesAFinishedFolderByteForByteAsItWas() throws {
        let p = try TestPipeline()
        defer { p.remove() }
        let csv = p.folder + "/data.csv"
        try FileManager.default.copyItem(atPath: TestPipeline.penguins, toPath: csv)
        try p.write(yaml: try String(contentsOfFile: p.file, encoding: .utf8).replacingOccurrences(of: TestPipeline.penguins, with: csv))
        try p.run()
        func everything() throws -> [String: Data] {
            var out: [String: Data] = [:]
            for case let rel as String in FileManager.default.enumerator(atPath: p.artifacts)! {
                var dir: ObjCBool = false
                if FileManager.default.fileExists(atPath: p.artifacts + "/" + rel, isDirectory: &dir), !dir.boolValue {
                    out[rel] = try p.bytes(rel)
                }
            }
            return out
        }
        let before = try everything()
        var text = try String(contentsOfFile: csv, encoding: .utf8)
        text += "39.1,18.7,abc,3750,Torgersen,Adelie,male\n"
        try text.write(toFile: csv, atomically: true, encoding: .utf8)
        let r = try runCLI(["run", p.file])
        #expect(r.code == 64, "\(r.err)")
        #expect(try everything() == before)
    }

    // MARK: class 9 — run state files

    @Test func anUnreadableTimingsFileIsStartedAfreshWithAWarning() throws {
        let p = try TestPipeline()
        defer { p.remove() }
        try p.run()
        try "{ not json".write(toFile: p.artifacts + "/timings.json", atomically: true, encoding: .utf8)
        let lines = try p.run(RunOptions(force: true, only: "evaluate")).lines
        #expect(lines.contains { $0.hasPrefix("warning: \(p.artifacts)/timings.json: not a valid mtkd timings file: not valid JSON; starting it afresh") })
        #expect(try Timings.read(from: p.artifacts + "/timings.json").stages.keys.sorted() == ["evaluate"])
    }

    @Test func anUnreadableLockSaysWhichStagesWillRerun() throws {
        let p = try TestPipeline()
        defer { p.remove() }
        try p.run()
        try "[]".write(toFile: p.artifacts + "/mtkd.lock", atomically: true, encoding: .utf8)
        #expect(throws: ArtifactError(path: p.artifacts + "/mtkd.lock",
                                      "not a valid mtkd lock file: expected Dictionary<String, Any>; delete it and `mtkd run` re-runs every stage "
                                      + "(prepare, teachers, soft-targets, student:kd, evaluate), reusing teacher members and students whose files still match their settings")) {
            try p.run()
        }
    }

    @Test func aLockFromANewerFormatIsRefused() throws {
        let p = try TestPipeline()
        defer { p.remove() }
        try p.run()
        let path = p.artifacts + "/mtkd.lock"
        let text = try String(contentsOfFile: path, encoding: .utf8)
            .replacingOccurrences(of: "\"format_version\" : \(ArtifactFormat.version)", with: "\"format_version\" : 99")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let r = try runCLI(["run", p.file])
        #expect(r.code == 1)
        #expect(r.err.contains("mtkd.lock: written by a newer mtkd (format version 99; this mtkd reads version \(ArtifactFormat.version)): use that mtkd"),
                "\(r.err)")
    }

    @Test func aLockFromAnOlderFormatMeansEveryStageRerunsNotAnError() throws {
        let p = try TestPipeline()
        defer { p.remove() }
        try p.run()
        let path = p.artifacts + "/mtkd.lock"
        let text = try String(contentsOfFile: path, encoding: .utf8)
            .replacingOccurrences(of: "\"format_version\" : \(ArtifactFormat.version)", with: "\"format_version\" : \(ArtifactFormat.version - 1)")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try PipelineStatus.of(p.spec()).stages.allSatisfy(\.willRun))
        let lines = try p.run().lines
        #expect(lines.contains("note: mtkd.lock was written by an older mtkd (format version \(ArtifactFormat.version - 1)): every stage re-runs"))
        #expect(ranStages(lines) == ["prepare", "teachers", "soft-targets", "student:kd", "evaluate"])
        #expect(try LockFile.read(from: path)?.formatVersion == ArtifactFormat.version)
    }

    @Test func aCopiedProjectIsUpToDateBecauseTheLockNamesDataRelativeToThePipeline() throws {
        let p = try TestPipeline()
        defer { p.remove() }
        try FileManager.default.copyItem(atPath: TestPipeline.penguins, toPath: p.folder + "/penguins.csv")
        try p.write(yaml: try String(contentsOfFile: p.file, encoding: .utf8).replacingOccurrences(of: TestPipeline.penguins, with: "penguins.csv"))
        try p.run()
        let lock = try #require(try LockFile.read(from: p.artifacts + "/mtkd.lock"))
        #expect(lock.stages["prepare"]?.inputs.keys.sorted() == ["./penguins.csv"])

        let copy = NSTemporaryDirectory() + "mtkd-copy-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: copy) }
        try FileManager.default.copyItem(atPath: p.folder, toPath: copy)
        let moved = try TestPipeline(folder: copy)
        try moved.write(yaml: try String(contentsOfFile: p.file, encoding: .utf8))
        #expect(try PipelineStatus.of(moved.spec()).upToDate)
    }

    // MARK: class 10 — signals

    @Test(arguments: [(SIGINT, Int32(130)), (SIGTERM, Int32(143))])
    func aSignalStopsWithOneLineNoPartialFilesAndResumesToIdenticalBytes(signal: Int32, code: Int32) throws {
        guard requireBinary() else { return }
        let reference = try TestPipeline(epochs: 40, studentEpochs: 200)
        let stopped = try TestPipeline(epochs: 40, studentEpochs: 200)
        defer { reference.remove(); stopped.remove() }
        try reference.run()

        let proc = Process()
        proc.executableURL = URL(fileURLWithPath: TestPipeline.binary)
        proc.arguments = ["run", stopped.file, "--quiet"]
        let err = Pipe()
        proc.standardOutput = FileHandle.nullDevice
        proc.standardError = err
        try proc.run()
        let deadline = Date().addingTimeInterval(60)
        while proc.isRunning, Date() < deadline, !FileManager.default.fileExists(atPath: stopped.artifacts + "/checkpoints/students/kd/replicate-0.h5") {
            usleep(500)
        }
        kill(proc.processIdentifier, signal)
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        proc.waitUntilExit()
        #expect(proc.terminationReason == .exit)
        #expect(proc.terminationStatus == code, "\(text)")
        #expect(text.hasPrefix("interrupted; `mtkd run` resumes student:kd kd/replicate-0 at epoch "), "\(text)")
        #expect(text.split(separator: "\n").count == 1)
        #expect(partialFiles(stopped.artifacts).isEmpty)

        let resumed = try runCLI(["run", stopped.file])
        #expect(resumed.code == 0, "\(resumed.err)")
        #expect(resumed.err.contains("kd/replicate-0: resuming from its checkpoint at epoch"))
        let a = try reference.artifactBytes(), b = try stopped.artifactBytes()
        #expect(a.keys.sorted() == b.keys.sorted())
        for (k, v) in a { #expect(b[k] == v, "\(k) differs after the signal and the resume") }
    }

    // MARK: class 11 — runner semantics

    @Test func forceFromAStageRunsOnlyThatStageAndWhatFollows() throws {
        let p = try TestPipeline()
        defer { p.remove() }
        try p.run()
        let lines = try p.run(RunOptions(force: true, from: "soft-targets")).lines
        #expect(ranStages(lines) == ["soft-targets", "student:kd", "evaluate"])
        #expect(lines.contains("==> prepare: up to date, skipping"))
    }

    @Test func statusSaysRunningWhileARunHoldsTheFolder() throws {
        let p = try TestPipeline()
        defer { p.remove() }
        try p.run()
        // A run in progress: the lock is held and a student has a checkpoint.
        var yaml = try String(contentsOfFile: p.file, encoding: .utf8)
        yaml = yaml.replacingOccurrences(of: "hidden: [16]\n    epochs: 8", with: "hidden: [12]\n    epochs: 8")
        try p.write(yaml: yaml)
        try FileManager.default.copyItem(atPath: p.artifacts + "/students/kd/replicate-0.h5", toPath: p.artifacts + "/checkpoints/students/kd/replicate-0.h5")
        let held = try RunLock(path: ArtifactLayout(root: p.artifacts).runLock)
        defer { held.release() }
        let status = try PipelineStatus.of(p.spec())
        #expect(status.running?.hasPrefix("pid \(getpid()), started ") == true)
        #expect(status.stages.first { $0.stage == "student:kd" }?.state == "running")
        #expect(status.text.contains("a run is in progress (pid \(getpid())"))
    }

    @Test func statusExitCodeSaysWhetherAnythingWouldRun() throws {
        let p = try TestPipeline()
        defer { p.remove() }
        #expect(try runCLI(["status", p.file, "--exit-code"]).code == 1)
        try p.run()
        #expect(try runCLI(["status", p.file, "--exit-code"]).code == 0)
        #expect(try runCLI(["status", p.file]).code == 0)
    }

    @Test func inspectRefusesANamedPipeInsteadOfBlocking() throws {
        let folder = NSTemporaryDirectory() + "mtkd-fifo-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let fifo = folder + "/pipe.h5"
        #expect(mkfifo(fifo, 0o644) == 0)
        let r = try runCLI(["inspect", fifo])
        #expect(r.code == 64)
        #expect(r.err == "error: \(fifo): cannot read: not a regular file (a named pipe); inspect reads artifact files and folders\n")
    }
}
