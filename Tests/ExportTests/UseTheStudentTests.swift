import Artifacts
import Foundation
import HDF5
import Metrics
import Tabular
import Tensor
import Testing
@testable import Pipeline
@testable import Predict

/// A trained pipeline's models used outside the pipeline, checked three ways on its test rows:
/// `mtkd predict` encodes them exactly as `prepare` did and reproduces the accuracy in
/// report/metrics.json; the ONNX and safetensors exports give `mtkd predict`'s numbers
/// (check_export.py: onnx checker, onnxruntime, an independent numpy forward pass).
@Suite(.serialized) struct UseTheStudentTests {
    /// The pipelines: the quickstart (plus a per-unit cross-stitch student with two stitched
    /// layers), the committed census slice (categorical inputs, '?' missing, impute-mean, a
    /// headerless file), and a small one with a categorical input capped to `<other>`, a
    /// regression task and two-layer columns; and penguins with numeric columns scaled per group
    /// (minmax, none, standard) and a missing numeric cell in every fifth row, imputed.
    enum Case: String, CaseIterable, CustomTestStringConvertible {
        case quickstart, census, tiny, scaled
        var testDescription: String { rawValue }
    }

    @Test(arguments: Case.allCases)
    func predictAndExportsAgreeWithTheEvaluation(_ which: Case) throws {
        let folder = NSTemporaryDirectory() + "mtkd-use-\(which.rawValue)-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (yaml, source) = try pipeline(which, folder: folder)
        try yaml.write(toFile: folder + "/pipeline.yaml", atomically: true, encoding: .utf8)
        let spec = try PipelineSpec.load(path: folder + "/pipeline.yaml", artifactsRoot: folder + "/artifacts")
        try PipelineRunner(spec: spec, console: Console(capture: true), options: RunOptions(jobs: 2)).run()
        let layout = ArtifactLayout(root: spec.artifactsDirectory)
        let data = try PreparedDataset.read(from: layout.dataset)
        let test = try #require(data.split("test"))
        if which == .scaled {
            #expect(test.sourceRows.filter { $0 % 5 == 0 }.count >= 5, "test rows with a missing measurement")
            #expect(data.features.prefix(4).map(\.scaling.method) == [.minmax, .minmax, .none, .standard])
        }
        let report = try EvaluationReport.read(from: layout.metrics)

        // The test rows as raw CSV, picked from the source file by /test/source_row.
        let all = try lines(source)
        let header = spec.data.header ? [all[0]] : []
        let body = Array(all.dropFirst(header.count))
        let testCSV = folder + "/test.csv"
        try (header + test.sourceRows.map { body[Int($0)] }).joined(separator: "\n").appending("\n")
            .write(toFile: testCSV, atomically: true, encoding: .utf8)

        // Encoding: predict's input rows are prepare's, bit for bit.
        let student = try ModelFile.read(from: layout.student(spec.students[0].name, replicate: 0))
        let pre = try #require(student.preprocessing)
        let table = try CSVTable.read(testCSV, options: PredictionRun.csvOptions(pre))
        var x = Matrix.empty
        try RowEncoder(pre, columnNames: table.columnNames, source: testCSV).encode(table, into: &x)
        #expect(x == test.x, "encoded test rows differ from /test/x")

        // Every student and the first member of each teacher ensemble.
        var models = spec.students.map { (name: $0.name, path: layout.student($0.name, replicate: 0)) }
        models += spec.teachers.map { (name: "\($0.task)/member-0", path: layout.teacherMember(task: $0.task, member: 0)) }
        var cases: [[String: String]] = []
        for (name, path) in models {
            let model = try ModelFile.read(from: path)
            #expect(model.preprocessing?.features == pre.features, "\(name) reads other features")
            let predictions = folder + "/\(name.replacingOccurrences(of: "/", with: "-")).csv"
            try mtkd(["predict", path, testCSV, "-o", predictions])
            try expectReportedMetrics(of: name, predictions: predictions, report: report, data: data, test: test)
            try expectEvaluationOutputs(of: model, predictions: predictions, dataset: data, path: layout.dataset)
            let base = folder + "/" + name.replacingOccurrences(of: "/", with: "-")
            try mtkd(["export", path, "--format", "onnx", "-o", base + ".onnx"])
            try mtkd(["export", path, "--format", "safetensors", "-o", base + ".safetensors"])
            cases.append(["name": "\(which.rawValue) \(name)", "onnx": base + ".onnx", "safetensors": base + ".safetensors",
                          "input": testCSV, "predictions": predictions])
        }
        // The teacher ensembles, as the evaluation combined them.
        let ensembles = folder + "/ensembles.csv"
        try mtkd(["predict", "--pipeline", spec.file, "--artifacts", spec.artifactsRoot, "--teachers", testCSV, "-o", ensembles])
        for teacher in spec.teachers {
            try expectReportedMetrics(of: "\(teacher.task)/ensemble", predictions: ensembles, report: report, data: data, test: test)
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

    /// The report's test metrics of `name`, recomputed from `mtkd predict`'s output: accuracy
    /// exactly; for regression the RMSE to 1e-5 (values are printed as f32 in label units).
    private func expectReportedMetrics(of name: String, predictions: String, report: EvaluationReport, data: PreparedDataset,
                                       test: SplitData, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let evaluation = try #require(report.models.first { $0.name == name }, sourceLocation: sourceLocation)
        // A student's replicate 0 (the file predicted with), a member's or an ensemble's own metrics.
        let reported = evaluation.replicates?.first { $0.replicate == 0 }?.tasks ?? evaluation.tasks
        let rows = try lines(predictions).map(cells)
        let column = Dictionary(rows[0].enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(rows.count == test.rowCount + 1, sourceLocation: sourceLocation)
        for (taskName, metrics) in reported {
            let t = try #require(data.taskIndex(taskName))
            let c = try #require(column[taskName], "no column \(taskName) in \(predictions)", sourceLocation: sourceLocation)
            switch test.labels[t] {
            case .classes(let labels):
                let index = Dictionary(uniqueKeysWithValues: data.tasks[t].classes.enumerated().map { ($1, Int32($0)) })
                let predicted = rows.dropFirst().map { index[$0[c]] ?? -2 }
                #expect(Metrics.accuracy(predicted: predicted, labels: labels) == metrics.accuracy,
                        "\(name) \(taskName) accuracy", sourceLocation: sourceLocation)
            case .values(let values):
                let predicted = rows.dropFirst().map { Double($0[c]) ?? .nan }
                let rmse = try #require(Metrics.rmse(predicted: predicted, targets: values.map(Double.init)), sourceLocation: sourceLocation)
                let expected = try #require(metrics.rmse, sourceLocation: sourceLocation)
                #expect(abs(rmse - expected) <= 1e-5 * max(1, expected), "\(name) \(taskName) RMSE \(rmse) vs \(expected)",
                        sourceLocation: sourceLocation)
            }
        }
    }

    /// `mtkd predict`'s numbers are the evaluation's to the bit: the network on /test/x in the
    /// evaluation's batches, softmax (or label units), printed as the shortest f32 text.
    private func expectEvaluationOutputs(of model: ModelFile, predictions: String, dataset: PreparedDataset, path: String,
                                         sourceLocation: SourceLocation = #_sourceLocation) throws {
        let outputs = try dataset.blocks("test", tasks: [], path: path).predict(try model.makeNetwork())
        let rows = try lines(predictions).map(cells)
        let column = Dictionary(rows[0].enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        for (task, out) in zip(try #require(model.preprocessing).tasks, outputs) {
            let expected: [[String]]
            let printed: [[String]]
            switch task.kind {
            case .classification:
                let p = Predictor.finish(out, task)
                expected = (0..<p.rows).map { r in p.row(r).map(\.description) }
                let columns = task.classes.map { column[PredictionColumns.probability(task.name, $0)]! }
                printed = rows.dropFirst().map { row in columns.map { row[$0] } }
            case .regression:
                let v = Predictor.finish(out, task)
                expected = v.storage.map { [$0.description] }
                printed = rows.dropFirst().map { [$0[column[task.name]!]] }
            }
            let differing = zip(expected, printed).filter { $0 != $1 }.count
            #expect(differing == 0, "\(model.name) \(task.name): \(differing) of \(expected.count) rows differ from the evaluation's outputs",
                    sourceLocation: sourceLocation)
        }
    }

    /// The pipeline file's text and its source CSV (the test rows come from there).
    private func pipeline(_ which: Case, folder: String) throws -> (String, String) {
        let penguins = repository + "/pipelines/data/penguins.csv"
        switch which {
        case .quickstart:
            let yaml = try String(contentsOfFile: repository + "/pipelines/quickstart.yaml", encoding: .utf8)
                .replacingOccurrences(of: "csv: data/penguins.csv", with: "csv: \(penguins)")
            return (yaml + """

              - name: stitch-unit             # (test) per-unit stitches after two hidden layers
                architecture: cross-stitch
                per_unit: true
                hidden: [16, 8]
                epochs: 40
                batch_size: 16
                learning_rate: 0.003

            """, penguins)
        case .census:
            let fixtures = repository + "/Tests/PipelineTests/Fixtures"
            let yaml = try String(contentsOfFile: repository + "/pipelines/census-income.yaml", encoding: .utf8)
                .replacingOccurrences(of: "../data/census/census-income.train.csv", with: fixtures + "/census-slice.train.csv")
                .replacingOccurrences(of: "../data/census/census-income.test.csv", with: fixtures + "/census-slice.test.csv")
            return (yaml, fixtures + "/census-slice.test.csv")
        case .tiny:
            return ("""
            name: tiny
            seed: 11
            data:
              csv: \(penguins)
              missing_values: ["NA"]
              max_categories: 2
              features:
                numeric: [bill_length_mm, bill_depth_mm, flipper_length_mm]
                categorical: [island]
            tasks:
              - name: species
              - name: sex
              - name: mass
                column: body_mass_g
                type: regression
            teachers:
              species: {members: 2, hidden: [16], epochs: 6, batch_size: 16, learning_rate: 0.01}
              mass: {members: 2, hidden: [16], epochs: 6, batch_size: 16, learning_rate: 0.01}
            soft_targets: {temperature: 2}
            students:
              - name: kd
                hidden: [16, 8]
                epochs: 10
                batch_size: 16
                learning_rate: 0.01
              - name: stitch
                architecture: cross-stitch
                hidden: [16, 8]
                epochs: 10
                batch_size: 16
                learning_rate: 0.01
              - name: columns
                architecture: soft-sharing
                hidden: [16, 8]
                epochs: 10
                batch_size: 16
                learning_rate: 0.01

            """, penguins)
        case .scaled:
            // Every fifth row loses one of its four measurements, in turn.
            var rows = try lines(penguins)
            let header = cells(rows[0])
            let measured = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"].map { header.firstIndex(of: $0)! }
            for r in stride(from: 1, to: rows.count, by: 5) {
                var row = cells(rows[r])
                row[measured[(r / 5) % 4]] = "NA"
                rows[r] = row.joined(separator: ",")
            }
            let source = folder + "/penguins-holes.csv"
            try (rows.joined(separator: "\n") + "\n").write(toFile: source, atomically: true, encoding: .utf8)
            return ("""
            name: scaled
            seed: 5
            data:
              csv: \(source)
              missing_values: ["NA"]
              missing_features: impute-mean
              features:
                numeric:
                  - {columns: [bill_length_mm, bill_depth_mm], scaling: minmax}
                  - {columns: [flipper_length_mm], scaling: none}
                  - body_mass_g
                categorical: [island]
            tasks:
              - name: species
              - name: sex
            teachers:
              species: {members: 2, hidden: [16], epochs: 6, batch_size: 16, learning_rate: 0.01}
            students:
              - name: kd
                hidden: [16]
                epochs: 10
                batch_size: 16
                learning_rate: 0.01

            """, source)
        }
    }
}
