import Foundation
import Pipeline
import Testing

/// Sizes beyond what any machine holds are refused while the file is read, naming the line,
/// the key and the bound, before any stage runs.
@Suite("pipeline file: size limits")
struct PipelineSpecLimitTests {
    /// A valid pipeline with `settings` as the species teacher's settings.
    static func teacher(_ settings: String) -> String {
        """
        name: quickstart
        data:
          csv: data/penguins.csv
          features: {numeric: [bill_length_mm, bill_depth_mm]}
        tasks: [{name: species}]
        teachers:
          species:
            \(settings)
        """
    }

    @Test func layerWidthBeyondItsBoundIsRefused() throws {
        try SpecFixture.with { fixture in
            #expect(fixture.errorText(Self.teacher("hidden: [64, 1000000000000]"))
                    == "pipelines/quickstart.yaml:8: teachers.species.hidden[1]: hidden[1] must be <= 1000000, got 1000000000000")
        }
    }

    @Test func integersBeyondInt64AreRefusedWithTheBoundNotATrap() throws {
        try SpecFixture.with { fixture in
            #expect(fixture.errorText(Self.teacher("hidden: [9223372036854775807]"))
                    == "pipelines/quickstart.yaml:8: teachers.species.hidden[0]: hidden[0] must be <= 1000000, got 9223372036854775807")
            #expect(fixture.errorText(Self.teacher("epochs: 99999999999999999999999"))
                    == "pipelines/quickstart.yaml:8: teachers.species.epochs: epochs must be <= 1000000, got 99999999999999999999999")
        }
    }

    @Test func everyIntegerSettingHasAnUpperBound() throws {
        try SpecFixture.with { fixture in
            #expect(fixture.errorText(Self.teacher("members: 100000000000"))
                    == "pipelines/quickstart.yaml:8: teachers.species.members: members must be <= 1000, got 100000000000")
            #expect(fixture.errorText(Self.teacher("epochs: 4294967296"))
                    == "pipelines/quickstart.yaml:8: teachers.species.epochs: epochs must be <= 1000000, got 4294967296")
            #expect(fixture.errorText(Self.teacher("batch_size: 1_000_001"))
                    == "pipelines/quickstart.yaml:8: teachers.species.batch_size: batch_size must be <= 1000000, got 1_000_001")
            #expect(fixture.errorText(Self.teacher("hidden: [\(Array(repeating: "8", count: 101).joined(separator: ", "))]"))
                    == "pipelines/quickstart.yaml:8: teachers.species.hidden: hidden must list at most 100 layer widths, got 101")
            #expect(fixture.errorText("""
                name: quickstart
                data:
                  csv: data/penguins.csv
                  max_categories: 10000000
                """) == "pipelines/quickstart.yaml:4: data.max_categories: max_categories must be <= 1000000, got 10000000")
            #expect(fixture.errorText("""
                name: quickstart
                seed: -1
                """) == "pipelines/quickstart.yaml:2: seed: seed must be >= 0, got -1")
        }
    }

    @Test func aTeacherTooLargeForMemoryIsRefusedAtItsHiddenLine() throws {
        // Two layers of a million units: 10^12 weights, 24 TB to train. Each width is within its bound.
        try SpecFixture.with { fixture in
            let text = fixture.errorText(Self.teacher("hidden: [1000000, 1000000]")) ?? ""
            #expect(text.hasPrefix("pipelines/quickstart.yaml:8: teachers.species.hidden: a member of teacher 'species' "
                                   + "would have at least 1.0e+12 parameters, needing about 21.8 TiB to train (24 bytes each), "
                                   + "more than this machine's "), "\(text)")
            #expect(text.hasSuffix(" of memory; use narrower or fewer layers"), "\(text)")
        }
    }

    @Test func aStudentTooLargeForMemoryIsRefusedAtItsHiddenLine() throws {
        try SpecFixture.with { fixture in
            let text = fixture.errorText("""
                name: quickstart
                data:
                  csv: data/penguins.csv
                  features: {numeric: [bill_length_mm, bill_depth_mm]}
                tasks: [{name: species}, {name: island}]
                students:
                  - name: small
                  - name: wide
                    architecture: cross-stitch
                    hidden: [500000, 800000]
                """) ?? ""
            #expect(text.hasPrefix("pipelines/quickstart.yaml:10: students[1].hidden: student 'wide' would have at least 8.0e+11 parameters"),
                    "\(text)")
        }
    }

    @Test func aWideButFeasibleNetworkIsAccepted() throws {
        try SpecFixture.with { fixture in
            #expect(fixture.errorText(Self.teacher("hidden: [1000000]")) == nil)
        }
    }
}
