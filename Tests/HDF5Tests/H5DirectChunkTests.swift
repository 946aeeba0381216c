import CHDF5
import Foundation
import Testing
@testable import HDF5

/// A dataset layout to round-trip through the direct chunk path.
struct DirectCase: CustomStringConvertible, Sendable {
    var shape: [Int]
    var chunks: [Int]
    var compression: H5Compression
    var description: String {
        "shape \(shape) chunks \(chunks) shuffle \(compression.shuffle) level \(compression.deflateLevel ?? -1)"
    }
}

/// Layouts with edge chunks along some or every dimension, whole chunks only, one chunk, rank 1–3,
/// shuffle+deflate and deflate alone at several levels.
private let cases: [DirectCase] = [
    DirectCase(shape: [1_000], chunks: [64], compression: .shuffleDeflate),
    DirectCase(shape: [37, 5], chunks: [8, 3], compression: .deflate(6, shuffle: false)),
    DirectCase(shape: [3, 101, 7], chunks: [1, 16, 7], compression: .shuffleDeflate),
    DirectCase(shape: [5, 9, 4], chunks: [2, 4, 3], compression: .deflate(1)),
    DirectCase(shape: [64, 4], chunks: [16, 4], compression: .deflate(0)),
    DirectCase(shape: [6, 10], chunks: [6, 10], compression: .deflate(9)),
]

/// Deterministic test values: mixed signs and magnitudes, some runs (so chunks compress a little).
private func floats(_ count: Int) -> [Float] { (0..<count).map { Float(($0 * 7_919) % 1_009) * 0.37 - 150 } }
private func doubles(_ count: Int) -> [Double] { (0..<count).map { Double($0 % 13) * 1e-3 - Double($0) * 2.5e7 } }
private func ints(_ count: Int) -> [Int32] { (0..<count).map { Int32(truncatingIfNeeded: $0 &* 2_654_435_761) >> ($0 % 7) } }

/// Chunks of a dataset of `shape` in `chunks`.
private func chunkCount(_ shape: [Int], _ chunks: [Int]) -> Int {
    zip(shape, chunks).reduce(1) { $0 * (($1.0 + $1.1 - 1) / $1.1) }
}

/// Writes `values` through the direct path, then reads them back both ways: directly (fresh
/// open) and through HDF5's own filters.
private func roundTrip<T: H5Scalar & Equatable>(_ values: [T], _ layout: DirectCase, in dir: TemporaryDirectory,
                                                sourceLocation: SourceLocation = #_sourceLocation) throws {
    let path = dir.path("direct-\(T.self)-\(layout.shape.count).h5")
    let file = try H5File.create(path)
    let written = try file.root.write(values, shape: layout.shape, to: "x", chunks: layout.chunks,
                                      compression: layout.compression)
    let chunks = chunkCount(layout.shape, layout.chunks)
    #expect(written.directChunksMoved == chunks, "\(layout)", sourceLocation: sourceLocation)
    try file.close()

    let direct = try H5File.open(path).root.dataset("x")
    #expect(try direct.read(T.self) == values, "\(layout)", sourceLocation: sourceLocation)
    #expect(direct.directChunksMoved == chunks, "\(layout)", sourceLocation: sourceLocation)
    #expect(direct.filters.map(\.name) == (layout.compression.shuffle ? ["shuffle", "deflate"] : ["deflate"]))

    let viaHDF5 = try H5File.open(path).root.dataset("x")
    viaHDF5.usesDirectChunks = false
    #expect(try viaHDF5.read(T.self) == values, "\(layout)", sourceLocation: sourceLocation)
    #expect(viaHDF5.directChunksMoved == 0)
}

@Suite("Whole chunks move through libdeflate and direct chunk I/O")
struct H5DirectChunkTests {
    @Test(arguments: cases)
    func float32Float64AndInt32RoundTripThroughBothPaths(_ layout: DirectCase) throws {
        let count = layout.shape.reduce(1, *)
        try withTemporaryDirectory { dir in
            try roundTrip(floats(count), layout, in: dir)
            try roundTrip(doubles(count), layout, in: dir)
            try roundTrip(ints(count), layout, in: dir)
        }
    }

