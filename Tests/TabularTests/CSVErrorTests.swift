import Foundation
import Testing
@testable import Tabular

@Suite struct CSVErrorTests {
    @Test func raggedRowNamesItsPhysicalLine() {
        // Row "4,5" starts on line 5: a quoted newline and a blank line come before it.
        let error = csvError { try table("a,b\n\"x\ny\",1\n\n4,5,6\n") }
        #expect(error == .raggedRow(file: "test.csv", line: 5, expected: 2, got: 3))
        #expect(error?.errorDescription == "test.csv:5: ragged row: expected 2 fields, got 3")
    }

    @Test func shortRowIsRagged() {
        #expect(csvError { try table("a,b,c\n1,2,3\n1,2\n") } == .raggedRow(file: "test.csv", line: 3, expected: 3, got: 2))
    }

    @Test func givenColumnNamesMustMatchTheFields() {
        let error = csvError { try table("1,2,3\n", CSVOptions(header: false, columnNames: ["x", "y"])) }
        #expect(error == .raggedRow(file: "test.csv", line: 1, expected: 2, got: 3))
    }

    @Test func unterminatedQuoteNamesTheLineWhereItOpens() {
        let error = csvError { try table("a,b\n1,2\n3,\"open\n4,5\n") }
        #expect(error == .unterminatedQuote(file: "test.csv", line: 3))
        #expect(error?.errorDescription == "test.csv:3: unterminated quote")
    }

    @Test func emptyAndBlankFilesAreRejected() {
        #expect(csvError { try table("") } == .emptyFile(file: "test.csv"))
        #expect(csvError { try table("\n  \r\n\n") } == .emptyFile(file: "test.csv"))
        #expect(csvError { try CSVTable.parse([0xEF, 0xBB, 0xBF], source: "test.csv") } == .emptyFile(file: "test.csv"))
        #expect(CSVError.emptyFile(file: "x.csv").errorDescription == "x.csv: empty file")
    }

    @Test func duplicateColumnNameIsRejected() {
        let error = csvError { try table("\na,b,a\n1,2,3\n") }
        #expect(error == .duplicateColumnName(file: "test.csv", line: 2, name: "a"))
        #expect(error?.errorDescription == "test.csv:2: duplicate column name 'a'")
    }

    @Test func nonNumericValueNamesLineColumnAndText() throws {
        let t = try table("age,income\n39,1000\n40, 12k \n")
        let error = csvError { try t.numericColumn(1) }
        #expect(error == .nonNumericValue(file: "test.csv", line: 3, field: 2, column: "income", value: "12k"))
        #expect(error?.errorDescription == "test.csv:3:2: non-numeric value '12k' in column 'income'")
    }

    @Test func aHugeCellIsShownShortened() throws {
        let cell = String(repeating: "x", count: 1_000_000)
        let error = csvError { try table("a\n\(cell)\n").numericColumn(0) }
        #expect(error?.errorDescription == "test.csv:2:1: non-numeric value '\(String(repeating: "x", count: 40))…' in column 'a'")
    }

    @Test func missingFileIsNotFound() {
        let error = csvError { try CSVTable.read("/nonexistent/folder/data.csv") }
        #expect(error == .fileNotFound(file: "/nonexistent/folder/data.csv"))
        #expect(error?.errorDescription == "/nonexistent/folder/data.csv: file not found")
        #expect(csvError { try CSVTable.readHeader("/nonexistent/data.csv.gz") } == .fileNotFound(file: "/nonexistent/data.csv.gz"))
    }

    @Test func aFolderIsNotReadable() throws {
        let folder = try TemporaryFolder()
        let error = csvError { try CSVTable.read(folder.url.path) }
        #expect(error == .notReadable(file: folder.url.path, reason: "is a directory"))
    }
}
