import Foundation
import Testing
@testable import Tabular

/// The block reader returns, block after block, exactly the rows (and file lines) that reading
/// the whole file gives, whatever the block size.
@Suite struct CSVBlockReaderTests {
    /// Every block's cells and lines, concatenated.
    private func blocks(_ path: String, _ options: CSVOptions = .init(), blockBytes: Int) throws -> (names: [String], cells: [[String]], lines: [Int], blocks: Int) {
        let reader = try CSVBlockReader(path, options: options, blockBytes: blockBytes)
        var all: [[String]] = [], lines: [Int] = [], count = 0
        while let t = try reader.next() {
            count += 1
            all += cells(t)
            lines += (0..<t.rowCount).map { t.line(ofRow: $0) }
            #expect(t.columnNames == reader.columnNames)
        }
        #expect(reader.rowsRead == all.count)
        return (reader.columnNames, all, lines, count)
    }

    private func expectSameAsWholeFile(_ text: String, _ options: CSVOptions = .init(), gzipped: Bool = false,
                                       sourceLocation: SourceLocation = #_sourceLocation) throws {
        let folder = try TemporaryFolder()
        let bytes = Array(text.utf8)
        let path = try folder.write(gzipped ? gzip(bytes) : bytes, to: "t.csv")
        let whole = try CSVTable.read(path, options: options)
        let wholeLines = (0..<whole.rowCount).map { whole.line(ofRow: $0) }
        for size in [1, 2, 3, 5, 8, 13, 64, 1 << 20] {
            let b = try blocks(path, options, blockBytes: size)
            #expect(b.names == whole.columnNames, "block size \(size)", sourceLocation: sourceLocation)
            #expect(b.cells == cells(whole), "block size \(size)", sourceLocation: sourceLocation)
            #expect(b.lines == wholeLines, "block size \(size)", sourceLocation: sourceLocation)
        }
    }

    @Test func blocksOfAnySizeGiveTheRowsAndLinesOfTheWholeFile() throws {
        try expectSameAsWholeFile("id,name,score\n1, Ada ,3.5\n2,\"Lovelace, A\",NA\n3,Bob,-1e3\n")
    }

    @Test func quotedLineBreaksAcrossBlockBoundariesStayInTheirField() throws {
        try expectSameAsWholeFile("a,b\n\"one\nline two\",x\n\"say \"\"hi\"\"\r\nthere\",y\n3,\"\n\n\"\n")
    }

    @Test func crlfCrBlankLinesByteOrderMarkAndNoFinalBreak() throws {
        try expectSameAsWholeFile("\u{FEFF}a,b\r\n1,2\r\n\r\n3,4\r5,6\n\n  \n7,8")
    }

    @Test func headerlessFilesUseTheGivenNames() throws {
        let options = CSVOptions(header: false, columnNames: ["x", "y"])
        try expectSameAsWholeFile("1,2\n3,4\n", options)
        try expectSameAsWholeFile("\n\n1,2\n3,4\n", CSVOptions(header: false))
    }

    @Test func gzipFilesAreReadInBlocks() throws {
        var text = "k,v\n"
        for i in 0..<3_000 { text += "\(i),\"v\n\(i % 7)\"\n" }
        try expectSameAsWholeFile(text, gzipped: true)
        let folder = try TemporaryFolder()
        let path = try folder.write(gzip(Array("a,b\n1,2\n".utf8)) + gzip(Array("3,4\n".utf8)), to: "two.csv.gz")
        #expect(try blocks(path, blockBytes: 2).cells == [["1", "2"], ["3", "4"]])
    }

    @Test func largeFilesComeInSeveralBlocksOfBoundedSize() throws {
        var text = "k,v\n"
        for i in 0..<20_000 { text += "\(i),value \(i)\n" }
        let folder = try TemporaryFolder()
        let path = try folder.write(Array(text.utf8), to: "big.csv")
        let reader = try CSVBlockReader(path, blockBytes: 16 << 10)
        var rows = 0, count = 0, largest = 0
        while let t = try reader.next() { rows += t.rowCount; count += 1; largest = max(largest, t.rowCount) }
        #expect(rows == 20_000)
        #expect(count > 10)
        #expect(largest < 2_000)
    }

    @Test func aRaggedRowNamesItsLineInTheFile() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write(Array("a,b\n1,2\n3,4\n5\n".utf8), to: "r.csv")
        let reader = try CSVBlockReader(path, blockBytes: 4)
        #expect(throws: CSVError.raggedRow(file: path, line: 4, expected: 2, got: 1)) {
            while try reader.next() != nil {}
        }
    }

    @Test func emptyAndHeaderOnlyFiles() throws {
        let folder = try TemporaryFolder()
        let empty = try folder.write(Array("\n  \n".utf8), to: "e.csv")
        #expect(throws: CSVError.emptyFile(file: empty)) { _ = try CSVBlockReader(empty) }
        let headerOnly = try folder.write(Array("a,b\n".utf8), to: "h.csv")
        let reader = try CSVBlockReader(headerOnly)
        #expect(reader.columnNames == ["a", "b"])
        #expect(try reader.next() == nil)
        #expect(throws: CSVError.fileNotFound(file: "/nonexistent/x.csv")) { _ = try CSVBlockReader("/nonexistent/x.csv") }
    }

    @Test func anUnterminatedQuoteAtTheEndIsReported() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write(Array("a,b\n1,\"open\n2,3\n".utf8), to: "q.csv")
        let reader = try CSVBlockReader(path, blockBytes: 3)
        #expect(throws: CSVError.unterminatedQuote(file: path, line: 2)) { while try reader.next() != nil {} }
    }
}


/// A `CategoryCoder` gives a text one code across the blocks of a file, the codes the whole
/// file gives, and checks each new text once.
@Suite struct CategoryCoderTests {
    @Test func codesAcrossBlocksAreThoseOfTheWholeFile() throws {
        let folder = try TemporaryFolder()
        let text = "c\n" + (0..<500).map { i in i % 7 == 0 ? "NA" : "\"k\(i * 31 % 23), x\"" }.joined(separator: "\n") + "\n"
        let path = try folder.write(Array(text.utf8), to: "c.csv")
        let whole = try CSVTable.read(path).categoricalColumn(0)
        for size in [16, 100, 1 << 20] {
            let reader = try CSVBlockReader(path, blockBytes: size)
            let coder = CategoryCoder()
            var codes: [Int32] = []
            while let block = try reader.next() { codes += try block.categoricalColumn(0, coder: coder) }
            #expect(codes == whole.codes, "block size \(size)")
            #expect(coder.categories() == whole.categories, "block size \(size)")
        }
    }

    @Test func aControlCharacterInALaterBlockNamesItsLine() throws {
        let folder = try TemporaryFolder()
        let text = "c\n" + (0..<300).map { i in i == 250 ? "k\u{1B}" : "k\(i % 5)" }.joined(separator: "\n") + "\n"
        let path = try folder.write(Array(text.utf8), to: "c.csv")
        let reader = try CSVBlockReader(path, blockBytes: 64)
        let coder = CategoryCoder()
        var error: CSVError?
        do { while let block = try reader.next() { _ = try block.categoricalColumn(0, coder: coder) } } catch let e as CSVError { error = e }
        #expect(error == .controlCharacter(file: path, line: 252, field: 1, column: "c", value: "k\u{1B}"))
    }
}
