import Foundation
import Pipeline
import Testing

/// Valid pipeline files and the specs they give.
@Suite("pipeline file: valid files")
struct PipelineSpecParseTests {
    @Test func fullFileParsesToTheExpectedSpec() throws {
        try SpecFixture.with { fixture in
            var calls: [String] = []
            let spec = try PipelineSpec.parse(yaml: """
                name: quickstart
                seed: 7
                artifacts: ../artifacts
                data:
                  csv: data/penguins.csv
                  split: {train: 0.8, val: 0.1, test: 0.1}
                  header: true
                  delimiter: ";"
                  missing_values: ["", NA]
                  missing_features: impute-mean
                  max_categories: 10
                  features:
                    numeric: [bill_length_mm, bill_depth_mm]
                    categorical: [island]
                tasks:
                  - name: species
                  - name: female
                    column: sex
                    positive: [female]
                  - name: mass
                    column: body_mass_g
                    type: regression
                teachers:
                  mass: {members: 2, hidden: [32, 16], dropout: 0.2, epochs: 5, batch_size: 16,
                         learning_rate: 0.01, optimizer: sgd, momentum: 0.5, weight_decay: 0.0001}
                  species:
                soft_targets:
                  combine: mean-logits
                  temperature: 2
                students:
                  - name: kd
                    hidden: [128, 64]
                    alpha: 0.7
                    task_weights: {species: 2, mass: 0.5}
                    epochs: 40
                  - name: baseline
                    architecture: hard-sharing
                    distill: none
                    dropout: 0
                """, file: SpecFixture.file, baseDirectory: fixture.pipelines,
                columnsOf: { path, _, _ in calls.append(path); return SpecFixture.columns })

            let defaults = TrainingSpec(epochs: 30, batchSize: 32, learningRate: 0.001, optimizer: .adam,
                                        momentum: 0.9, weightDecay: 0)
            let expected = PipelineSpec(
                name: "quickstart",
                file: fixture.pipelines + "/quickstart.yaml",
                artifactsRoot: fixture.root + "/artifacts",
                seed: 7,
                data: DataSpec(
                    source: .single(path: fixture.dataFile, split: SplitFractions(train: 0.8, val: 0.1, test: 0.1)),
                    header: true, columnNames: [], delimiter: ";", missingValues: ["", "NA"],
                    features: [FeatureSpec(column: "bill_length_mm", kind: .numeric),
                               FeatureSpec(column: "bill_depth_mm", kind: .numeric),
                               FeatureSpec(column: "island", kind: .categorical)],
                    missingFeatures: .imputeMean, maxCategories: 10),
                tasks: [TaskSpec(name: "species", column: "species", kind: .classification),
                        TaskSpec(name: "female", column: "sex", kind: .classification, positiveValues: ["female"]),
                        TaskSpec(name: "mass", column: "body_mass_g", kind: .regression)],
                teachers: [TeacherSpec(task: "species", members: 3, hidden: [64], dropout: 0.1, training: defaults),
                           TeacherSpec(task: "mass", members: 2, hidden: [32, 16], dropout: 0.2,
                                       training: TrainingSpec(epochs: 5, batchSize: 16, learningRate: 0.01,
                                                              optimizer: .sgd, momentum: 0.5, weightDecay: 0.0001))],
                softTargets: SoftTargetSpec(combine: .meanLogits, temperature: 2),
                students: [StudentSpec(name: "kd", architecture: .hardSharing, hidden: [128, 64], dropout: 0.1,
                                       distill: .soft, alpha: 0.7, taskWeights: ["species": 2, "mass": 0.5],
                                       training: TrainingSpec(epochs: 40, batchSize: 32, learningRate: 0.001)),
                           StudentSpec(name: "baseline", architecture: .hardSharing, hidden: [64], dropout: 0,
                                       distill: .none, alpha: 0.5, taskWeights: [:], training: defaults)])
            #expect(spec == expected)
            #expect(calls == [fixture.dataFile])
        }
    }

    @Test func minimalFileGetsAllDefaults() throws {
        try SpecFixture.with { fixture in
            let spec = try fixture.parse("""
                name: quickstart
                data:
                  csv: data/penguins.csv
                  features:
                    numeric: [bill_length_mm]
                tasks:
                  - name: species
                """)
            let expected = PipelineSpec(
                name: "quickstart",
                file: fixture.pipelines + "/quickstart.yaml",
                artifactsRoot: FileManager.default.currentDirectoryPath + "/artifacts",
                seed: 0,
                data: DataSpec(
                    source: .single(path: fixture.dataFile, split: SplitFractions(train: 0.7, val: 0.15, test: 0.15)),
                    header: true, columnNames: [], delimiter: ",", missingValues: ["", "NA", "?"],
                    features: [FeatureSpec(column: "bill_length_mm", kind: .numeric)],
                    missingFeatures: .dropRow, maxCategories: nil),
                tasks: [TaskSpec(name: "species", column: "species", kind: .classification)],
                teachers: [],
                softTargets: SoftTargetSpec(combine: .meanProbs, temperature: 1),
                students: [StudentSpec(name: "kd", architecture: .hardSharing, hidden: [64], dropout: 0.1,
                                       distill: .soft, alpha: 0.5, taskWeights: [:],
                                       training: TrainingSpec(epochs: 30, batchSize: 32, learningRate: 0.001,
                                                              optimizer: .adam, momentum: 0.9, weightDecay: 0))])
            #expect(spec == expected)
        }
    }

