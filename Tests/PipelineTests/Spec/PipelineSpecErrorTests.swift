import Foundation
import Pipeline
import Testing

/// Each bad input gives one error naming the file, the line and the key, as the user sees it.
@Suite("pipeline file: errors")
struct PipelineSpecErrorTests {
    // MARK: - The file as YAML

    @Test func yamlSyntaxErrorNamesTheLine() throws {
        try SpecFixture.with { fixture in
            #expect(fixture.errorText("""
                name: quickstart
                data:
                  csv: data/penguins.csv
                   features: {numeric: [bill_length_mm]}
                tasks: [{name: species}]
                """) == "pipelines/quickstart.yaml:4: invalid YAML: mapping values are not allowed in this context")
        }
    }

    @Test func emptyFileSaysWhatAPipelineNeeds() throws {
        try SpecFixture.with { fixture in
            #expect(fixture.errorText("# nothing yet\n")
                    == "pipelines/quickstart.yaml: the file holds no settings; a pipeline needs at least name, data and tasks")
        }
    }

    @Test func topLevelListIsRejected() throws {
        try SpecFixture.with { fixture in
            #expect(fixture.errorText("- name: quickstart\n")
                    == "pipelines/quickstart.yaml:1: expected a mapping of pipeline settings (name, data, tasks, …), got a list")
        }
    }

    // MARK: - Keys

    @Test func unknownTopLevelKeySuggestsTheNearestKey() throws {
        try SpecFixture.with { fixture in
            #expect(fixture.errorText("""
                name: quickstart
                sed: 3
                """) == "pipelines/quickstart.yaml:2: sed: unknown key 'sed'; did you mean 'seed'?")
        }
    }

    @Test func unknownNestedKeySuggestsTheNearestKey() throws {
        try SpecFixture.with { fixture in
            #expect(fixture.errorText("""
                name: quickstart
                soft_targets:
                  combine: mean-probs
                  tempreature: 2
                """) == "pipelines/quickstart.yaml:4: soft_targets.tempreature: unknown key 'tempreature'; did you mean 'temperature'?")
        }
    }

    @Test func unknownKeyFarFromAnyListsTheValidKeys() throws {
        try SpecFixture.with { fixture in
            #expect(fixture.errorText("""
                name: quickstart
                soft_targets: {smoothing: 0.1}
                """) == "pipelines/quickstart.yaml:2: soft_targets.smoothing: unknown key 'smoothing'; valid keys are: combine, temperature")
        }
    }

    @Test func duplicateKeyNamesTheRepeatAndTheFirstLine() throws {
        try SpecFixture.with { fixture in
            #expect(fixture.errorText("""
                name: quickstart
                teachers:
                  species:
                    members: 3
                    epochs: 10
                    members: 5
                """) == "pipelines/quickstart.yaml:6: teachers.species.members: duplicate key 'members' (first given on line 4)")
        }
    }

    @Test func missingRequiredNameIsReportedAtItsMapping() throws {
        try SpecFixture.with { fixture in
            #expect(fixture.errorText("""
                data:
                  csv: data/penguins.csv
                  features: {numeric: [bill_length_mm]}
                tasks: [{name: species}]
                """) == "pipelines/quickstart.yaml:1: name: missing required key 'name'")
        }
    }

    // MARK: - Types and ranges

    @Test func wrongTypeSaysWhatWasExpectedAndWhatWasFound() throws {
        try SpecFixture.with { fixture in
            #expect(fixture.errorText("""
                name: quickstart
                students:
                  - name: kd
                    hidden: abc
                """) == "pipelines/quickstart.yaml:4: students[0].hidden: expected a list of integers, got a string 'abc'")
        }
    }

    @Test func integerWrittenAsFloatIsRejected() throws {
        try SpecFixture.with { fixture in
            #expect(fixture.errorText("""
                name: quickstart
                teachers:
                  species: {members: 3.0}
                """) == "pipelines/quickstart.yaml:3: teachers.species.members: expected an integer, got 3.0")
        }
    }

    @Test func temperatureZeroIsOutOfRange() throws {
        try SpecFixture.with { fixture in
            #expect(fixture.errorText("""
                name: quickstart
                soft_targets:
                  temperature: 0
                """) == "pipelines/quickstart.yaml:3: soft_targets.temperature: temperature must be > 0, got 0")
        }
    }

    @Test func negativeAlphaIsOutOfRange() throws {
        try SpecFixture.with { fixture in
            #expect(fixture.errorText("""
                name: quickstart
                students:
                  - name: kd
                    alpha: -0.5
                """) == "pipelines/quickstart.yaml:4: students[0].alpha: alpha must be between 0 and 1, got -0.5")
        }
    }

    @Test func dropoutOfOneIsOutOfRange() throws {
        try SpecFixture.with { fixture in
            #expect(fixture.errorText("""
                name: quickstart
                teachers:
                  species:
                    dropout: 1
                """) == "pipelines/quickstart.yaml:4: teachers.species.dropout: dropout must be >= 0 and < 1, got 1")
        }
    }

    @Test func zeroMembersIsOutOfRange() throws {
        try SpecFixture.with { fixture in
            #expect(fixture.errorText("""
                name: quickstart
                teachers:
                  species:
                    members: 0
                """) == "pipelines/quickstart.yaml:4: teachers.species.members: members must be >= 1, got 0")
        }
    }

    @Test func zeroLayerWidthNamesTheListItem() throws {
        try SpecFixture.with { fixture in
            #expect(fixture.errorText("""
                name: quickstart
                teachers:
                  species:
                    hidden: [64,
                             0]
                """) == "pipelines/quickstart.yaml:5: teachers.species.hidden[1]: hidden[1] must be >= 1, got 0")
        }
    }

    @Test func unknownEnumValueListsTheValidValues() throws {
        try SpecFixture.with { fixture in
            #expect(fixture.errorText("""
                name: quickstart
                students:
                  - name: kd
                    optimizer: adamw
                """) == "pipelines/quickstart.yaml:4: students[0].optimizer: unknown value 'adamw'; valid values are: adam, sgd")
        }
    }

    @Test func invalidPipelineNameSaysWhatIsAllowed() throws {
        try SpecFixture.with { fixture in
            #expect(fixture.errorText("name: my pipeline\n")
                    == "pipelines/quickstart.yaml:1: name: invalid name 'my pipeline': use letters, digits, '_', '.' and '-', starting with a letter or digit")
        }
    }

    // MARK: - Data

    @Test func csvAndFilesTogetherAreRejected() throws {
        try SpecFixture.with { fixture in
            #expect(fixture.errorText("""
                name: quickstart
                data:
                  csv: data/penguins.csv
                  files: {train: data/penguins.csv, test: data/penguins.csv}
                  features: {numeric: [bill_length_mm]}
                """) == "pipelines/quickstart.yaml:4: data.files: give either csv (one file, split by fractions) or files (one file per split), not both")
        }
    }

    @Test func splitNotSummingToOneShowsTheSum() throws {
        try SpecFixture.with { fixture in
            #expect(fixture.errorText("""
                name: quickstart
                data:
                  csv: data/penguins.csv
                  split: {train: 0.7, val: 0.1, test: 0.1}
                  features: {numeric: [bill_length_mm]}
                """) == "pipelines/quickstart.yaml:4: data.split: split fractions must sum to 1, got 0.9 (train 0.7 + val 0.1 + test 0.1)")
        }
    }

    @Test func missingDataFileNamesTheResolvedPath() throws {
        try SpecFixture.with { fixture in
            #expect(fixture.errorText("""
                name: quickstart
                data:
                  csv: data/pengiuns.csv
                  features: {numeric: [bill_length_mm]}
                tasks: [{name: species}]
                """) == "pipelines/quickstart.yaml:3: data.csv: no such file: \(fixture.pipelines)/data/pengiuns.csv")
        }
    }

    @Test func unknownColumnSuggestsTheNearestColumn() throws {
        try SpecFixture.with { fixture in
            #expect(fixture.errorText("""
                name: quickstart
                data:
                  csv: data/penguins.csv
                  features:
                    numeric: [bill_depth_mm, bil_length]
                tasks: [{name: species}]
                """) == "pipelines/quickstart.yaml:5: data.features.numeric[1]: no column 'bil_length' in data/penguins.csv; did you mean 'bill_length_mm'?")
        }
    }

    @Test func labelColumnDefaultingToTheTaskNameSaysSo() throws {
        try SpecFixture.with { fixture in
            #expect(fixture.errorText("""
                name: quickstart
                data:
                  csv: data/penguins.csv
                  features: {numeric: [bill_length_mm]}
                tasks:
                  - name: specie
                """) == "pipelines/quickstart.yaml:6: tasks[0].name: no column 'specie' in data/penguins.csv (a task's column defaults to its name); did you mean 'species'?")
        }
    }

    @Test func everySplitFileMustHoldEveryUsedColumn() throws {
        try SpecFixture.with { fixture in
            try "species\nAdelie\n".write(toFile: fixture.pipelines + "/data/test.csv", atomically: true, encoding: .utf8)
            #expect(fixture.errorText("""
                name: quickstart
                data:
                  files:
                    train: data/penguins.csv
                    test: data/test.csv
                  features: {numeric: [bill_length_mm]}
                tasks: [{name: species}]
                """, columnsOf: { path, _, _ in path.hasSuffix("test.csv") ? ["species"] : SpecFixture.columns })
                == "pipelines/quickstart.yaml:5: data.files.test: no column 'bill_length_mm' in data/test.csv (the file data/penguins.csv has it)")
        }
    }

    @Test func columnBothFeatureAndLabelIsRejectedAtTheFeature() throws {
        try SpecFixture.with { fixture in
            #expect(fixture.errorText("""
                name: quickstart
                data:
                  csv: data/penguins.csv
                  features:
                    categorical: [island, species]
                tasks: [{name: species}]
                """) == "pipelines/quickstart.yaml:5: data.features.categorical[1]: column 'species' is the label of task 'species' and cannot also be a feature")
        }
    }

    @Test func failureToReadColumnsIsReportedAtTheFileKey() throws {
        struct Unreadable: Error, LocalizedError { var errorDescription: String? { "gzip: unexpected end of file" } }
        try SpecFixture.with { fixture in
            #expect(fixture.errorText("""
                name: quickstart
                data:
                  csv: data/penguins.csv
                  features: {numeric: [bill_length_mm]}
                tasks: [{name: species}]
                """, columnsOf: { _, _, _ in throw Unreadable() })
                == "pipelines/quickstart.yaml:3: data.csv: cannot read the columns of data/penguins.csv: gzip: unexpected end of file")
        }
    }

    // MARK: - Tasks, teachers, students

    @Test func duplicateTaskNameIsRejected() throws {
        try SpecFixture.with { fixture in
            #expect(fixture.errorText("""
                name: quickstart
                tasks:
                  - name: species
                  - name: sex
                  - name: species
                    column: island
                """) == "pipelines/quickstart.yaml:5: tasks[2].name: duplicate task name 'species' (also at tasks[0].name)")
        }
    }

    @Test func positiveOnARegressionTaskIsRejected() throws {
        try SpecFixture.with { fixture in
            #expect(fixture.errorText("""
                name: quickstart
                tasks:
                  - name: mass
                    column: body_mass_g
                    positive: ["4000"]
                    type: regression
                """) == "pipelines/quickstart.yaml:5: tasks[0].positive: positive is only for classification tasks; this task is regression")
        }
    }

    @Test func teacherForAnUnknownTaskSuggestsTheNearestTask() throws {
        try SpecFixture.with { fixture in
            #expect(fixture.errorText("""
                name: quickstart
                data:
                  csv: data/penguins.csv
                  features: {numeric: [bill_length_mm]}
                tasks:
                  - name: species
                  - name: sex
                teachers:
                  specis: {members: 2}
                """) == "pipelines/quickstart.yaml:9: teachers.specis: no task named 'specis'; did you mean 'species'?")
        }
    }

    @Test func taskWeightForAnUnknownTaskListsTheTasks() throws {
        try SpecFixture.with { fixture in
            #expect(fixture.errorText("""
                name: quickstart
                data:
                  csv: data/penguins.csv
                  features: {numeric: [bill_length_mm]}
                tasks:
                  - name: species
                  - name: sex
                students:
                  - name: kd
                    task_weights: {island: 2}
                """) == "pipelines/quickstart.yaml:10: students[0].task_weights.island: no task named 'island'; the tasks are: species, sex")
        }
    }

    @Test func duplicateStudentNameIsRejected() throws {
        try SpecFixture.with { fixture in
            #expect(fixture.errorText("""
                name: quickstart
                students:
                  - name: kd
                  - name: kd
                    distill: none
                """) == "pipelines/quickstart.yaml:4: students[1].name: duplicate student name 'kd' (also at students[0].name)")
        }
    }
}
