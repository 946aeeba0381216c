import CZlib
import Foundation
@testable import Tabular

/// Parses CSV text given as a string.
func table(_ text: String, _ options: CSVOptions = .init()) throws -> CSVTable {
    try CSVTable.parse(Array(text.utf8), source: "test.csv", options: options)
}

/// All cells of a table as strings, row by row.
func cells(_ table: CSVTable) -> [[String]] {
    (0..<table.rowCount).map { r in (0..<table.columnCount).map { c in table.string(row: r, column: c) } }
}

/// The error a throwing call raises, as a CSVError (nil if it did not throw one).
func csvError(_ body: () throws -> Any) -> CSVError? {
    do { _ = try body(); return nil } catch { return error as? CSVError }
}

/// A fresh temporary folder, removed with its files when the object goes away.
final class TemporaryFolder {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("tabular-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }

    func write(_ bytes: [UInt8], to name: String) throws -> String {
        let path = url.appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }
}

/// `bytes` compressed as one gzip member, with zlib.
func gzip(_ bytes: [UInt8], level: Int32 = 6) -> [UInt8] {
    var stream = z_stream()
    // windowBits 15 + 16: write a gzip header and trailer.
    let rc = deflateInit2_(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                           zlibVersion(), Int32(MemoryLayout<z_stream>.size))
    precondition(rc == Z_OK)
    var input = bytes
    var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(bytes.count))) + 64)
    let produced = input.withUnsafeMutableBufferPointer { inp in
        output.withUnsafeMutableBufferPointer { out in
            stream.next_in = inp.baseAddress
            stream.avail_in = uInt(inp.count)
            stream.next_out = out.baseAddress
            stream.avail_out = uInt(out.count)
            let result = deflate(&stream, Z_FINISH)
            precondition(result == Z_STREAM_END)
            return out.count - Int(stream.avail_out)
        }
    }
    deflateEnd(&stream)
    return Array(output[..<produced])
}
