import Testing
@testable import Tabular

@Suite struct CSVParsingTests {
    @Test func readsHeaderAndRows() throws {
        let t = try table("a,b,c\n1,2,3\n4,5,6\n")
        #expect(t.columnNames == ["a", "b", "c"])
        #expect(t.rowCount == 2)
        #expect(t.columnCount == 3)
        #expect(cells(t) == [["1", "2", "3"], ["4", "5", "6"]])
    }

    @Test func quotedFieldsKeepDelimitersDoubledQuotesAndNewlines() throws {
        let t = try table("name,note\n\"Smith, J\",\"said \"\"hi\"\"\"\n\"two\nlines\",\"\"\n")
        #expect(cells(t) == [["Smith, J", "said \"hi\""], ["two\nlines", ""]])
    }

    @Test func textInsideQuotesIsNotTrimmed() throws {
        let t = try table("a,b\n  \"  x  \"  , y \n")
        #expect(cells(t) == [["  x  ", "y"]])
    }

    @Test func textAfterAClosingQuoteKeepsTheFieldLiterally() throws {
        let t = try table("a,b\n\"ab\"cd,e\n")
        #expect(cells(t) == [["\"ab\"cd", "e"]])
    }

    @Test func quoteInsideAnUnquotedFieldIsLiteral() throws {
        let t = try table("a,b\n5\"6,x\n")
        #expect(cells(t) == [["5\"6", "x"]])
    }

    @Test func crlfLineEndsAreAccepted() throws {
        let t = try table("a,b\r\n1,2\r\n3,4\r\n")
        #expect(cells(t) == [["1", "2"], ["3", "4"]])
        #expect(t.line(ofRow: 1) == 3)
    }

    @Test func bareCarriageReturnLineEndsAreAccepted() throws {
        let t = try table("a,b\r1,2\r3,4")
        #expect(cells(t) == [["1", "2"], ["3", "4"]])
    }

    @Test func byteOrderMarkIsSkipped() throws {
        let t = try CSVTable.parse([0xEF, 0xBB, 0xBF] + Array("id,x\n1,2\n".utf8), source: "bom.csv")
        #expect(t.columnNames == ["id", "x"])
        #expect(t.columnIndex("id") == 0)
    }

    @Test func lastLineWithoutNewlineIsRead() throws {
        let t = try table("a,b\n1,2\n3,4")
        #expect(cells(t) == [["1", "2"], ["3", "4"]])
    }

    @Test func blankLinesAreSkippedAnywhereButCountForLineNumbers() throws {
        let t = try table("\n\na,b\n\n1,2\n   \n\r\n3,4\n\n\n  \n")
        #expect(cells(t) == [["1", "2"], ["3", "4"]])
        #expect(t.line(ofRow: 0) == 5)
        #expect(t.line(ofRow: 1) == 8)
    }

    @Test func lineNumbersCountNewlinesInsideQuotes() throws {
        let t = try table("a,b\n\"x\ny\nz\",1\n2,3\n")
        #expect(t.line(ofRow: 0) == 2)
        #expect(t.line(ofRow: 1) == 5)
    }

    @Test func leadingSpacesAreTrimmedByDefault() throws {
        let t = try table("age, class\n 39, State-gov\n", CSVOptions(header: true))
        #expect(t.columnNames == ["age", "class"])
        #expect(cells(t) == [["39", "State-gov"]])
    }

    @Test func spacesAreKeptWhenTrimmingIsOff() throws {
        let t = try table("a,b\n 1 , x\n", CSVOptions(trimWhitespace: false))
        #expect(cells(t) == [[" 1 ", " x"]])
    }

    @Test func tabDelimiterKeepsEmptyFieldsAndTrimsOnlySpaces() throws {
        let t = try table("a\tb\tc\n 1 \t\tx\n", CSVOptions(delimiter: UInt8(ascii: "\t")))
        #expect(cells(t) == [["1", "", "x"]])
        #expect(t.isMissing(row: 0, column: 1))
    }

    @Test func withoutHeaderColumnsAreNamedByPosition() throws {
        let t = try table("1,2,3\n4,5,6\n", CSVOptions(header: false))
        #expect(t.columnNames == ["c0", "c1", "c2"])
        #expect(t.rowCount == 2)
        #expect(t.line(ofRow: 0) == 1)
    }

    @Test func withoutHeaderGivenColumnNamesAreUsed() throws {
        let t = try table("1,2\n", CSVOptions(header: false, columnNames: ["x", "y"]))
        #expect(t.columnNames == ["x", "y"])
        #expect(t.columnIndex("y") == 1)
        #expect(t.columnIndex("z") == nil)
    }

    @Test func headerOnlyGivesNoRows() throws {
        let t = try table("a,b\n")
        #expect(t.rowCount == 0)
        #expect(try t.numericColumn(0) == [])
        #expect(try t.categoricalColumn(1).categories == [])
    }

    @Test func missingTokensAreRecognisedAfterTrimming() throws {
        let t = try table("a,b,c,d,e\n, NA ,?,\"\",x\n")
        #expect((0..<5).map { t.isMissing(row: 0, column: $0) } == [true, true, true, true, false])
    }

    @Test func missingTokensCanBeChosen() throws {
        let t = try table("a,b,c\nNA,-,missing-value-longer-than-eight\n",
                          CSVOptions(missingValues: ["-", "missing-value-longer-than-eight"]))
        #expect((0..<3).map { t.isMissing(row: 0, column: $0) } == [false, true, true])
    }

    @Test func trailingEmptyFieldCounts() throws {
        let t = try table("a,b,c\n1,2,\n")
        #expect(cells(t) == [["1", "2", ""]])
    }

    @Test func manyRowsSurviveStorageGrowth() throws {
        // Past the first capacity estimate (4096 rows), with rows of varying length.
        var text = "i,s,t\n"
        for i in 0..<20_000 { text += "\(i),\(String(repeating: "x", count: i % 7)),\"q\(i)\"\n" }
        let t = try table(text)
        #expect(t.rowCount == 20_000)
        for row in [0, 4095, 4096, 9_999, 19_999] {
            #expect(t.string(row: row, column: 0) == "\(row)")
            #expect(t.string(row: row, column: 1) == String(repeating: "x", count: row % 7))
            #expect(t.string(row: row, column: 2) == "q\(row)")
            #expect(t.line(ofRow: row) == row + 2)
        }
        #expect(try t.numericColumn(0) == (0..<20_000).map(Double.init))
    }
}
