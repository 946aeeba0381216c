import Foundation
import Testing
@testable import HDF5

private let h5dumpPath = "/usr/bin/h5dump"

/// Runs h5dump with `arguments` and returns its standard output; throws if it fails.
private func h5dump(_ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: h5dumpPath)
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = Pipe()
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self)
    guard process.terminationStatus == 0 else {
        throw H5DumpFailure(message: "h5dump \(arguments.joined(separator: " ")) exited \(process.terminationStatus):\n\(text)")
    }
    return text
}

private struct H5DumpFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// The values inside the first `DATA { … }` block of h5dump output (run with `-y -e`: no indices,
/// escaped strings), as raw tokens: numbers as printed, strings unquoted with escapes decoded.
///
/// h5dump 1.10 prints each non-ASCII byte as a sign-extended octal escape (`\37777777703` for
/// 0xC3); the low 8 bits are the byte.
private func dataTokens(_ output: String) throws -> [String] {
    guard let start = output.range(of: "DATA {") else { throw H5DumpFailure(message: "no DATA block in:\n\(output)") }
    let text = Array(output[start.upperBound...].utf8)
    var tokens: [String] = []
    var number = ""
    var i = 0
    func isOctal(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(byte) }
    func flushNumber() {
        let token = number.trimmingCharacters(in: .whitespacesAndNewlines)
        if !token.isEmpty { tokens.append(token) }
        number = ""
    }
    while i < text.count {
        let byte = text[i]
        i += 1
        switch byte {
        case UInt8(ascii: "\""):
            var bytes: [UInt8] = []
            while i < text.count, text[i] != UInt8(ascii: "\"") {
                if text[i] == UInt8(ascii: "\\"), i + 1 < text.count {
                    i += 1
                    if isOctal(text[i]) {
                        let signExtended = text[i...].starts(with: Array("37777777".utf8))
                        var digits = 0, value = 0
                        while digits < (signExtended ? 11 : 3), i < text.count, isOctal(text[i]) {
                            value = value * 8 + Int(text[i] - UInt8(ascii: "0"))
                            digits += 1
                            i += 1
                        }
                        bytes.append(UInt8(value & 0xFF))
                        continue
                    }
                    switch text[i] {
                    case UInt8(ascii: "n"): bytes.append(10)
                    case UInt8(ascii: "t"): bytes.append(9)
                    case UInt8(ascii: "r"): bytes.append(13)
                    default: bytes.append(text[i])
                    }
                } else {
                    bytes.append(text[i])
                }
                i += 1
            }
            i += 1  // closing quote
            tokens.append(String(decoding: bytes, as: UTF8.self))
        case UInt8(ascii: ","):
            flushNumber()
        case UInt8(ascii: "}"):
            flushNumber()
            return tokens
        default:
            number.unicodeScalars.append(Unicode.Scalar(byte))
        }
    }
    throw H5DumpFailure(message: "unterminated DATA block in:\n\(output)")
}

