import Foundation
import Testing
@testable import Tabular

@Suite struct GzipTests {
    let text = Array("id,name,score\n1, Ada ,3.5\n2,\"Lovelace, A\",NA\n3,Bob,-1e3\n".utf8)

    @Test func gzipFileReadsLikeThePlainFile() throws {
        let folder = try TemporaryFolder()
        let plain = try CSVTable.read(try folder.write(text, to: "t.csv"))
        let packed = try CSVTable.read(try folder.write(gzip(text), to: "t.csv.gz"))
        #expect(cells(packed) == cells(plain))
        #expect(packed.columnNames == ["id", "name", "score"])
        #expect(try packed.numericColumn(2).map { $0.isNaN ? 0 : $0 } == [3.5, 0, -1000])
    }

    @Test func gzipIsDetectedByContentNotName() throws {
        let folder = try TemporaryFolder()
        let t = try CSVTable.read(try folder.write(gzip(text), to: "looks-plain.csv"))
        #expect(t.rowCount == 3)
    }

    @Test func multiMemberGzipIsReadToTheEnd() throws {
        let folder = try TemporaryFolder()
        let first = Array("a,b\n1,2\n".utf8), second = Array("3,4\n".utf8)
        let t = try CSVTable.read(try folder.write(gzip(first) + gzip(second), to: "two.csv.gz"))
        #expect(cells(t) == [["1", "2"], ["3", "4"]])
    }

    @Test func largeGzipRoundTrips() throws {
        var csv = "k,v\n"
        for i in 0..<50_000 { csv += "\(i),v\(i % 97)\n" }
        let folder = try TemporaryFolder()
        let t = try CSVTable.read(try folder.write(gzip(Array(csv.utf8), level: 1), to: "big.csv.gz"))
        #expect(t.rowCount == 50_000)
        #expect(t.string(row: 49_999, column: 1) == "v\(49_999 % 97)")
    }

    @Test func corruptGzipIsReported() throws {
        var bytes = gzip(Array(String(repeating: "abc,def,ghi\n", count: 200).utf8))
        for i in 12..<min(bytes.count - 8, 40) { bytes[i] ^= 0x5A }
        let folder = try TemporaryFolder()
        let path = try folder.write(bytes, to: "bad.csv.gz")
        guard case .corruptGzip(let file, _)? = csvError({ try CSVTable.read(path) }) else {
            Issue.record("expected a corrupt gzip error")
            return
        }
        #expect(file == path)
    }

    @Test func truncatedGzipIsReported() throws {
        let bytes = gzip(Array(String(repeating: "abc,def,ghi\n", count: 200).utf8))
        let error = csvError { try CSVTable.parse(Array(bytes.dropLast(20)), source: "cut.csv.gz") }
        #expect(error == .corruptGzip(file: "cut.csv.gz", reason: "unexpected end of data"))
        #expect(error?.errorDescription == "cut.csv.gz: corrupt gzip data (unexpected end of data)")
    }

    @Test func readHeaderReadsGzip() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write(gzip(text), to: "h.csv.gz")
        #expect(try CSVTable.readHeader(path) == ["id", "name", "score"])
    }

    @Test func readHeaderOfAPlainFile() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write([0xEF, 0xBB, 0xBF] + Array("\n\"x,1\", y \r\n1,2\n".utf8), to: "h.csv")
        #expect(try CSVTable.readHeader(path) == ["x,1", "y"])
    }

    @Test func readHeaderWithoutHeaderCountsTheFirstLine() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write(gzip(Array(" 73, Not in universe, 0\n".utf8)), to: "census.csv.gz")
        #expect(try CSVTable.readHeader(path, options: CSVOptions(header: false)) == ["c0", "c1", "c2"])
        #expect(try CSVTable.readHeader(path, options: CSVOptions(header: false, columnNames: ["age", "class", "x"]))
                == ["age", "class", "x"])
    }

    @Test func readHeaderFollowsAQuotedFieldAcrossChunks() throws {
        // The header's second field is longer than the 64 KiB read at a time.
        let long = String(repeating: "n\nm", count: 40_000)
        let bytes = Array("a,\"\(long)\",c\n1,2,3\n".utf8)
        let folder = try TemporaryFolder()
        #expect(try CSVTable.readHeader(try folder.write(bytes, to: "long.csv")) == ["a", long, "c"])
        #expect(try CSVTable.readHeader(try folder.write(gzip(bytes), to: "long.csv.gz")) == ["a", long, "c"])
    }

    @Test func readHeaderOfAnEmptyFileFails() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write(gzip(Array("\n\n".utf8)), to: "empty.csv.gz")
        #expect(csvError { try CSVTable.readHeader(path) } == .emptyFile(file: path))
    }
}
