import Artifacts
import Foundation
import Tensor
import Testing
@testable import Pipeline
@testable import Predict

/// Gradient-boosted teacher members used outside the pipeline, on a quickstart-sized pipeline
/// (the penguins, a categorical input, missing cells imputed) with gbdt teachers for a 3-class
/// task (mixed with an MLP member), a binary one and a regression: `mtkd predict` gives the
/// soft-targets stage's probabilities to the bit (regression values to 1e-6), member by member
/// and ensemble by ensemble; the ONNX and
/// safetensors exports give `mtkd predict`'s numbers (check_export.py: onnx checker,
/// onnxruntime, a numpy walk of the trees) on every bird plus rows with missing and unseen cells.
@Suite(.serialized) struct BoostedTeachersTests {
    static let penguins = repository + "/pipelines/data/penguins.csv"

    static let yaml = """
        name: boosted
        seed: 5
        data:
          csv: \(penguins)
          split: {train: 0.7, val: 0.15, test: 0.15}
          missing_values: ["NA", ""]
          missing_features: impute-mean
          features:
            numeric: [bill_length_mm, bill_depth_mm, body_mass_g]
            categorical: [island]
        tasks:
          - name: species
          - name: sex
          - name: flipper
            column: flipper_length_mm
            type: regression
        teachers:
          species:
            - {kind: gbdt, members: 2, max_depth: 3, learning_rate: 0.3, rounds: 40, early_stopping: 5}
            - {kind: mlp, members: 1, hidden: [16], epochs: 5, batch_size: 16, learning_rate: 0.01}
          sex: {kind: gbdt, members: 2, max_depth: 3, learning_rate: 0.3, rounds: 40, early_stopping: 5}
          flipper: {kind: gbdt, members: 1, max_depth: 3, learning_rate: 0.3, rounds: 40, early_stopping: 5}
        soft_targets: {combine: mean-probs, temperature: 1}
        students:
          - name: kd
            hidden: [8]
            epochs: 2
            batch_size: 32
            learning_rate: 0.01

        """