    @Test func onlyChunkedShuffleDeflateDatasetsOfMatchingNumbersUseTheDirectPath() throws {
        try withTemporaryDirectory { dir in
            let root = try H5File.create(dir.path("p.h5")).root
            let compressed = try root.createDataset("c", type: .float32, shape: [10, 3], chunks: [4, 3],
                                                    compression: .shuffleDeflate)
            #expect(compressed.chunkPipeline == DirectChunkPipeline(element: .float32, elementSize: 4, chunk: [4, 3],
                                                                    shuffle: true, level: 4))
            #expect(try root.createDataset("d", type: .uint8, shape: [9], compression: .deflate(3, shuffle: false))
                .chunkPipeline?.level == 3)
            #expect(try root.createDataset("contiguous", type: .float32, shape: [10, 3]).chunkPipeline == nil)
            #expect(try root.createDataset("unfiltered", type: .float32, shape: [10, 3], chunks: [4, 3]).chunkPipeline == nil)
            #expect(try root.createDataset("shuffled", type: .int64, shape: [10], chunks: [4],
                                           compression: H5Compression(shuffle: true)).chunkPipeline == nil)
            #expect(try root.createDataset("s", type: .string, shape: [2]).chunkPipeline == nil)

            // Reading as another type converts through HDF5, never directly.
            try compressed.write((0..<30).map { Float($0) })
            #expect(try compressed.read(Double.self) == (0..<30).map { Double($0) })
            #expect(compressed.directChunksMoved == 3)
        }
    }

    @Test func alignedAndUnalignedRowWritesAndReadsMatch() throws {
        try withTemporaryDirectory { dir in
            let path = dir.path("rows.h5")
            let (rows, cols) = (100, 3)
            let values = floats(rows * cols)
            func slice(_ r: Range<Int>) -> [Float] { Array(values[(r.lowerBound * cols)..<(r.upperBound * cols)]) }
            let file = try H5File.create(path)
            let x = try file.root.createDataset("x", type: .float32, shape: [rows, cols], chunks: [16, 3],
                                                compression: .shuffleDeflate)
            // Aligned; aligned start only; unaligned both ends (chunk 32..<48 is written by two calls);
            // one partial chunk; to the end of the dataset (whose last chunk is an edge chunk).
            for (block, directChunks) in [(0..<16, 1), (16..<40, 1), (40..<77, 1), (77..<81, 0), (81..<100, 1)] {
                let before = x.directChunksMoved
                try x.writeRows(block, slice(block))
                #expect(x.directChunksMoved - before == directChunks, "rows \(block)")
            }
            // Before closing: partly written chunks still sit in HDF5's chunk cache.
            #expect(try x.read(Float.self) == values)
            try file.close()

            let back = try H5File.open(path).root.dataset("x")
            for range in [0..<100, 5..<9, 10..<70, 32..<48, 96..<100, 90..<100, 0..<0, 47..<49] {
                #expect(try back.readRows(range, as: Float.self) == slice(range), "rows \(range)")
            }
            back.usesDirectChunks = false
            #expect(try back.read(Float.self) == values)
        }
    }

    @Test func filesWrittenThroughHDF5sFiltersReadDirectlyIncludingSkippedFiltersAndMissingChunks() throws {
        try withTemporaryDirectory { dir in
            let path = dir.path("zlib.h5")
            // Chunks 0–3 go through HDF5's filters (zlib); chunks 4–7 are stored raw with both
            // filters marked skipped (filter mask 0b11), as HDF5 does for an optional filter that
            // fails; chunks 8–9 are never written.
            var state: UInt64 = 0x9E37_79B9_7F4A_7C15
            let random = (0..<(4 * 256)).map { _ -> Int32 in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return Int32(truncatingIfNeeded: state >> 32)
            }
            let written = (0..<(4 * 256)).map { Int32($0 % 5) } + random
            let steps = (0..<150).map { Double($0 % 4) * 0.5 }
            let file = try H5File.create(path)
            let x = try file.root.createDataset("x", type: .int32, shape: [10 * 64, 4], chunks: [64, 4],
                                                compression: .shuffleDeflate)
            x.usesDirectChunks = false
            try x.writeRows(0..<(4 * 64), Array(written[..<1_024]))
            for chunk in 4..<8 {
                let offset: [hsize_t] = [hsize_t(chunk * 64), 0]
                let raw = Array(written[(chunk * 256)..<((chunk + 1) * 256)])
                #expect(H5Dwrite_chunk(x.id, mtkd_h5p_default(), 0b11, offset, raw.count * 4, raw) >= 0)
            }
            #expect(x.directChunksMoved == 0)
            let floats = try file.root.createDataset("f", type: .float64, shape: [50, 3], chunks: [7, 2],
                                                     compression: .deflate(5, shuffle: false))
            floats.usesDirectChunks = false
            try floats.write(steps)
            try file.close()

            let back = try H5File.open(path).root
            let direct = try back.dataset("x")
            #expect(try direct.read(Int32.self) == written + [Int32](repeating: 0, count: 2 * 64 * 4))
            #expect(direct.directChunksMoved == 4)
            direct.usesDirectChunks = false
            #expect(try direct.read(Int32.self) == written + [Int32](repeating: 0, count: 2 * 64 * 4))
            direct.usesDirectChunks = true
            #expect(try direct.readRows(250..<600, as: Int32.self) == Array((written + [Int32](repeating: 0, count: 512))[1_000..<2_400]))
            let f = try back.dataset("f")
            #expect(try f.read(Double.self) == steps)
            #expect(f.directChunksMoved == chunkCount([50, 3], [7, 2]))
        }
    }

    @Test func identicalWritesGiveIdenticalBytes() throws {
        try withTemporaryDirectory { dir in
            func write(_ name: String) throws -> Data {
                let path = dir.path(name)
                let file = try H5File.create(path)
                try file.root.write(floats(3 * 101 * 7), shape: [3, 101, 7], to: "a", chunks: [1, 16, 7],
                                    compression: .shuffleDeflate)
                let b = try file.root.createDataset("b", type: .int32, shape: [100, 3], chunks: [16, 3],
                                                    compression: .deflate(2))
                try b.writeRows(0..<50, Array(ints(300)[0..<150]))
                try b.writeRows(50..<100, Array(ints(300)[150...]))
                #expect(b.directChunksMoved == 6)
                try file.close()
                return try Data(contentsOf: URL(fileURLWithPath: path))
            }
            let first = try write("first.h5")
            let second = try write("second.h5")
            #expect(first.count > 0)
            #expect(first == second)
        }
    }

    /// A (K, N, C) array written plane by plane in pieces of whole chunks (the last with the
    /// dataset's edge chunk) is byte for byte the file one `write` makes, every chunk direct.
    @Test func writingPlaneByPlaneInWholeChunksGivesTheBytesOfOneWrite() throws {
        try withTemporaryDirectory { dir in
            let (k, n, c) = (3, 101, 7)
            let values = floats(k * n * c)
            func file(_ name: String, _ body: (H5Group) throws -> Void) throws -> Data {
                let path = dir.path(name)
                let file = try H5File.create(path)
                try body(file.root)
                try file.close()
                return try Data(contentsOf: URL(fileURLWithPath: path))
            }
            let whole = try file("whole.h5") { root in
                try root.write(values, shape: [k, n, c], to: "a", chunks: [1, 16, c], compression: .shuffleDeflate)
            }
            for piece in [16, 32, 96, 112] {
                let planes = try file("planes-\(piece).h5") { root in
                    let a = try root.createDataset("a", type: .float32, shape: [k, n, c], chunks: [1, 16, c], compression: .shuffleDeflate)
                    for plane in 0..<k {
                        for start in stride(from: 0, to: n, by: piece) {
                            let rows = start..<min(start + piece, n)
                            let from = (plane * n + rows.lowerBound) * c
                            try a.writeRows(rows, ofPlane: plane, Array(values[from..<(from + rows.count * c)]))
                        }
                    }
                    #expect(a.directChunksMoved == chunkCount([k, n, c], [1, 16, c]))
                }
                #expect(planes == whole, "pieces of \(piece) rows")
            }
            // Rows that are not whole chunks go through HDF5 and read back the same.
            let path = dir.path("unaligned.h5")
            let f = try H5File.create(path)
            let a = try f.root.createDataset("a", type: .float32, shape: [k, n, c], chunks: [1, 16, c], compression: .shuffleDeflate)
            for plane in 0..<k {
                for rows in [0..<5, 5..<40, 40..<n] {
                    let from = (plane * n + rows.lowerBound) * c
                    try a.writeRows(rows, ofPlane: plane, Array(values[from..<(from + rows.count * c)]))
                }
            }
            #expect(try a.read(Float.self) == values)
            #expect(throws: H5Error.self) { try a.writeRows(0..<2, ofPlane: k, [Float](repeating: 0, count: 2 * c)) }
            try f.close()
        }
    }

    @Test func aCorruptChunkThrowsAnH5ErrorNamingIt() throws {
        try withTemporaryDirectory { dir in
            let path = dir.path("corrupt.h5")
            let file = try H5File.create(path)
            let x = try file.root.write(floats(40), shape: [20, 2], to: "x", chunks: [10, 2], compression: .shuffleDeflate)
            let garbage: [UInt8] = [0x78, 0x9C, 0xFF, 0xFF, 0x00, 0x01, 0x02]
            let offset: [hsize_t] = [10, 0]
            #expect(H5Dwrite_chunk(x.id, mtkd_h5p_default(), 0, offset, garbage.count, garbage) >= 0)
            try file.close()
            let dataset = try H5File.open(path).root.dataset("x")
            let error = try #require(expectH5Error { _ = try dataset.read(Float.self) })
            #expect(error.operation == "read dataset")
            #expect(error.path == "\(path):/x")
            #expect(error.message == "the chunk at [10, 0] (7 bytes stored) is not valid zlib data, expected 80 bytes")
            #expect(try dataset.readRows(0..<10, as: Float.self) == Array(floats(40)[0..<20]))
            dataset.usesDirectChunks = false
            _ = expectH5Error { _ = try dataset.read(Float.self) }  // HDF5's own inflate fails too
        }
    }

    @Test func shuffleTransposesBytesLikeHDF5KeepingLeftoverBytesAtTheEnd() {
        let input: [UInt8] = Array(0..<10)
        var shuffled = [UInt8](repeating: 0, count: 10)
        var restored = [UInt8](repeating: 0, count: 10)
        shuffleBytes(input, into: &shuffled, count: 10, elementSize: 4)
        #expect(shuffled == [0, 4, 1, 5, 2, 6, 3, 7, 8, 9])
        unshuffleBytes(shuffled, into: &restored, count: 10, elementSize: 4)
        #expect(restored == input)
        // One element, or one-byte elements: unchanged.
        shuffleBytes(input, into: &shuffled, count: 10, elementSize: 8)
        #expect(shuffled == input)
        shuffleBytes(input, into: &shuffled, count: 10, elementSize: 1)
        #expect(shuffled == input)
        let doubles: [UInt8] = Array(0..<16)
        var out = [UInt8](repeating: 0, count: 16)
        shuffleBytes(doubles, into: &out, count: 16, elementSize: 8)
        #expect(out == [0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15])
    }

    @Test func wholeChunkRowsCountTheDatasetsLastRowAsABoundary() {
        #expect(DirectChunkIO.wholeChunkRows(0..<100, chunkRows: 16, rowCount: 100) == 0..<100)
        #expect(DirectChunkIO.wholeChunkRows(5..<70, chunkRows: 16, rowCount: 100) == 16..<64)
        #expect(DirectChunkIO.wholeChunkRows(5..<30, chunkRows: 16, rowCount: 100) == nil)
        #expect(DirectChunkIO.wholeChunkRows(90..<100, chunkRows: 16, rowCount: 100) == 96..<100)
        #expect(DirectChunkIO.wholeChunkRows(97..<100, chunkRows: 16, rowCount: 100) == nil)
        #expect(DirectChunkIO.wholeChunkRows(32..<48, chunkRows: 16, rowCount: 100) == 32..<48)
    }
}
