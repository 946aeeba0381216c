import Artifacts
import Foundation
import Testing
@testable import Pipeline

/// A second pipeline next to a `TestPipeline` (`students.yaml`, artifacts `artifacts/tiny-students`),
/// with its seed, data and tasks, that takes its teachers from it (`pipeline.yaml`).
struct ReusingPipeline {
    let owner: TestPipeline
    var file: String { owner.folder + "/students.yaml" }
    var artifacts: String { owner.folder + "/artifacts/tiny-students" }
    /// The line of `teachers:` in the file.
    static let teachersLine = 16

    init(_ owner: TestPipeline, seed: Int = 7, teachers: String = "{from: pipeline.yaml}", temperature: Double = 2,
         extra: String = "") throws {
        self.owner = owner
        try """
        name: tiny-students
        seed: \(seed)
        artifacts: artifacts
        \(TestPipeline.dataAndTasksYAML)
        teachers: \(teachers)
        soft_targets: {temperature: \(temperature)}
        students:
          - name: wide
            hidden: [24]
            epochs: 4
            batch_size: 16
            learning_rate: 0.01
        \(extra)
        """.write(toFile: file, atomically: true, encoding: .utf8)
    }

    func spec() throws -> PipelineSpec { try PipelineSpec.load(path: file) }

    @discardableResult
    func run(_ options: RunOptions = RunOptions()) throws -> [String] {
        let console = Console(capture: true)
        try PipelineRunner(spec: try spec(), console: console, options: options).run()
        return console.lines
    }

    func bytes(_ relative: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: artifacts + "/" + relative)) }

    /// Every file under the artifacts folder, relative, sorted.
    func files() -> [String] {
        let fm = FileManager.default
        return (fm.enumerator(atPath: artifacts)?.compactMap { $0 as? String } ?? []).filter { rel in
            var isFolder: ObjCBool = false
            return fm.fileExists(atPath: artifacts + "/" + rel, isDirectory: &isFolder) && !isFolder.boolValue
        }.sorted()
    }
}

extension TestPipeline {
    /// Runs only the given stages, in order.
    func runOnly(_ stages: String...) throws {
        for stage in stages { try run(RunOptions(only: stage)) }
    }
}

@Suite(.serialized) struct TeacherSourceTests {
    @Test func reuseTrainsNoTeacherAndWritesNoMemberFile() throws {
        let a = try TestPipeline()
        defer { a.remove() }
        try a.runOnly("prepare", "teachers")
        let b = try ReusingPipeline(a)
        let lines = try b.run()
        #expect(ranStages(lines) == ["prepare", "teachers", "soft-targets", "student:wide", "evaluate"])
        #expect(lines.contains("  species: 2 mlp members of tiny, nothing trained"))
        #expect(lines.contains("  mass: 2 mlp members of tiny, nothing trained"))
        #expect(!lines.contains { $0.contains("epoch") && $0.contains("member") })
        #expect(b.files().filter { $0.hasPrefix("teachers/") || $0.hasPrefix("checkpoints/") } == ["teachers/from.json"])
        let record = try #require(try TeacherSourceFile.read(root: b.artifacts))
        #expect(record.pipeline == "tiny")
        #expect(record.artifacts == "../tiny")
        #expect(record.members.map(\.name) == ["species/member-0", "species/member-1", "mass/member-0", "mass/member-1"])
        #expect(record.members[0].path == "teachers/species/member-0.h5")
        #expect(record.members[0].sha256 == (try FileHasher().hash(a.artifacts + "/teachers/species/member-0.h5"))?.sha256)
        // The members are where the owning pipeline put them, untouched.
        #expect(ranStages(try a.run(RunOptions(only: "teachers")).lines) == [])
    }

