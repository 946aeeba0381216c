import Foundation
import Pipeline
import Testing

/// Messages stay short whatever the data holds.
@Suite("pipeline file: message sizes")
struct SpecMessageTests {
    @Test func aMissingColumnListsAtMostTwentyShortenedNamesOfAHugeHeader() throws {
        // A 10 MB header line: one name of a million characters, then 100,000 more columns.
        let huge = String(repeating: "w", count: 1_000_000)
        let columns = [huge] + (0..<100_000).map { "column_number_\($0)" }
        try SpecFixture.with { fixture in
            let text = fixture.errorText("""
                name: quickstart
                data:
                  csv: data/penguins.csv
                  features: {numeric: [zz]}
                tasks: [{name: species}]
                """, columnsOf: { _, _, _ in columns }) ?? ""
            let shown = [String(repeating: "w", count: 40) + "…"] + (0..<19).map { "column_number_\($0)" }
            #expect(text == "pipelines/quickstart.yaml:4: data.features.numeric[0]: no column 'zz' in data/penguins.csv; "
                    + "its columns are: \(shown.joined(separator: ", ")), … and 99981 more")
        }
    }

    @Test func aMisspeltColumnOfAHugeHeaderIsSuggested() throws {
        let columns = (0..<10_000).map { "column_number_\($0)" } + ["bill_length_mm"]
        try SpecFixture.with { fixture in
            #expect(fixture.errorText("""
                name: quickstart
                data:
                  csv: data/penguins.csv
                  features: {numeric: [bill_lenght_mm]}
                tasks: [{name: species}]
                """, columnsOf: { _, _, _ in columns })
                == "pipelines/quickstart.yaml:4: data.features.numeric[0]: no column 'bill_lenght_mm' in data/penguins.csv; did you mean 'bill_length_mm'?")
        }
    }
}
