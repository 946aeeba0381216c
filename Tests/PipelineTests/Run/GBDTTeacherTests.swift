import Artifacts
import Foundation
import GBDT
import MultiTask
import Testing
@testable import Pipeline

/// Teachers of kind gbdt in a whole pipeline: an ensemble mixing GBDT and MLP members goes
/// through soft targets and evaluation like any other; members are units (reused when their
/// fingerprint matches, rebuilt to the same bytes); runs are byte-identical.
@Suite(.serialized) struct GBDTTeacherTests {
    /// The tiny penguins pipeline with: species taught by 2 GBDT members and 1 MLP member,
    /// sex (binary) by 2 GBDT members, mass (regression) by 2 GBDT members.
    static func pipeline(massDepth: Int = 3, rounds: Int = 60, earlyStopping: Int = 6, learningRate: Double = 0.3,
                         extraYAML: String = "", studentYAML: String = "") throws -> TestPipeline {
        let p = try TestPipeline()
        try p.write(yaml: """
        name: tiny
        seed: 7
        artifacts: artifacts
        \(TestPipeline.dataAndTasksYAML)
        teachers:
          species:
            - {kind: gbdt, members: 2, max_depth: 3, learning_rate: \(learningRate), rounds: \(rounds), early_stopping: \(earlyStopping)}
            - {kind: mlp, members: 1, hidden: [16], epochs: 6, batch_size: 16, learning_rate: 0.01}
          sex: {kind: gbdt, members: 2, max_depth: 2, learning_rate: \(learningRate), rounds: \(rounds), early_stopping: \(earlyStopping)}
          mass: {kind: gbdt, members: 2, max_depth: \(massDepth), learning_rate: \(learningRate), rounds: \(rounds), early_stopping: \(earlyStopping)}
        soft_targets: {temperature: 2}
        students:
          - name: kd
            hidden: [16]
            epochs: 8
            batch_size: 16
            learning_rate: 0.01
        \(studentYAML)
        \(extraYAML)
        """)
        return p
    }

    @Test func mixedEnsembleGoesThroughSoftTargetsAndEvaluationLikeAnyOther() throws {
        let p = try Self.pipeline()
        defer { p.remove() }
        try p.run()
        let layout = ArtifactLayout(root: p.artifacts)
        let data = try PreparedDataset.read(from: layout.dataset)
        let x = data.split("train")!.x

        // Members of both kinds, each predicting through TeacherMemberFile.
        let species = try (0..<3).map { try TeacherMemberFile.read(from: layout.teacherMember(task: "species", member: $0)) }
        #expect(species.map(\.kind) == ["gbdt", "gbdt", "mlp"])
        let soft = try SoftTargetsFile.read(from: layout.softTargets)
        let s = try #require(soft.tasks.first { $0.task == "species" })
        #expect(s.memberOutputs.count == 3)
        for (k, member) in species.enumerated() {
            let logits = try member.makePredictor().predict(x)
            #expect(logits == s.memberOutputs[k], "species/member-\(k): stored logits differ from the member's prediction")
        }
        // The targets average the members' softmax at T = 2, whatever their kind.
        let expected = Ensemble.probabilities(memberLogits: s.memberOutputs, combine: .meanProbs, temperature: 2)
        #expect(s.targets.maxAbsDifference(expected) == 0)

        // Binary GBDT members: logits [0, m], so softmax gives the booster's own probability.
        let sex = try #require(soft.tasks.first { $0.task == "sex" })
        let member = try TeacherMemberFile.read(from: layout.teacherMember(task: "sex", member: 0))
        guard case .gbdt(let file) = member else { Issue.record("sex/member-0 is not a gbdt member"); return }
        #expect(file.blueprint.boosting.objective == .binaryLogistic)
        #expect(sex.memberOutputs[0].cols == 2)
        #expect((0..<sex.memberOutputs[0].rows).allSatisfy { sex.memberOutputs[0][$0, 0] == 0 })

        // Regression GBDT members: predictions in label units (grams), near the labels.
        let mass = try #require(soft.tasks.first { $0.task == "mass" })
        let mean = Double(mass.targets.storage.reduce(0, +)) / Double(mass.targets.count)
        #expect(mean > 3500 && mean < 5000, "mean predicted mass \(mean) g")

        // Metrics: every member with its kind and size; ensembles count the trees of their GBDT members.
        let report = try EvaluationReport.read(from: layout.metrics)
        let m0 = try #require(report.model("species/member-0")), m2 = try #require(report.model("species/member-2"))
        let f0 = try gbdtFile(layout, "species", 0), f1 = try gbdtFile(layout, "species", 1)
        #expect(m0.architecture == "gbdt" && m0.trees == f0.trees.trees && m0.parameters == f0.trees.nodes)
        #expect(m2.architecture == "mlp" && m2.trees == nil)
        let ensemble = try #require(report.model("species/ensemble"))
        #expect(ensemble.trees == f0.trees.trees + f1.trees.trees)
        #expect(ensemble.parameters == f0.trees.nodes + f1.trees.nodes + m2.parameters)
        #expect((ensemble.tasks["species"]?.accuracy ?? 0) > 0.9)
        #expect((report.model("sex/ensemble")?.tasks["sex"]?.auc ?? 0) > 0.8)
        #expect((report.model("mass/ensemble")?.tasks["mass"]?.r2 ?? 0) > 0.6)
    }