    @Test func gbdtMembersPredictTheSoftTargetsAndExportWhatTheyPredict() throws {
        let folder = NSTemporaryDirectory() + "mtkd-boosted-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Self.yaml.write(toFile: folder + "/pipeline.yaml", atomically: true, encoding: .utf8)
        let spec = try PipelineSpec.load(path: folder + "/pipeline.yaml", artifactsRoot: folder + "/artifacts")
        try PipelineRunner(spec: spec, console: Console(capture: true), options: RunOptions(jobs: 2)).run()
        let layout = ArtifactLayout(root: spec.artifactsDirectory)
        let data = try PreparedDataset.read(from: layout.dataset)
        let train = try #require(data.split("train"))
        let soft = try SoftTargetsFile.read(from: layout.softTargets)

        // The training rows as raw CSV, in /train/source_row order: the rows soft targets were computed on.
        let all = try lines(Self.penguins)
        let body = Array(all.dropFirst())
        let trainCSV = folder + "/train.csv"
        try ([all[0]] + train.sourceRows.map { body[Int($0)] }).joined(separator: "\n").appending("\n")
            .write(toFile: trainCSV, atomically: true, encoding: .utf8)

        // Member by member: softmax of the member's logits in soft-targets.h5 (or its value in label
        // units), printed as predict prints.
        var boosted: [(name: String, path: String)] = []
        for task in soft.tasks {
            let members = spec.teacherMembers.filter { $0.teacher.task == task.task }
            for (k, (teacher, member)) in members.enumerated() {
                let path = layout.teacherMember(task: task.task, member: member)
                let name = "\(task.task)/member-\(member)"
                if teacher.kind == .gbdt { boosted.append((name, path)) }
                let out = folder + "/\(task.task)-member-\(member).csv"
                try mtkd(["predict", path, trainCSV, "-o", out])
                let info = try #require(data.tasks.first { $0.name == task.task })
                let expected = info.kind == .classification
                    ? Predictor.finish(task.memberOutputs[k], Preprocessing.Task(name: info.name, column: info.name, kind: .classification,
                                                                                 classes: info.classes))
                    : task.memberOutputs[k]
                try expectPrinted(expected, task: info, in: out, what: name)
            }
        }
        #expect(boosted.count == 5)
        // The ensembles (mean-probs at T = 1): /<task>/probs.
        let ensembles = folder + "/ensembles.csv"
        try mtkd(["predict", "--pipeline", spec.file, "--artifacts", spec.artifactsRoot, "--teachers", trainCSV, "-o", ensembles])
        for task in soft.tasks {
            let info = try #require(data.tasks.first { $0.name == task.task })
            try expectPrinted(task.targets, task: info, in: ensembles, what: "\(task.task) ensemble")
        }

        // Exports, checked on every bird (two have no measurements) and rows with a missing or unseen island.
        let input = folder + "/birds.csv"
        try (all + [
            "Adelie,,39.1,18.7,181,3750,male,2007",
            "Gentoo,Atlantis,47.5,NA,215,5000,female,2008",
            "Chinstrap,Dream,NA,17.9,NA,3700,,2009",
        ]).joined(separator: "\n").appending("\n").write(toFile: input, atomically: true, encoding: .utf8)
        var cases: [[String: String]] = []
        for (name, path) in boosted {
            let base = folder + "/" + name.replacingOccurrences(of: "/", with: "-")
            try mtkd(["predict", path, input, "-o", base + ".csv"])
            try mtkd(["export", path, "--format", "onnx", "-o", base + ".onnx"])
            try mtkd(["export", path, "--format", "safetensors", "-o", base + ".safetensors"])
            cases.append(["name": "boosted \(name)", "onnx": base + ".onnx", "safetensors": base + ".safetensors",
                          "input": input, "predictions": base + ".csv"])
        }
        guard pythonChecks.available else {
            if pythonChecks.required { Issue.record("python3 cannot import onnx, onnxruntime, safetensors and numpy; scripts/test installs them") }
            return
        }
        let manifest = folder + "/cases.json"
        try JSONSerialization.data(withJSONObject: cases).write(to: URL(fileURLWithPath: manifest))
        let check = try run("/usr/bin/env", [python, checkScript, manifest])
        #expect(check.code == 0, "\(check.out)\(check.err)")
        #expect(check.out.split(separator: "\n").filter { $0.hasPrefix("OK ") }.count == cases.count, "\(check.out)")
    }

    /// The probability columns of `task` in a predictions CSV are `expected`'s f32 values, printed
    /// exactly; a regression task's value is `expected`'s to 1e-6 (relative to max(1, |value|):
    /// soft targets scale to label units in f32, predict in double).
    private func expectPrinted(_ expected: Matrix, task: TaskInfo, in path: String, what: String,
                               sourceLocation: SourceLocation = #_sourceLocation) throws {
        let rows = try lines(path).map(cells)
        let column = Dictionary(rows[0].enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let names = task.kind == .classification ? task.classes.map { PredictionColumns.probability(task.name, $0) } : [task.name]
        let columns = try names.map { try #require(column[$0], "no column \($0)", sourceLocation: sourceLocation) }
        let printed = rows.dropFirst().map { row in columns.map { row[$0] } }
        let wanted = (0..<expected.rows).map { r in expected.row(r).map(\.description) }
        #expect(printed.count == wanted.count, "\(what): \(printed.count) rows for \(wanted.count)", sourceLocation: sourceLocation)
        let differing = zip(printed, wanted).filter { p, w in
            task.kind == .classification ? p != w : zip(p, w).contains { a, b in
                guard let a = Double(a), let b = Double(b) else { return true }
                return abs(a - b) > 1e-6 * max(1, abs(b))
            }
        }.count
        #expect(differing == 0, "\(what): \(differing) of \(wanted.count) rows differ from soft-targets.h5", sourceLocation: sourceLocation)
    }
}
