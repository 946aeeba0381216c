import Foundation
import Testing
@testable import HDF5

@Suite("Chunking, filters and storage are reported as created")
struct H5LayoutTests {
    @Test func explicitChunksAndShuffleDeflateAreReported() throws {
        try withTemporaryDirectory { dir in
            let file = try H5File.create(dir.path("l.h5"))
            let dataset = try file.root.createDataset("x", type: .float32, shape: [100, 8], chunks: [16, 8],
                                                      compression: .shuffleDeflate)
            #expect(dataset.chunkShape == [16, 8])
            #expect(dataset.filters == [H5Filter(name: "shuffle", parameters: [4]),
                                        H5Filter(name: "deflate", parameters: [4])])
        }
    }

    @Test func contiguousDatasetsHaveNoChunksAndNoFilters() throws {
        try withTemporaryDirectory { dir in
            let dataset = try H5File.create(dir.path("l.h5")).root.write([Int32](repeating: 3, count: 6), shape: [2, 3], to: "x")
            #expect(dataset.chunkShape == nil)
            #expect(dataset.filters == [])
            #expect(dataset.storageBytes == 24)
            #expect(dataset.logicalBytes == 24)
        }
    }

    @Test func compressibleArrayStoresFewerBytesThanItsLogicalSize() throws {
        try withTemporaryDirectory { dir in
            let path = dir.path("l.h5")
            let file = try H5File.create(path)
            let values = (0..<20_000).map { Float($0 % 10) }
            try file.root.write(values, shape: [2_000, 10], to: "x", compression: .shuffleDeflate)
            try file.close()
            let dataset = try H5File.open(path).root.dataset("x")
            #expect(dataset.logicalBytes == 80_000)
            #expect(dataset.storageBytes > 0)
            #expect(dataset.storageBytes < dataset.logicalBytes / 10)
            #expect(try dataset.read(Float.self) == values)
        }
    }

    @Test func compressionWithoutChunksChoosesRowChunksOfAbout256KiB() throws {
        try withTemporaryDirectory { dir in
            let file = try H5File.create(dir.path("l.h5"))
            let dataset = try file.root.createDataset("x", type: .float32, shape: [10_000, 100],
                                                      compression: .shuffleDeflate)
            // 100 floats = 400 bytes per row; 262144 / 400 = 655 rows.
            #expect(dataset.chunkShape == [655, 100])
            #expect(dataset.filters.map(\.name) == ["shuffle", "deflate"])
        }
    }

    @Test func automaticChunksKeepTrailingDimensionsWholeAndSplitWhenARowIsTooBig() {
        #expect(DatasetLayout.automaticChunks(shape: [10, 3], elementSize: 4) == [10, 3])
        #expect(DatasetLayout.automaticChunks(shape: [1_000_000, 4, 8], elementSize: 4) == [2048, 4, 8])
        #expect(DatasetLayout.automaticChunks(shape: [100, 1_000_000], elementSize: 8) == [1, 32768])
        #expect(DatasetLayout.automaticChunks(shape: [0, 5], elementSize: 4) == nil)
        #expect(DatasetLayout.automaticChunks(shape: [], elementSize: 4) == nil)
    }

    @Test func invalidChunkShapesThrowNamingTheDataset() throws {
        try withTemporaryDirectory { dir in
            let path = dir.path("l.h5")
            let root = try H5File.create(path).root
            let cases: [([Int], String)] = [
                ([4], "chunk shape [4] has rank 1, the dataset's shape [10, 3] has rank 2"),
                ([4, 0], "chunk shape [4, 0] must be > 0 in every dimension"),
                ([11, 3], "chunk shape [11, 3] exceeds the dataset's shape [10, 3]"),
            ]
            for (chunks, message) in cases {
                let error = try #require(expectH5Error {
                    _ = try root.createDataset("bad", type: .float32, shape: [10, 3], chunks: chunks)
                })
                #expect(error.description == "cannot create dataset at \(path):/bad: \(message)")
            }
            #expect(!root.contains("bad"))
        }
    }

    @Test func chunkCacheBytesAreAppliedWithAPrimeSlotCount() throws {
        try withTemporaryDirectory { dir in
            let path = dir.path("l.h5")
            let file = try H5File.create(path)
            try file.root.write([Float](repeating: 1, count: 64 * 1024), shape: [1024, 64], to: "x",
                                chunks: [64, 64], compression: .shuffleDeflate)
            // 16 KiB chunks, 4 MiB cache: 256 chunks fit, 100 × 256 = 25600 → next prime 25601.
            let cached = try file.root.dataset("x", chunkCacheBytes: 4 << 20)
            let settings = try cached.chunkCacheSettings()
            #expect(settings.bytes == 4 << 20)
            #expect(settings.slots == 25601)
            #expect(try cached.readRows(100..<101, as: Float.self) == [Float](repeating: 1, count: 64))
        }
    }
}

@Suite("Partial reads and writes of rows")
struct H5PartialIOTests {
    @Test func writeRowsIntoAChunkedCompressedDatasetChangesOnlyThoseRows() throws {
        try withTemporaryDirectory { dir in
            let path = dir.path("p.h5")
            let file = try H5File.create(path)
            let initial = (0..<800).map { Float($0) }
            let dataset = try file.root.write(initial, shape: [100, 8], to: "x", chunks: [16, 8],
                                              compression: .shuffleDeflate)
            let patch = (0..<80).map { -Float($0) - 0.5 }
            try dataset.writeRows(40..<50, patch)
            try file.close()

            var expected = initial
            expected.replaceSubrange(320..<400, with: patch)
            #expect(try H5File.open(path).root.dataset("x").read(Float.self) == expected)
        }
    }

    @Test func readRowsReturnsExactlyThoseRowsAcrossChunkBoundaries() throws {
        try withTemporaryDirectory { dir in
            let file = try H5File.create(dir.path("p.h5"))
            let values = (0..<(100 * 3 * 2)).map { Int64($0) * 7 - 300 }
            let dataset = try file.root.write(values, shape: [100, 3, 2], to: "x", chunks: [16, 3, 2],
                                              compression: .shuffleDeflate)
            #expect(try dataset.readRows(35..<55, as: Int64.self) == Array(values[(35 * 6)..<(55 * 6)]))
            #expect(try dataset.readRows(99..<100, as: Int64.self) == Array(values[594..<600]))
            #expect(try dataset.readRows(10..<10, as: Int64.self) == [])
        }
    }
}