@Suite("h5dump reads back what the module wrote")
struct H5DumpAgreementTests {
    static let floats: [Float] = [0.1, -3.5e-7, 1e30, -0.0, 1, .greatestFiniteMagnitude, .leastNormalMagnitude, .leastNonzeroMagnitude, 123456.789, -2.5e-20]
    static let ints: [Int32] = [.min, -1, 0, 1, 42, .max]
    static let strings = ["alpha", "", "with space", "héllo wörld", "日本語", "quote \" and \\"]

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: h5dumpPath),
                   "h5dump (Debian hdf5-tools) is not installed at /usr/bin/h5dump"))
    func h5dumpPrintsTheSameFloatsIntsStringsAndAttributes() throws {
        try withTemporaryDirectory { dir in
            let path = dir.path("dump.h5")
            let file = try H5File.create(path)
            let group = try file.root.createGroup("data")
            let floats = try group.write(Self.floats, shape: [2, 5], to: "floats", compression: .shuffleDeflate)
            try group.write(Self.ints, shape: [3, 2], to: "ints")
            try group.write(Self.strings, to: "names")
            try floats.attributes.set("units", .string("nats ☃"))
            try floats.attributes.set("epochs", .int(-12))
            try floats.attributes.set("temperature", .double(0.1))
            try group.attributes.set("members", .strings(["m-0", "m-1"]))
            try group.attributes.set("seeds", .ints([7, 11]))
            try group.attributes.set("weights", .doubles([0.25, 1e-300]))
            try file.close()

            // -y: no indices, -e: escape strings, -w 0: no wrapping; %.9g round-trips float32 and
            // %.17g float64 exactly.
            let common = ["-y", "-e", "-w", "0", "-m", "%.17g"]
            let floatOptions = ["-y", "-e", "-w", "0", "-m", "%.9g"]
            let dumpedFloats = try dataTokens(h5dump(floatOptions + ["-d", "/data/floats", path])).map { Float($0) }
            #expect(dumpedFloats.map { $0?.bitPattern } == Self.floats.map { $0.bitPattern })

            let dumpedInts = try dataTokens(h5dump(common + ["-d", "/data/ints", path])).map { Int32($0) }
            #expect(dumpedInts == Self.ints.map { $0 })

            #expect(try dataTokens(h5dump(common + ["-d", "/data/names", path])) == Self.strings)

            func attribute(_ name: String) throws -> [String] {
                try dataTokens(h5dump(common + ["-a", name, path]))
            }
            #expect(try attribute("/data/floats/units") == ["nats ☃"])
            #expect(try attribute("/data/floats/epochs") == ["-12"])
            #expect(try attribute("/data/floats/temperature").map { Double($0) } == [0.1])
            #expect(try attribute("/data/members") == ["m-0", "m-1"])
            #expect(try attribute("/data/seeds") == ["7", "11"])
            #expect(try attribute("/data/weights").map { Double($0) } == [0.25, 1e-300])
        }
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: h5dumpPath),
                   "h5dump (Debian hdf5-tools) is not installed at /usr/bin/h5dump"))
    func h5dumpReadsChunksWrittenDirectlyIncludingEdgeChunks() throws {
        try withTemporaryDirectory { dir in
            let path = dir.path("direct.h5")
            let file = try H5File.create(path)
            let floats = (0..<35).map { Float($0) * 0.37 - 4 } + [Float.greatestFiniteMagnitude, -0.0, 1e-30]
            let ints = (0..<23).map { Int32($0 * $0) - 100 } + [.min, .max]
            let f = try file.root.write(floats, shape: [19, 2], to: "f", chunks: [4, 2], compression: .shuffleDeflate)
            let i = try file.root.write(ints, shape: [5, 5], to: "i", chunks: [2, 3], compression: .deflate(9, shuffle: false))
            #expect(f.directChunksMoved == 5)
            #expect(i.directChunksMoved == 6)
            try file.close()
            let dumpedFloats = try dataTokens(h5dump(["-y", "-e", "-w", "0", "-m", "%.9g", "-d", "/f", path])).map { Float($0) }
            #expect(dumpedFloats.map { $0?.bitPattern } == floats.map { $0.bitPattern })
            #expect(try dataTokens(h5dump(["-y", "-w", "0", "-d", "/i", path])).map { Int32($0) } == ints)
            let header = try h5dump(["-p", "-H", "-d", "/f", path])
            #expect(header.contains("SHUFFLE"))
            #expect(header.contains("COMPRESSION DEFLATE { LEVEL 4 }"))
        }
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: h5dumpPath),
                   "h5dump (Debian hdf5-tools) is not installed at /usr/bin/h5dump"))
    func h5dumpReportsTheStoredTypesLayoutAndFilters() throws {
        try withTemporaryDirectory { dir in
            let path = dir.path("dump.h5")
            let file = try H5File.create(path)
            try file.root.write([Float](repeating: 0, count: 64), shape: [16, 4], to: "x", chunks: [8, 4],
                                compression: .shuffleDeflate)
            try file.root.write(["a"], to: "s")
            try file.root.attributes.set("note", .string("n"))
            try file.close()
            let header = try h5dump(["-p", "-H", path])
            #expect(header.contains("DATATYPE  H5T_IEEE_F32LE"))
            #expect(header.contains("CHUNKED ( 8, 4 )"))
            #expect(header.contains("SHUFFLE"))
            #expect(header.contains("COMPRESSION DEFLATE { LEVEL 4 }"))
            #expect(header.contains("STRSIZE H5T_VARIABLE;"))
            #expect(header.contains("CSET H5T_CSET_UTF8;"))
            #expect(header.contains("DATASPACE  SCALAR"))
        }
    }
}