    @Test func softTargetsAreByteIdenticalToTheOwningPipelinesWithTheSameSettings() throws {
        let a = try TestPipeline()
        defer { a.remove() }
        try a.runOnly("prepare", "teachers", "soft-targets")
        let b = try ReusingPipeline(a)
        try b.run(RunOptions(only: "prepare"))
        try b.run(RunOptions(only: "teachers"))
        try b.run(RunOptions(only: "soft-targets"))
        #expect(try b.bytes("soft-targets.h5") == a.bytes("soft-targets.h5"))
        #expect(try b.bytes("data/dataset.h5") == a.bytes("data/dataset.h5"))
    }

    @Test func theTransferSetIsLabelledByTheOtherPipelinesMembers() throws {
        let transfer = "transfer: {multiplier: 2, noise: 0.1}"
        let a = try TestPipeline(extraStudentYAML: transfer)
        defer { a.remove() }
        try a.runOnly("prepare", "teachers", "transfer")
        let b = try ReusingPipeline(a, extra: transfer)
        try b.run(RunOptions(only: "prepare"))
        try b.run(RunOptions(only: "teachers"))
        try b.run(RunOptions(only: "transfer"))
        #expect(try b.bytes("transfer.h5") == a.bytes("transfer.h5"))
    }

    @Test func otherDataIsRefusedNamingWhatDiffers() throws {
        let a = try TestPipeline()
        defer { a.remove() }
        let b = try ReusingPipeline(a, seed: 8)
        let error = try #require(throws: SpecError.self) { try b.spec() }
        #expect(error.description == "\(b.file):\(ReusingPipeline.teachersLine): teachers.from: pipeline.yaml prepares other data "
                + "(seed is 8 here, 7 there): its teachers learned from the dataset it prepares, "
                + "so the seed and the data and tasks sections must be the same")
        let cli = try runCLI(["status", b.file])
        #expect(cli.code == 64)
        #expect(cli.err == "error: \(error.description)\n")
    }

    @Test func missingTeachersStopTheRunSayingWhatToRun() throws {
        let a = try TestPipeline()
        defer { a.remove() }
        let b = try ReusingPipeline(a)
        let never = try #require(throws: TeacherSourceError.self) { try b.run() }
        #expect(never.message == "the teachers of tiny, which this pipeline uses, have not been trained: "
                + "run `mtkd run \(a.file) --only prepare`, then `mtkd run \(a.file) --only teachers` first")
        // Nothing of this pipeline ran, not even prepare.
        #expect(!FileManager.default.fileExists(atPath: b.artifacts + "/data/dataset.h5"))

        try a.runOnly("prepare")
        let cli = try runCLI(["run", b.file])
        #expect(cli.code == 1)
        #expect(cli.err.split(separator: "\n").last.map(String.init) == "error: the teachers of tiny, which this pipeline uses, have not been trained: "
                + "run `mtkd run \(a.file) --only teachers` first")
    }

    @Test func retrainedTeachersMakeThisPipelinesSoftTargetsStale() throws {
        let a = try TestPipeline()
        defer { a.remove() }
        try a.runOnly("prepare", "teachers")
        let b = try ReusingPipeline(a)
        try b.run()
        #expect(try PipelineStatus.of(b.spec()).upToDate)

        // The owner's teachers change settings: until they are retrained, this pipeline refuses.
        let changed = try TestPipeline(epochs: 5, folder: a.folder)
        let waiting = try PipelineStatus.of(b.spec())
        #expect(waiting.stages.first { $0.stage == "teachers" }?.reasons.last
                == "the teachers of tiny, which this pipeline uses, are not up to date (parameter teachers.mass.epochs changed: 6 → 5; "
                + "parameter teachers.species.epochs changed: 6 → 5): run `mtkd run \(a.file) --only teachers` first")
        #expect(throws: TeacherSourceError.self) { try b.run() }

        try changed.runOnly("teachers")
        let status = try PipelineStatus.of(b.spec())
        let softTargets = try #require(status.stages.first { $0.stage == "soft-targets" })
        #expect(softTargets.state == "stale")
        #expect(softTargets.reasons.contains("input ./artifacts/tiny/teachers/species/member-0.h5 changed"))
        #expect(ranStages(try b.run()) == ["teachers", "soft-targets", "student:wide", "evaluate"])
        #expect(try PipelineStatus.of(b.spec()).upToDate)
    }

    @Test func aRunOfTheOwnerIsRefusedWhileTheTeachersAreRead() throws {
        let a = try TestPipeline()
        defer { a.remove() }
        try a.runOnly("prepare", "teachers")
        let b = try ReusingPipeline(a)
        // The owner running: this pipeline does not read its members meanwhile.
        let owner = try RunLock(path: a.artifacts + "/.mtkd-run.lock")
        let busy = try #require(throws: TeacherSourceError.self) { try b.run() }
        #expect(busy.message.hasPrefix("tiny, whose teachers this pipeline uses, is being run (pid \(getpid()), started "))
        owner.release()
        // A reader holding the folder: a run of the owner is refused.
        let reader = try RunLock.shared(path: a.artifacts + "/.mtkd-run.lock")
        let refused = try #require(throws: RunLock.Busy.self) { try a.run() }
        #expect(refused.errorDescription == "another mtkd run is using \(a.artifacts) (owner unknown: perhaps a run of a pipeline "
                + "that uses its teachers); wait for it to finish or stop it")
        reader.release()
        try b.run()
    }

    @Test func statusSaysWhereTheTeachersComeFrom() throws {
        let a = try TestPipeline()
        defer { a.remove() }
        try a.runOnly("prepare", "teachers")
        let b = try ReusingPipeline(a)
        try b.run()
        let cli = try runCLI(["status", b.file])
        #expect(cli.code == 0)
        #expect(cli.out.contains("  teachers      up to date, from tiny (\(a.file), members in \(a.artifacts)/teachers)\n"))
        let json = try runCLI(["status", b.file, "--json"])
        let status = try JSONDecoder().decode(PipelineStatus.self, from: Data(json.out.utf8))
        #expect(status.stages.first { $0.stage == "teachers" }?.from
                == StageStatusReport.Origin(pipeline: "tiny", file: a.file, teachers: a.artifacts + "/teachers"))
        #expect(status.stages.filter { $0.from != nil }.count == 1)
    }

    @Test func inspectReportAndPredictReadTheMembersWhereTheyAre() throws {
        let a = try TestPipeline()
        defer { a.remove() }
        try a.runOnly("prepare", "teachers")
        let b = try ReusingPipeline(a)
        try b.run()

        let inspect = try runCLI(["inspect", b.artifacts])
        #expect(inspect.code == 0)
        #expect(inspect.out.contains("teachers  4 members of tiny, in \(a.artifacts)  (teachers/from.json: used where they are, not copied)\n"))
        let memberLines = inspect.out.split(separator: "\n").filter { $0.hasPrefix("  species/member-") || $0.hasPrefix("  mass/member-") }
        #expect(memberLines.count == 4)
        #expect(memberLines.allSatisfy { $0.contains(" ok ") })
        #expect(inspect.out.contains("teachers/from.json"))

        let report = try runCLI(["report", b.file])
        #expect(report.code == 0)
        #expect(report.out.contains("the teachers are those of tiny (\(a.artifacts)), trained there"))
        #expect(!report.out.contains("no model file"))

        // The teacher ensembles predict as the owner's do.
        let input = a.folder + "/rows.csv"
        try "bill_length_mm,bill_depth_mm,flipper_length_mm,island\n39.1,18.7,181,Torgersen\n46.5,17.9,192,Dream\n"
            .write(toFile: input, atomically: true, encoding: .utf8)
        let mine = try runCLI(["predict", "--pipeline", b.file, "--teachers", input])
        let theirs = try runCLI(["predict", "--pipeline", a.file, "--teachers", input])
        #expect(mine.code == 0)
        #expect(mine.out == theirs.out)
        #expect(mine.out.hasPrefix("species,"))
    }
}
