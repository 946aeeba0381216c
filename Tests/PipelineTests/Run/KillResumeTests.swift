import Artifacts
import Foundation
import Testing
@testable import Pipeline

/// `kill -9` of the real binary in the middle of training, then a plain re-run: the final
/// artifacts must be byte-identical to those of a run that was never interrupted.
@Suite(.serialized) struct KillResumeTests {
    /// Starts `mtkd run`, waits until `file` (relative to the artifacts) exists, then SIGKILLs it.
    func runAndKill(_ p: TestPipeline, when file: String) throws -> Bool {
        let proc = Process()
        proc.executableURL = URL(fileURLWithPath: TestPipeline.binary)
        proc.arguments = ["run", p.file, "--quiet"]
        proc.standardOutput = FileHandle.nullDevice
        proc.standardError = FileHandle.nullDevice
        try proc.run()
        let deadline = Date().addingTimeInterval(60)
        while proc.isRunning && Date() < deadline {
            if FileManager.default.fileExists(atPath: p.artifacts + "/" + file) {
                kill(proc.processIdentifier, SIGKILL)
                proc.waitUntilExit()
                return true
            }
            usleep(200)
        }
        proc.waitUntilExit()
        return false
    }

    @Test(arguments: ["checkpoints/teachers/species/member-1.h5", "checkpoints/students/kd/replicate-0.h5"])
    func killedRunResumesToIdenticalArtifacts(killWhen file: String) throws {
        guard FileManager.default.isExecutableFile(atPath: TestPipeline.binary) else {
            Issue.record("build the mtkd binary first (swift build): \(TestPipeline.binary)")
            return
        }
        let reference = try TestPipeline(epochs: 40, studentEpochs: 60)
        let killed = try TestPipeline(epochs: 40, studentEpochs: 60)
        defer { reference.remove(); killed.remove() }
        try reference.run()

        #expect(try runAndKill(killed, when: file), "the run finished before \(file) appeared")
        let status = try PipelineStatus.of(killed.spec())
        #expect(status.stages.contains { $0.state == "interrupted" })
        let resumed = try runCLI(["run", killed.file])
        #expect(resumed.code == 0, "\(resumed.err)")
        #expect(resumed.err.contains("resuming from its checkpoint at epoch"))
        #expect(resumed.err.contains("did not finish; resuming"))

        let a = try reference.artifactBytes(), b = try killed.artifactBytes()
        #expect(a.keys.sorted() == b.keys.sorted())
        for (k, v) in a { #expect(b[k] == v, "\(k) differs after kill and resume") }
        #expect(!FileManager.default.fileExists(atPath: killed.artifacts + "/checkpoints/students/kd/replicate-0.h5"))
    }
}

@Suite(.serialized) struct CommandLineTests {
    @Test func brokenPipelineFileExitsWith64NamingFileLineAndKeyAndWritesNothing() throws {
        let p = try TestPipeline()
        defer { p.remove() }
        var yaml = try String(contentsOfFile: p.file, encoding: .utf8)
        yaml = yaml.replacingOccurrences(of: "soft_targets: {temperature: 2.0}", with: "soft_targets: {temperature: 0}")
        try p.write(yaml: yaml)
        let r = try runCLI(["run", p.file])
        #expect(r.code == 64)
        #expect(r.err.hasPrefix("error: \(p.file):"))
        #expect(r.err.contains("soft_targets.temperature: temperature must be > 0, got 0"))
        #expect(!FileManager.default.fileExists(atPath: p.folder + "/artifacts"))
    }

    @Test func missingPipelineFileExitsWith64() throws {
        let r = try runCLI(["run", "/nonexistent/pipeline.yaml"])
        #expect(r.code == 64)
        #expect(r.err.contains("no such file"))
    }

    @Test func unknownStageNameExitsWith64ListingTheStages() throws {
        let p = try TestPipeline()
        defer { p.remove() }
        let r = try runCLI(["run", p.file, "--only", "students"])
        #expect(r.code == 64)
        #expect(r.err == "error: --only students: no such stage in tiny; stages: prepare, teachers, soft-targets, student:kd, evaluate\n")
    }

    @Test func runPrintsTheComparisonTableOnStandardOutput() throws {
        let p = try TestPipeline()
        defer { p.remove() }
        let r = try runCLI(["run", p.file])
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.hasPrefix("\n| model | parameters | species accuracy | sex ROC AUC | mass R² |\n"))
        #expect(r.out.contains("\n| teachers (ensemble) | "))
        #expect(r.out.contains("\n| kd (hard-sharing) | "))
        #expect(r.out.contains("\nship: kd — validation score "))
        #expect(r.err.contains("==> teachers"))
        let status = try runCLI(["status", p.file, "--json"])
        #expect(status.code == 0)
        let decoded = try JSONDecoder().decode(PipelineStatus.self, from: Data(status.out.utf8))
        #expect(decoded.upToDate)
    }

    @Test func aSecondRunWhileOneIsRunningIsRefusedWithExitCode1() throws {
        let p = try TestPipeline()
        defer { p.remove() }
        let held = try RunLock(path: ArtifactLayout(root: p.artifacts).runLock)
        defer { held.release() }
        let r = try runCLI(["run", p.file])
        #expect(r.code == 1)
        #expect(r.err.contains("error: another mtkd run is using \(p.artifacts) (pid \(getpid()), started"))
    }
}
