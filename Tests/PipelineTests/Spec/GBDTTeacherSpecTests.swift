import Foundation
@testable import Pipeline
import Testing

/// `kind: gbdt` teachers: their keys, defaults and bounds, and the keys of the other kind refused.
@Suite("pipeline file: gbdt teachers")
struct GBDTTeacherSpecTests {
    /// A valid pipeline with `settings` as the species teacher's settings (one per line).
    static func teacher(_ settings: String) -> String {
        """
        name: quickstart
        data:
          csv: data/penguins.csv
          features: {numeric: [bill_length_mm, bill_depth_mm]}
        tasks: [{name: species}, {name: sex}]
        teachers:
          species:
        \(settings.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
        """
    }

    @Test func gbdtKeysParseIntoTheTeacherSpec() throws {
        try SpecFixture.with { fixture in
            let spec = try fixture.parse(Self.teacher("""
                kind: gbdt
                members: 4
                max_depth: 4
                learning_rate: 0.1
                rounds: 300
                early_stopping: 20
                subsample: 0.7
                colsample: 0.5
                min_child_weight: 2
                lambda: 0.5
                """))
            let t = spec.teachers[0]
            #expect(t.kind == .gbdt && t.members == 4)
            #expect(t.boosting == BoostingSpec(maxDepth: 4, learningRate: 0.1, rounds: 300, earlyStopping: 20, subsample: 0.7,
                                               colsample: 0.5, minChildWeight: 2, lambda: 0.5))
        }
    }

    @Test func gbdtDefaultsAreDepth6Rate005And1000RoundsStoppedAfter50() throws {
        try SpecFixture.with { fixture in
            let t = try fixture.parse(Self.teacher("kind: gbdt")).teachers[0]
            #expect(t.members == 3)
            #expect(t.boosting == BoostingSpec(maxDepth: 6, learningRate: 0.05, rounds: 1000, earlyStopping: 50, subsample: 0.8,
                                               colsample: 0.8, minChildWeight: 1, lambda: 1))
            // learning_rate keeps its MLP default on MLP teachers.
            let mlp = try fixture.parse(Self.teacher("members: 2")).teachers[0]
            #expect(mlp.kind == .mlp && mlp.training.learningRate == 0.001)
        }
    }

    @Test func kindMayComeAfterTheKeysItAllows() throws {
        try SpecFixture.with { fixture in
            let t = try fixture.parse(Self.teacher("max_depth: 3\nkind: gbdt")).teachers[0]
            #expect(t.kind == .gbdt && t.boosting.maxDepth == 3)
        }
    }

    @Test func gbdtKeyOnAnMLPTeacherIsRefusedSuggestingTheKind() throws {
        try SpecFixture.with { fixture in
            #expect(fixture.errorText(Self.teacher("members: 3\nmax_depth: 6"))
                    == "pipelines/quickstart.yaml:9: teachers.species.max_depth: max_depth applies to gbdt teachers only; "
                    + "this one is mlp (the default; add `kind: gbdt` for gradient-boosted trees)")
            let explicit = try #require(fixture.errorText(Self.teacher("kind: mlp\nrounds: 100")))
            #expect(explicit.hasPrefix("pipelines/quickstart.yaml:9: teachers.species.rounds: rounds applies to gbdt teachers only; "
                                       + "this one is mlp (its settings: kind, members, learning_rate, hidden, dropout, epochs, steps, batch_size,"))
            #expect(explicit.contains(", patience") && !explicit.contains("max_depth"))
        }
    }

    @Test func mlpKeyOnAGBDTTeacherIsRefusedListingItsSettings() throws {
        try SpecFixture.with { fixture in
            #expect(fixture.errorText(Self.teacher("kind: gbdt\nhidden: [64]"))
                    == "pipelines/quickstart.yaml:9: teachers.species.hidden: hidden applies to mlp teachers only; this one is gbdt "
                    + "(its settings: kind, members, learning_rate, max_depth, rounds, early_stopping, subsample, colsample, "
                    + "min_child_weight, lambda)")
            #expect(fixture.errorText(Self.teacher("kind: gbdt\npatience: 5"))?.contains("patience applies to mlp teachers only") == true)
        }
    }

    @Test func unknownKindListsTheKinds() throws {
        try SpecFixture.with { fixture in
            #expect(fixture.errorText(Self.teacher("kind: xgboost"))
                    == "pipelines/quickstart.yaml:8: teachers.species.kind: unknown value 'xgboost'; valid values are: mlp, gbdt")
        }
    }

    @Test func misspelledGBDTKeySuggestsIt() throws {
        try SpecFixture.with { fixture in
            #expect(fixture.errorText(Self.teacher("kind: gbdt\nmax_dept: 4"))
                    == "pipelines/quickstart.yaml:9: teachers.species.max_dept: unknown key 'max_dept'; did you mean 'max_depth'?")
        }
    }

    @Test func outOfRangeValuesNameTheBound() throws {
        try SpecFixture.with { fixture in
            func error(_ line: String) -> String? { fixture.errorText(Self.teacher("kind: gbdt\n" + line)) }
            #expect(error("max_depth: 0") == "pipelines/quickstart.yaml:9: teachers.species.max_depth: max_depth must be >= 1, got 0")
            #expect(error("max_depth: 31") == "pipelines/quickstart.yaml:9: teachers.species.max_depth: max_depth must be <= 30, got 31")
            #expect(error("rounds: 0") == "pipelines/quickstart.yaml:9: teachers.species.rounds: rounds must be >= 1, got 0")
            #expect(error("rounds: 1_000_001")
                    == "pipelines/quickstart.yaml:9: teachers.species.rounds: rounds must be <= 1000000, got 1_000_001")
            #expect(error("early_stopping: 0")
                    == "pipelines/quickstart.yaml:9: teachers.species.early_stopping: early_stopping must be >= 1, got 0")
            #expect(error("rounds: 10.5") == "pipelines/quickstart.yaml:9: teachers.species.rounds: expected an integer, got 10.5")
            #expect(error("learning_rate: 0")
                    == "pipelines/quickstart.yaml:9: teachers.species.learning_rate: learning_rate must be > 0 and <= 1, got 0")
            #expect(error("learning_rate: 1.5")
                    == "pipelines/quickstart.yaml:9: teachers.species.learning_rate: learning_rate must be > 0 and <= 1, got 1.5")
            #expect(error("subsample: 0") == "pipelines/quickstart.yaml:9: teachers.species.subsample: subsample must be > 0 and <= 1, got 0")
            #expect(error("colsample: 1.01")
                    == "pipelines/quickstart.yaml:9: teachers.species.colsample: colsample must be > 0 and <= 1, got 1.01")
            #expect(error("min_child_weight: -1")
                    == "pipelines/quickstart.yaml:9: teachers.species.min_child_weight: min_child_weight must be >= 0, got -1")
            #expect(error("lambda: -0.1") == "pipelines/quickstart.yaml:9: teachers.species.lambda: lambda must be >= 0, got -0.1")
        }
    }

    @Test func gbdtSettingsAreFingerprintedPerTaskWithTheXGBoostVersion() throws {
        try SpecFixture.with { fixture in
            let spec = try fixture.parse(Self.teacher("kind: gbdt\nmax_depth: 4"))
            let teachers = StageDefinition.all(spec).first { $0.name == .teachers }!
            #expect(teachers.params["teachers.species.kind"] == "gbdt")
            #expect(teachers.params["teachers.species.max_depth"] == "4")
            // The library's own version ("1.7.4" with Debian 12's libxgboost-dev).
            #expect(teachers.params["teachers.species.xgboost"]?.split(separator: ".").count == 3)
            #expect(teachers.params["teachers.species.hidden"] == nil)  // MLP keys are not a gbdt teacher's
            // An MLP teacher's keys are those it always had: none of a gbdt teacher's.
            let mlp = StageDefinition.all(try fixture.parse(Self.teacher("members: 3"))).first { $0.name == .teachers }!
            let keys = Set(mlp.params.keys.filter { $0.hasPrefix("teachers.species.") }.map { String($0.dropFirst("teachers.species.".count)) })
            #expect(keys.isSuperset(of: ["members", "hidden", "dropout", "epochs", "batch_size", "learning_rate", "optimizer"]))
            #expect(keys.isDisjoint(with: ["kind", "xgboost"] + SpecTeacherDraft.gbdtKeys))
        }
    }

    // MARK: - Ensembles of several groups

    static let mixed = """
        name: quickstart
        data:
          csv: data/penguins.csv
          features: {numeric: [bill_length_mm, bill_depth_mm]}
        tasks: [{name: species}, {name: sex}]
        teachers:
          sex: {kind: gbdt}
          species:
            - {kind: gbdt, members: 2, max_depth: 4}
            - {members: 3, hidden: [32]}
        """

    @Test func aListOfGroupsMixesKindsNumberingMembersAcrossGroups() throws {
        try SpecFixture.with { fixture in
            let spec = try fixture.parse(Self.mixed)
            // Task order (species first), a task's groups in file order.
            #expect(spec.teachers.map(\.task) == ["species", "species", "sex"])
            #expect(spec.teachers.map(\.kind) == [.gbdt, .mlp, .gbdt])
            #expect(spec.teachers.map(\.memberIndices) == [0..<2, 2..<5, 0..<3])
            #expect(spec.teachers.map(\.key) == ["teachers.species[0]", "teachers.species[1]", "teachers.sex"])
            #expect(spec.teacherTasks == ["species", "sex"])
            #expect(spec.teacherMembers.map { "\($0.teacher.task)/\($0.member)" }
                    == ["species/0", "species/1", "species/2", "species/3", "species/4", "sex/0", "sex/1", "sex/2"])
            let teachers = StageDefinition.all(spec).first { $0.name == .teachers }!
            #expect(teachers.params["teachers.species[0].max_depth"] == "4")
            #expect(teachers.params["teachers.species[1].hidden"] == "[32]")
            #expect(teachers.outputs.count == 8)
        }
    }

    @Test func errorsInAGroupNameItsPlaceInTheList() throws {
        try SpecFixture.with { fixture in
            #expect(fixture.errorText(Self.mixed.replacingOccurrences(of: "{members: 3, hidden: [32]}", with: "{members: 3, max_depth: 2}"))
                    == "pipelines/quickstart.yaml:10: teachers.species[1].max_depth: max_depth applies to gbdt teachers only; "
                    + "this one is mlp (the default; add `kind: gbdt` for gradient-boosted trees)")
            #expect(fixture.errorText(Self.mixed.replacingOccurrences(of: "max_depth: 4}", with: "max_depth: 40}"))
                    == "pipelines/quickstart.yaml:9: teachers.species[0].max_depth: max_depth must be <= 30, got 40")
        }
    }

    @Test func anEmptyListOfGroupsIsRefused() throws {
        try SpecFixture.with { fixture in
            #expect(fixture.errorText(Self.teacher("").replacingOccurrences(of: "  species:\n", with: "  species: []\n"))
                    == "pipelines/quickstart.yaml:7: teachers.species: list at least one group of teacher settings")
        }
    }

    @Test func groupsTogetherStayWithinTheMembersBound() throws {
        try SpecFixture.with { fixture in
            let yaml = Self.mixed.replacingOccurrences(of: "{kind: gbdt, members: 2, max_depth: 4}", with: "{kind: gbdt, members: 999}")
            #expect(fixture.errorText(yaml)
                    == "pipelines/quickstart.yaml:10: teachers.species[1]: the groups of species's teachers have more than 1000 members together")
        }
    }
}
