import Artifacts
import Foundation
import Testing
@testable import Pipeline

/// `data.features`: the scaling of numeric columns, for all of them or per group.
@Suite("pipeline file: numeric scaling")
struct ScalingSpecTests {
    static func yaml(_ features: String) -> String {
        """
        name: quickstart
        data:
          csv: data/penguins.csv
          features:
        \(features)
        tasks: [{name: species}]
        """
    }

    static func scalings(_ spec: PipelineSpec) -> [String] {
        spec.data.features.map { "\($0.column)=\($0.kind == .numeric ? $0.scaling.rawValue : "one-hot")" }
    }

    @Test func aPlainListIsStandard() throws {
        try SpecFixture.with { fixture in
            let spec = try fixture.parse(Self.yaml("""
                numeric: [bill_length_mm, bill_depth_mm]
                categorical: [island]
            """))
            #expect(Self.scalings(spec) == ["bill_length_mm=standard", "bill_depth_mm=standard", "island=one-hot"])
        }
    }

    @Test func featuresScalingAppliesToEveryColumnListedByNameWhereverItIsWritten() throws {
        try SpecFixture.with { fixture in
            let spec = try fixture.parse(Self.yaml("""
                numeric: [bill_length_mm, bill_depth_mm]
                scaling: minmax
            """))
            #expect(Self.scalings(spec) == ["bill_length_mm=minmax", "bill_depth_mm=minmax"])
        }
    }

    @Test func groupsHaveTheirOwnScalingAndAGroupWithoutOneTakesTheSections() throws {
        try SpecFixture.with { fixture in
            let spec = try fixture.parse(Self.yaml("""
                scaling: none
                numeric:
                  - {columns: [bill_length_mm, bill_depth_mm], scaling: minmax}
                  - year
                  - columns: [flipper_length_mm]
                    scaling: standard
                  - columns: [body_mass_g]
            """))
            #expect(Self.scalings(spec) == ["bill_length_mm=minmax", "bill_depth_mm=minmax", "year=none",
                                            "flipper_length_mm=standard", "body_mass_g=none"])
        }
    }

    @Test func anUnknownScalingNamesFileLineAndTheValidValues() throws {
        try SpecFixture.with { fixture in
            #expect(fixture.errorText(Self.yaml("""
                numeric:
                  - {columns: [bill_length_mm], scaling: zscore}
            """)) == "pipelines/quickstart.yaml:6: data.features.numeric[0].scaling: unknown value 'zscore'; valid values are: standard, minmax, none")
            #expect(fixture.errorText(Self.yaml("""
                numeric: [bill_length_mm]
                scaling: min-max
            """)) == "pipelines/quickstart.yaml:6: data.features.scaling: unknown value 'min-max'; valid values are: standard, minmax, none")
        }
    }

    @Test func aColumnInTwoGroupsIsAnError() throws {
        try SpecFixture.with { fixture in
            #expect(fixture.errorText(Self.yaml("""
                numeric:
                  - {columns: [bill_length_mm, bill_depth_mm], scaling: minmax}
                  - {columns: [bill_depth_mm], scaling: none}
            """)) == "pipelines/quickstart.yaml:7: data.features.numeric[1].columns[0]: column 'bill_depth_mm' is listed twice "
                + "(also at data.features.numeric[0].columns[1])")
            #expect(fixture.errorText(Self.yaml("""
                numeric:
                  - {columns: [bill_length_mm], scaling: minmax}
                  - bill_length_mm
            """)) == "pipelines/quickstart.yaml:7: data.features.numeric[1]: column 'bill_length_mm' is listed twice "
                + "(also at data.features.numeric[0].columns[0])")
        }
    }

    @Test func aGroupNeedsColumnsAndKnownKeys() throws {
        try SpecFixture.with { fixture in
            #expect(fixture.errorText(Self.yaml("""
                numeric:
                  - {scaling: minmax}
            """)) == "pipelines/quickstart.yaml:6: data.features.numeric[0].columns: missing required key 'columns'")
            #expect(fixture.errorText(Self.yaml("""
                numeric:
                  - {columns: [], scaling: minmax}
            """)) == "pipelines/quickstart.yaml:6: data.features.numeric[0].columns: a group lists at least one column")
            #expect(fixture.errorText(Self.yaml("""
                numeric:
                  - {column: [bill_length_mm], scaling: minmax}
            """)) == "pipelines/quickstart.yaml:6: data.features.numeric[0].column: unknown key 'column'; did you mean 'columns'?")
        }
    }

    @Test func aGroupColumnMissingFromTheFileIsNamedAtItsPlace() throws {
        try SpecFixture.with { fixture in
            #expect(fixture.errorText(Self.yaml("""
                numeric:
                  - {columns: [bill_length_mm, bil_depth], scaling: minmax}
            """)) == "pipelines/quickstart.yaml:6: data.features.numeric[0].columns[1]: no column 'bil_depth' in data/penguins.csv; "
                + "did you mean 'bill_depth_mm'?")
        }
    }

    /// The prepare stage's parameters: the non-standard columns per method, however written;
    /// nothing when every column is standard (so earlier fingerprints stand).
    @Test func scalingIsAPrepareParameterOnlyWhenSomeColumnIsNotStandard() throws {
        try SpecFixture.with { fixture in
            func params(_ features: String) throws -> [String: String] {
                StageDefinition.all(try fixture.parse(Self.yaml(features))).first { $0.name == .prepare }!.params
            }
            let plain = try params("    numeric: [bill_length_mm, bill_depth_mm, year]")
            #expect(!plain.keys.contains { $0.hasPrefix("data.features.scaling") })
            #expect(try params("""
                numeric: [{columns: [bill_length_mm, bill_depth_mm, year], scaling: standard}]
            """) == plain)
            let grouped = try params("""
                numeric:
                  - {columns: [bill_length_mm, year], scaling: minmax}
                  - bill_depth_mm
            """)
            #expect(grouped["data.features.scaling.minmax"] == #"["bill_length_mm", "year"]"#)
            #expect(grouped["data.features.scaling.none"] == nil)
            let byDefault = try params("""
                numeric: [bill_length_mm, {columns: [bill_depth_mm], scaling: standard}, year]
                scaling: minmax
            """)
            #expect(byDefault == grouped.merging(["data.features.numeric": #"["bill_length_mm", "bill_depth_mm", "year"]"#]) { $1 })
            #expect(try params("    numeric: [bill_length_mm, bill_depth_mm, year]\n    scaling: none")["data.features.scaling.none"]
                    == #"["bill_length_mm", "bill_depth_mm", "year"]"#)
        }
    }
}
