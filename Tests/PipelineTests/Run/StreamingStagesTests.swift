import Artifacts
import Foundation
import HDF5
import MultiTask
import Tensor
import Testing
@testable import Pipeline

/// Soft targets and evaluation stream their splits (issue 13, item 4): one pass, every block read
/// once and given to every model, member outputs set aside on disk. The files must be byte for
/// byte those of the whole-split computation they replace, written here as it was: every member
/// predicting the whole split, the ensembles combined on whole matrices, one `write` per array.
@Suite(.serialized) struct StreamingStagesTests {
    /// The pipelines: the quickstart (classification, 3 + 3 members), the test pipeline (a
    /// regression teacher too), and a generated one of 70,000 rows, so that the training split
    /// spans several chunks of the soft-targets file and blocks end inside chunks.
    static let cases = ["quickstart", "tiny", "generated"]

    @Test(arguments: cases)
    func softTargetsAreTheBytesOfTheWholeSplitComputationWhateverTheBlockSize(_ name: String) throws {
        try withPipeline(name) { spec in
            let layout = ArtifactLayout(root: spec.artifactsDirectory)
            let dataset = try PreparedDataset.read(from: layout.dataset, features: false)
            let context = StageContext(spec: spec, layout: layout, console: Console(capture: true))
            // A network's outputs on a row may differ in the last bit with the rows predicted at
            // once (the matrix product's kernels): the reference predicts in blocks of the same size.
            for (blockRows, jobs) in [(SplitBlocks.defaultBlockRows, 1), (1_000, 2), (7, 1)] where name != "generated" || blockRows > 7 {
                let reference = layout.softTargets + ".reference.h5"
                try Self.wholeSplitSoftTargets(spec, dataset: dataset, layout: layout, blockRows: blockRows, to: reference)
                let expected = try Data(contentsOf: URL(fileURLWithPath: reference))
                try FileManager.default.removeItem(atPath: reference)
                try SoftTargetsStage(context: context, blockRows: blockRows).run(dataset: dataset, jobs: jobs)
                let written = try Data(contentsOf: URL(fileURLWithPath: layout.softTargets))
                #expect(written == expected, "\(name): blocks of \(blockRows) rows, \(jobs) jobs")
            }
            // Nothing is left beside the file (the set-aside outputs are unlinked at once).
            let folder = (layout.softTargets as NSString).deletingLastPathComponent
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix(AtomicWrite.marker) } == [])
        }
    }

    /// Every model's outputs in one pass over a split are those each model gives on the split alone.
    @Test(arguments: ["quickstart", "tiny"])
    func evaluationsOnePassGivesEachModelsOwnOutputs(_ name: String) throws {
        try withPipeline(name, students: true) { spec in
            let layout = ArtifactLayout(root: spec.artifactsDirectory)
            let dataset = try PreparedDataset.read(from: layout.dataset, features: false)
            let members = try spec.teacherMembers.map {
                try TeacherMemberFile.read(from: spec.teacherMemberFile(task: $0.teacher.task, member: $0.member)).makePredictor()
            }
            let networks = try spec.students.flatMap { s in
                try (0..<s.replicates).map { try ModelFile.read(from: layout.student(s.name, replicate: $0)).makeNetwork() }
            }
            for (split, blockRows) in [("test", SplitBlocks.defaultBlockRows), ("test", 5), ("val", 3)] {
                let rows = try dataset.blocks(split, tasks: [], path: layout.dataset, blockRows: blockRows, cached: false)
                let out = try EvaluateStage.predict(rows, members: members, networks: networks, jobs: 2)
                for (i, m) in members.enumerated() { #expect(out.members[i] == (try rows.predict(m)), "\(split) member \(i)") }
                for (i, n) in networks.enumerated() { #expect(out.networks[i] == (try rows.predict(n)), "\(split) network \(i)") }
            }
        }
    }

    /// A student's targets rebuilt from the members' outputs a block at a time are those rebuilt
    /// from the whole arrays, at any T and combination.
    @Test(arguments: cases)
    func targetsCombinedBlockByBlockAreThoseOfTheWholeArrays(_ name: String) throws {
        try withPipeline(name) { spec in
            let layout = ArtifactLayout(root: spec.artifactsDirectory)
            let dataset = try PreparedDataset.read(from: layout.dataset, features: false)
            try SoftTargetsStage(context: StageContext(spec: spec, layout: layout, console: Console(capture: true))).run(dataset: dataset)
            let whole = try SoftTargetsFile.read(from: layout.softTargets)
            for task in whole.tasks {
                let info = dataset.tasks[dataset.taskIndex(task.task)!]
                for (combine, temperature) in [(EnsembleCombine.meanProbs, Float(1)), (.meanLogits, 4)] {
                    func targets(_ m: [Matrix]) -> Matrix {
                        info.standardised(info.kind == .classification
                            ? Ensemble.probabilities(memberLogits: m, combine: combine, temperature: temperature) : Ensemble.meanPrediction(m))
                    }
                    for blockRows in [131_072, 7] {
                        for validation in [false, true] {
                            let got = try #require(try SoftTargetsFile.combinedTargets(from: layout.softTargets, task: task.task, validation: validation,
                                                                                       blockRows: blockRows, combine: targets))
                            let expected = targets(validation ? task.validationMemberOutputs : task.memberOutputs)
                            #expect(got.storage.map(\.bitPattern) == expected.storage.map(\.bitPattern) && got.rows == expected.rows,
                                    "\(task.task) \(combine) T \(temperature), blocks of \(blockRows), validation \(validation)")
                        }
                    }
                }
            }
            #expect(try SoftTargetsFile.combinedTargets(from: layout.softTargets, task: "no-such-task", validation: false) { $0[0] } == nil)
        }
    }

    /// Blocks that read the teachers' targets from the file as they go carry exactly the targets
    /// held whole before, block for block (what a student trains and validates on).
    @Test(arguments: cases)
    func blocksReadingTheirTargetsFromTheFileCarryTheWholeTargets(_ name: String) throws {
        try withPipeline(name) { spec in
            let layout = ArtifactLayout(root: spec.artifactsDirectory)
            let dataset = try PreparedDataset.read(from: layout.dataset, features: false)
            try SoftTargetsStage(context: StageContext(spec: spec, layout: layout, console: Console(capture: true))).run(dataset: dataset)
            let whole = try SoftTargetsFile.read(from: layout.softTargets)
            let all = Array(dataset.tasks.indices)
            for (split, blockRows) in [("train", SplitBlocks.defaultBlockRows), ("train", 10_000), ("val", 7)] {
                let held = try dataset.blocks(split, tasks: all, path: layout.dataset, blockRows: blockRows)
                let streamed = try dataset.blocks(split, tasks: all, path: layout.dataset, blockRows: blockRows)
                for (t, info) in dataset.tasks.enumerated() {
                    guard let task = whole.task(info.name) else { continue }
                    let combine = { (m: [Matrix]) in info.standardised(info.kind == .classification
                        ? Ensemble.probabilities(memberLogits: m, combine: .meanLogits, temperature: 2) : Ensemble.meanPrediction(m)) }
                    held.targets[t].soft = combine(split == "train" ? task.memberOutputs : task.validationMemberOutputs)
                    streamed.softSources[t] = try #require(try SoftTargetsFile.TargetsReader(path: layout.softTargets, task: info.name,
                                                                                             validation: split == "val", combine: combine))
                }
                #expect(streamed.targets.allSatisfy { $0.soft == nil })
                for b in 0..<held.blockCount {
                    let (h, s) = (try held.block(b), try streamed.block(b))
                    #expect(h.x == s.x)
                    for t in all {
                        #expect(h.targets[t].soft?.storage.map(\.bitPattern) == s.targets[t].soft?.storage.map(\.bitPattern),
                                "\(name) \(split) block \(b) task \(t)")
                    }
                }
            }
        }
    }

    // MARK: - Support

    /// Runs `name`'s pipeline through its teachers (and students when asked) in a temporary folder.
    func withPipeline(_ name: String, students: Bool = false, _ body: (PipelineSpec) throws -> Void) throws {
        let folder = NSTemporaryDirectory() + "mtkd-streaming-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let yamlPath: String
        switch name {
        case "quickstart":
            var yaml = try String(contentsOfFile: TestPipeline.repository + "/pipelines/quickstart.yaml", encoding: .utf8)
            yaml = yaml.replacingOccurrences(of: "csv: data/penguins.csv", with: "csv: \(TestPipeline.penguins)")
                .replacingOccurrences(of: "epochs: 60", with: "epochs: 3")
                .replacingOccurrences(of: "replicates: 3", with: "replicates: 1")
            yamlPath = folder + "/quickstart.yaml"
            try yaml.write(toFile: yamlPath, atomically: true, encoding: .utf8)
        case "tiny":
            yamlPath = try TestPipeline(epochs: 2, studentEpochs: 2, folder: folder).file
        default:
            // Two numeric features, a binary and a regression task with teachers, 70,000 rows.
            var csv = "a,b,y,z\n"
            var rng = RNG(seed: 3)
            for _ in 0..<70_000 {
                let a = rng.uniform(-1, 1), b = rng.uniform(-1, 1)
                csv += "\(a),\(b),\(a + b > 0 ? "p" : "q"),\(a * 3 - b)\n"
            }
            try csv.write(toFile: folder + "/data.csv", atomically: true, encoding: .utf8)
            yamlPath = folder + "/generated.yaml"
            try """
            name: generated
            seed: 5
            data:
              csv: data.csv
              features: {numeric: [a, b]}
            tasks:
              - name: y
              - {name: z, type: regression}
            teachers:
              y: {members: 2, hidden: [4], epochs: 1, batch_size: 512}
              z: {members: 2, hidden: [4], epochs: 1, batch_size: 512}
            soft_targets: {combine: mean-logits, temperature: 3}
            students: [{name: kd, hidden: [4], epochs: 1, batch_size: 512}]
            """.write(toFile: yamlPath, atomically: true, encoding: .utf8)
        }
        let spec = try PipelineSpec.load(path: yamlPath, artifactsRoot: folder + "/artifacts")
        let console = Console(capture: true)
        try PipelineRunner(spec: spec, console: console, options: RunOptions(only: "prepare")).run()
        try PipelineRunner(spec: spec, console: console, options: RunOptions(only: "teachers")).run()
        if students {
            try PipelineRunner(spec: spec, console: console, options: RunOptions(only: "soft-targets")).run()
            for s in spec.students { try PipelineRunner(spec: spec, console: console, options: RunOptions(only: "student:\(s.name)")).run() }
        }
        try body(spec)
    }

    /// soft-targets.h5 as the whole-split stage made it (which read its rows in blocks of 32,768).
    static func wholeSplitSoftTargets(_ spec: PipelineSpec, dataset: PreparedDataset, layout: ArtifactLayout, blockRows: Int,
                                      to path: String) throws {
        let rows = try dataset.blocks("train", tasks: [], path: layout.dataset, blockRows: blockRows)
        let valRows = try dataset.blocks("val", tasks: [], path: layout.dataset, blockRows: blockRows)
        let combine = EnsembleCombine(rawValue: spec.softTargets.combine.rawValue)!
        let members = spec.teacherMembers
        let results = try members.map { teacher, member -> (Matrix, Matrix, Double) in
            let info = dataset.tasks[dataset.taskIndex(teacher.task)!]
            let model = try TeacherMemberFile.read(from: spec.teacherMemberFile(task: teacher.task, member: member))
            let predictor = try model.makePredictor()
            return (info.inLabelUnits(try rows.predict(predictor)), info.inLabelUnits(try valRows.predict(predictor)), model.keptValidationMetric)
        }
        let tasks = spec.teacherTasks.map { task -> TaskSoftTargets in
            let info = dataset.tasks[dataset.taskIndex(task)!]
            let mine = members.indices.filter { members[$0].teacher.task == task }
            let outputs = mine.map { results[$0].0 }
            let targets = info.kind == .classification
                ? Ensemble.probabilities(memberLogits: outputs, combine: combine, temperature: Float(spec.softTargets.temperature))
                : Ensemble.meanPrediction(outputs)
            return TaskSoftTargets(task: task, kind: info.kind, memberOutputs: outputs, targets: targets,
                                   memberValidation: mine.map { results[$0].2 }, validationMemberOutputs: mine.map { results[$0].1 })
        }
        try oneWritePerArray(SoftTargetsFile(temperature: spec.softTargets.temperature, combine: combine.rawValue, tasks: tasks), to: path)
    }

    /// `SoftTargetsFile.write(to:)` before it wrote block by block: every array in one `write`.
    static func oneWritePerArray(_ s: SoftTargetsFile, to path: String) throws {
        let file = try H5File.create(path)
        let root = file.root
        try ArtifactHeader.write(root, format: SoftTargetsFile.format)
        try root.attributes.set("split", .string("train"))
        try root.attributes.set("temperature", .double(s.temperature))
        try root.attributes.set("combine", .string(s.combine))
        try root.attributes.set("tasks", .strings(s.tasks.map(\.task)))
        for t in s.tasks {
            let g = try root.createGroup(t.task)
            let k = t.memberOutputs.count
            let n = t.targets.rows, c = t.targets.cols
            try g.attributes.set("kind", .string(t.kind.rawValue))
            try g.attributes.set("members", .int(Int64(k)))
            try g.attributes.set("member_validation", .doubles(t.memberValidation))
            let chunkRows = max(1, min(max(n, 1), 65_536 / max(c, 1)))
            let (membersName, targetName) = t.kind == .classification ? ("logits", "probs") : ("predictions", "mean")
            let members = try g.write(t.memberOutputs.flatMap(\.storage), shape: [k, n, c], to: membersName,
                                      chunks: [1, chunkRows, c], compression: .shuffleDeflate)
            let targets = try g.write(t.targets.storage, shape: [n, c], to: targetName, chunks: [chunkRows, c], compression: .shuffleDeflate)
            if let first = t.validationMemberOutputs.first {
                let nv = first.rows
                try g.write(t.validationMemberOutputs.flatMap(\.storage), shape: [k, nv, c], to: "val_" + membersName,
                            chunks: [1, max(1, min(max(nv, 1), 65_536 / max(c, 1))), c], compression: .shuffleDeflate)
                    .attributes.set("description", .string("every member's outputs on the validation split (member, validation row, class), as \(membersName)"))
            }
            if t.kind == .classification {
                try members.attributes.set("description", .string("every member's logits (member, training row, class) at temperature 1; softmax(logits / T) gives the member's targets at T"))
                try targets.attributes.set("description", .string("the ensemble's class probabilities (training row, class) at temperature \(s.temperature), members combined by \(s.combine)"))
            } else {
                try members.attributes.set("description", .string("every member's prediction (member, training row, 1) in label units"))
                try targets.attributes.set("description", .string("the members' mean prediction (training row, 1) in label units"))
            }
        }
        try file.close()
    }
}