    @Test func splitFilesWithoutHeaderAreNamedByPositionAndEachFileIsRead() throws {
        try SpecFixture.with { fixture in
            var calls: [String] = []
            let spec = try PipelineSpec.parse(yaml: """
                name: split-files
                data:
                  files: {train: data/penguins.csv, test: ./data/../data/penguins.csv}
                  val_fraction: 0.2
                  header: false
                  features:
                    categorical: [c1]
                tasks:
                  - name: species
                    column: c0
                """, file: SpecFixture.file, baseDirectory: fixture.pipelines,
                columnsOf: { path, _, _ in calls.append(path); return SpecFixture.columns })
            #expect(spec.data.source == .files(train: fixture.dataFile, val: nil, test: fixture.dataFile, valFraction: 0.2))
            #expect(spec.data.header == false)
            #expect(spec.data.features == [FeatureSpec(column: "c1", kind: .categorical)])
            #expect(calls == [fixture.dataFile, fixture.dataFile])
        }
    }

    @Test func artifactsRootArgumentWinsOverTheFilesKey() throws {
        try SpecFixture.with { fixture in
            let spec = try fixture.parse("""
                name: quickstart
                artifacts: ../artifacts
                data:
                  csv: data/penguins.csv
                  features: {numeric: [bill_length_mm]}
                tasks: [{name: species}]
                """, artifactsRoot: fixture.root + "/runs/../elsewhere")
            #expect(spec.artifactsRoot == fixture.root + "/elsewhere")
            #expect(spec.artifactsDirectory == fixture.root + "/elsewhere/quickstart")
        }
    }

    @Test func loadReadsTheFileAndResolvesPathsAgainstItsFolder() throws {
        try SpecFixture.with { fixture in
            let path = fixture.pipelines + "/quickstart.yaml"
            try """
                name: quickstart
                data:
                  csv: data/penguins.csv
                  features: {numeric: [bill_length_mm]}
                tasks: [{name: species}]
                """.write(toFile: path, atomically: true, encoding: .utf8)
            let spec = try PipelineSpec.load(path: path, columnsOf: { _, _, _ in SpecFixture.columns })
            #expect(spec.file == path)
            #expect(spec.data.source == .single(path: fixture.dataFile,
                                                split: SplitFractions(train: 0.7, val: 0.15, test: 0.15)))
        }
    }

    @Test func loadOfAMissingPipelineFileNamesItsResolvedPath() throws {
        try SpecFixture.with { fixture in
            let path = fixture.root + "/nowhere.yaml"
            #expect(throws: SpecError(file: path, message: "no such file: \(path)")) {
                try PipelineSpec.load(path: path, columnsOf: { _, _, _ in [] })
            }
        }
    }
}

@Suite("pipeline file: student variants") struct StudentVariantParseTests {
    @Test func variantKeysParseIntoTheStudentSpec() throws {
        let fixture = try SpecFixture()
        defer { fixture.remove() }
        let spec = try fixture.parse("""
        name: v
        data: {csv: data/penguins.csv, features: {numeric: [bill_length_mm]}}
        tasks: [{name: species}, {name: island}]
        students:
          - {name: cs, architecture: cross-stitch, alpha_same: 0.8, per_unit: true, stitch_lr_scale: 20, task_weighting: uncertainty}
          - {name: ss, architecture: soft-sharing, lambda: 0.01, batching: per-task, sampling_temperature: 2, task_weighting: inverse-size}
          - {name: base, distill: none}
        """)
        let cs = spec.students[0], ss = spec.students[1], base = spec.students[2]
        #expect(cs.architecture == .crossStitch && cs.alphaSame == 0.8 && cs.perUnit && cs.stitchLearningRateScale == 20)
        #expect(cs.taskWeighting == .uncertainty && cs.batching == .mixed)
        #expect(ss.architecture == .softSharing && ss.lambda == 0.01 && ss.batching == .perTask && ss.samplingTemperature == 2)
        #expect(ss.taskWeighting == .inverseSize)
        #expect(base.architecture == .hardSharing && base.distill == StudentSpec.Distill.none)
    }

    @Test func architectureKeyOnAnotherArchitectureIsAnError() throws {
        let fixture = try SpecFixture()
        defer { fixture.remove() }
        let text = fixture.errorText("""
        name: v
        data: {csv: data/penguins.csv, features: {numeric: [bill_length_mm]}}
        tasks: [{name: species}]
        students:
          - name: kd
            lambda: 0.1
        """)
        #expect(text == "\(SpecFixture.file):6: students[0].lambda: lambda applies to soft-sharing students only; this one is hard-sharing")
    }
}