    @Test func transferRowsAreLabelledByMembersOfEitherKind() throws {
        let p = try Self.pipeline(extraYAML: "transfer: {multiplier: 2, noise: 0.1, resample: 0.1, mixup: 0.2}",
                                  studentYAML: "    transfer: true")
        defer { p.remove() }
        try p.run()
        let layout = ArtifactLayout(root: p.artifacts)
        let tasks = try TransferFile.readOutputs(from: layout.transfer)
        let species = try #require(tasks.first { $0.name == "species" })
        #expect(species.members.count == 3)
        let rows = try SplitRows(path: layout.transfer, split: "transfer").read(0..<species.members[0].rows)
        for k in 0..<3 {
            let member = try TeacherMemberFile.read(from: layout.teacherMember(task: "species", member: k))
            #expect(try member.makePredictor().predict(rows) == species.members[k], "species/member-\(k) on the transfer rows")
        }
        #expect(try p.run().lines.contains { $0.contains("up to date") })
    }

    @Test func gbdtMembersCarryTheirPreprocessing() throws {
        let p = try Self.pipeline()
        defer { p.remove() }
        try p.run()
        let layout = ArtifactLayout(root: p.artifacts)
        let file = try gbdtFile(layout, "sex", 0)
        let preprocessing = try #require(file.preprocessing)
        #expect(preprocessing.inputCount == file.blueprint.inputs)
        #expect(preprocessing.tasks.map(\.name) == ["sex"])
    }

    func gbdtFile(_ layout: ArtifactLayout, _ task: String, _ member: Int) throws -> GBDTMemberFile {
        try GBDTMemberFile.read(from: layout.teacherMember(task: task, member: member))
    }

    @Test func membersKeepTheRoundOfLowestValidationLoss() throws {
        let p = try Self.pipeline(rounds: 200, earlyStopping: 5)
        defer { p.remove() }
        try p.run()
        let layout = ArtifactLayout(root: p.artifacts)
        for (task, member) in [("species", 0), ("sex", 1), ("mass", 0)] {
            let file = try gbdtFile(layout, task, member)
            let losses = file.history.map(\.validationLoss)
            #expect(file.bestIteration == losses.firstIndex(of: losses.min()!)!)
            #expect(file.rounds == min(200, file.bestIteration + 1 + 5), "\(task)/member-\(member) stops 5 rounds after its best")
            // The booster holds every round; the kept ones are the trees counted.
            let booster = try Booster(model: file.booster)
            #expect(try booster.rounds == file.rounds)
            #expect(try booster.attribute("best_iteration") == String(file.bestIteration))
            #expect(try booster.slice(0..<(file.bestIteration + 1)).treeCounts() == file.trees)
        }
    }

