import Foundation
@testable import Inspect
import Testing

@Suite struct InspectionTextTests {
    private func modelInspection() throws -> Inspection {
        try TemporaryFolder.with { folder in
            let path = folder.path("students/kd.h5")
            try Fixtures.model().write(to: path)
            return try Inspector.inspect(path: path)
        }
    }

    @Test func plainTextHasNoEscapeCodes() throws {
        #expect(try modelInspection().text(colour: false).contains("\u{1B}[") == false)
    }

    @Test func colourTextMarksHeadingsAndTheBestEpoch() throws {
        let text = try modelInspection().text(colour: true)
        #expect(text.contains("\u{1B}[1mparameters\u{1B}[0m"))
        #expect(text.contains("\u{1B}[32mbest\u{1B}[0m"))
    }

    @Test func colourDoesNotChangeTheTextOnceEscapesAreRemoved() throws {
        let inspection = try modelInspection()
        let stripped = inspection.text(colour: true).replacingOccurrences(of: "\u{1B}\\[[0-9;]*m", with: "", options: .regularExpression)
        #expect(stripped == inspection.text(colour: false))
    }

    @Test func countsHaveThousandsSeparators() {
        #expect(Format.count(4675) == "4,675")
        #expect(Format.count(1_234_567) == "1,234,567")
        #expect(Format.count(-1000) == "-1,000")
        #expect(Format.count(999) == "999")
    }

    @Test func sizesUseBinaryUnits() {
        #expect(Format.bytes(812) == "812 B")
        #expect(Format.bytes(3788) == "3.7 KiB")
        #expect(Format.bytes(5 << 20) == "5.0 MiB")
    }

    @Test func sparklineSpansTheLowestToTheHighestBlock() {
        #expect(sparkline([0, 1, 2, 3, 4, 5, 6, 7]) == "▁▂▃▄▅▆▇█")
        #expect(sparkline([1, 1, 1]) == "▅▅▅")
        #expect(sparkline([0, .nan, 1]) == "▁ █")
        #expect(sparkline((0..<120).map(Double.init), width: 60).count == 60)
    }
}