    @Test func runsAreByteIdenticalWhateverTheJobs() throws {
        let a = try Self.pipeline(), b = try Self.pipeline()
        defer { a.remove(); b.remove() }
        try a.run(RunOptions(jobs: 1))
        try b.run(RunOptions(jobs: 2))
        let x = try a.artifactBytes(), y = try b.artifactBytes()
        #expect(x.keys.sorted() == y.keys.sorted())
        for (k, v) in x { #expect(y[k] == v, "\(k) differs between --jobs 1 and --jobs 2") }
        #expect(x.keys.contains("teachers/mass/member-1.h5"))
    }

    @Test func changingOneGBDTSettingRetrainsOnlyThatTasksMembers() throws {
        let p = try Self.pipeline()
        defer { p.remove() }
        try p.run()
        let before = try p.artifactBytes()
        try p.write(yaml: try String(contentsOfFile: p.file, encoding: .utf8)
            .replacingOccurrences(of: "mass: {kind: gbdt, members: 2, max_depth: 3", with: "mass: {kind: gbdt, members: 2, max_depth: 2"))
        let lines = try p.run().lines
        for name in ["species/member-0", "species/member-1", "species/member-2", "sex/member-0", "sex/member-1"] {
            #expect(lines.contains { $0.hasPrefix("  \(name): unchanged, reusing") }, "\(name) was not reused")
        }
        #expect(lines.contains { $0.hasPrefix("  mass/member-0: best iteration") })
        #expect(lines.contains { $0.hasPrefix("  mass/member-1: best iteration") })
        let after = try p.artifactBytes()
        #expect(after["teachers/species/member-0.h5"] == before["teachers/species/member-0.h5"])
        #expect(after["teachers/mass/member-0.h5"] != before["teachers/mass/member-0.h5"])
        let file = try gbdtFile(ArtifactLayout(root: p.artifacts), "mass", 0)
        #expect(file.blueprint.boosting.maxDepth == 2)
    }

    @Test func aDeletedMemberIsBoostedAgainToTheSameBytes() throws {
        let p = try Self.pipeline()
        defer { p.remove() }
        try p.run()
        let before = try p.artifactBytes()
        try FileManager.default.removeItem(atPath: p.artifacts + "/teachers/sex/member-1.h5")
        let lines = try p.run().lines
        #expect(lines.contains { $0.hasPrefix("  sex/member-1: best iteration") })
        #expect(lines.contains { $0.hasPrefix("  sex/member-0: unchanged, reusing") })
        #expect(try p.artifactBytes() == before)
    }

    @Test func killedDuringBoostingResumesToIdenticalArtifacts() throws {
        guard FileManager.default.isExecutableFile(atPath: TestPipeline.binary) else {
            Issue.record("build the mtkd binary first (swift build): \(TestPipeline.binary)")
            return
        }
        // Long enough (slow shrinkage, no early stop) that the kill lands while members boost.
        let reference = try Self.pipeline(rounds: 800, earlyStopping: 800, learningRate: 0.01)
        let killed = try Self.pipeline(rounds: 800, earlyStopping: 800, learningRate: 0.01)
        defer { reference.remove(); killed.remove() }
        try reference.run()

        let proc = Process()
        proc.executableURL = URL(fileURLWithPath: TestPipeline.binary)
        proc.arguments = ["run", killed.file, "--quiet"]
        try proc.run()
        let first = killed.artifacts + "/teachers/species/member-0.h5"
        let deadline = Date().addingTimeInterval(60)
        while proc.isRunning && Date() < deadline && !FileManager.default.fileExists(atPath: first) { usleep(200) }
        kill(proc.processIdentifier, SIGKILL)
        proc.waitUntilExit()
        #expect(!FileManager.default.fileExists(atPath: killed.artifacts + "/soft-targets.h5"), "the run got past the teachers before the kill")

        let resumed = try runCLI(["run", killed.file])
        #expect(resumed.code == 0, "\(resumed.err)")
        let a = try reference.artifactBytes(), b = try killed.artifactBytes()
        #expect(a.keys.sorted() == b.keys.sorted())
        for (k, v) in a { #expect(b[k] == v, "\(k) differs after kill and resume") }
    }

    /// The committed `pipelines/census-income-gbdt.yaml` on the census slice: binary GBDT
    /// teachers over one-hot inputs, the students as in census-income.yaml.
    @Test func censusGBDTPipelineRunsOnASliceOfTheRealFile() throws {
        let fixtures = TestPipeline.repository + "/Tests/PipelineTests/Fixtures"
        var yaml = try String(contentsOfFile: TestPipeline.repository + "/pipelines/census-income-gbdt.yaml", encoding: .utf8)
        yaml = yaml.replacingOccurrences(of: "../data/census/census-income.train.csv", with: fixtures + "/census-slice.train.csv")
            .replacingOccurrences(of: "../data/census/census-income.test.csv", with: fixtures + "/census-slice.test.csv")
            .replacingOccurrences(of: "replicates: 5", with: "replicates: 1")
        let folder = NSTemporaryDirectory() + "mtkd-census-gbdt-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try yaml.write(toFile: folder + "/census.yaml", atomically: true, encoding: .utf8)
        let spec = try PipelineSpec.load(path: folder + "/census.yaml", artifactsRoot: folder + "/artifacts")
        #expect(spec.teachers.map(\.kind) == [.gbdt, .gbdt])
        try PipelineRunner(spec: spec, console: Console(capture: true), options: RunOptions(jobs: 2)).run()
        let layout = ArtifactLayout(root: spec.artifactsDirectory)
        let data = try PreparedDataset.read(from: layout.dataset, features: false)
        let member = try gbdtFile(layout, "income", 0)
        #expect(member.zeroIsMissing == data.features.map { $0.kind == .categorical })
        #expect(member.blueprint.boosting.objective == .binaryLogistic && member.blueprint.boosting.maxDepth == 6)
        let report = try EvaluationReport.read(from: layout.metrics)
        for task in ["income", "marital"] {
            let auc = try #require(report.model("\(task)/ensemble")?.tasks[task]?.auc)
            #expect(auc > 0.8, "\(task) ensemble AUC \(auc)")
        }
    }
}
