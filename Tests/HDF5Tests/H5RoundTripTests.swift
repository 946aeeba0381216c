import Foundation
import Testing
@testable import HDF5

/// Writes `values` as dataset "/x" of `shape`, closes the file, reopens it and reads "/x" back.
private func roundTrip<T: H5Scalar>(_ values: [T], shape: [Int], in dir: TemporaryDirectory) throws -> (H5Dataset, [T]) {
    let path = dir.path("roundtrip-\(shape.count)d.h5")
    let file = try H5File.create(path)
    try file.root.write(values, shape: shape, to: "x")
    try file.close()
    let dataset = try H5File.open(path).root.dataset("x")
    return (dataset, try dataset.read(T.self))
}

@Suite("Datasets round-trip exactly")
struct H5RoundTripTests {
    @Test func float32RoundTripsBitExactIn2DAnd3D() throws {
        let specials: [Float] = [0.1, -3.5e-7, 1e30, -0.0, .infinity, -.infinity, .nan,
                                 .greatestFiniteMagnitude, .leastNormalMagnitude, .leastNonzeroMagnitude, 1, -2.5]
        let values = (0..<24).map { specials[$0 % specials.count] * Float($0 / specials.count + 1) }
        try withTemporaryDirectory { dir in
            for shape in [[4, 6], [2, 3, 4]] {
                let (dataset, back) = try roundTrip(values, shape: shape, in: dir)
                #expect(dataset.shape == shape)
                #expect(dataset.elementType == .float32)
                #expect(back.map(\.bitPattern) == values.map(\.bitPattern))
            }
        }
    }

    @Test func float64RoundTripsBitExactIn2DAnd3D() throws {
        let values: [Double] = (0..<24).map { (index: Int) -> Double in
            let tiny: Double = 1e-300 * Double(index % 3)
            return Double(index) * 0.1 - tiny
        }
        try withTemporaryDirectory { dir in
            for shape in [[6, 4], [3, 2, 4]] {
                let (dataset, back) = try roundTrip(values, shape: shape, in: dir)
                #expect(dataset.elementType == .float64)
                #expect(back.map(\.bitPattern) == values.map(\.bitPattern))
            }
        }
    }

    @Test func int32RoundTripsIn2DAnd3DIncludingExtremes() throws {
        let values: [Int32] = [.min, .max, 0, -1] + (0..<20).map { Int32($0 * 1_000_003 - 7) }
        try withTemporaryDirectory { dir in
            for shape in [[12, 2], [2, 2, 6]] {
                let (dataset, back) = try roundTrip(values, shape: shape, in: dir)
                #expect(dataset.elementType == .int32)
                #expect(back == values)
            }
        }
    }

    @Test func int64RoundTripsIn2DAnd3DIncludingExtremes() throws {
        let values: [Int64] = [.min, .max, 0, -1] + (0..<20).map { Int64($0) * 123_456_789_012 }
        try withTemporaryDirectory { dir in
            for shape in [[3, 8], [4, 3, 2]] {
                let (dataset, back) = try roundTrip(values, shape: shape, in: dir)
                #expect(dataset.elementType == .int64)
                #expect(back == values)
            }
        }
    }

    @Test func uint8RoundTripsIn2DAnd3DOverTheFullRange() throws {
        let values = (0...255).map { UInt8($0) }
        try withTemporaryDirectory { dir in
            for shape in [[16, 16], [4, 8, 8]] {
                let (dataset, back) = try roundTrip(values, shape: shape, in: dir)
                #expect(dataset.elementType == .uint8)
                #expect(back == values)
            }
        }
    }

    @Test func stringsRoundTripAsVariableLengthUTF8() throws {
        let strings = ["alpha", "", "héllo wörld", "日本語", "emoji 🧪", "comma, \"quote\" and \\ backslash"]
        try withTemporaryDirectory { dir in
            let path = dir.path("s.h5")
            let file = try H5File.create(path)
            try file.root.write(strings, to: "names")
            try file.close()
            let dataset = try H5File.open(path).root.dataset("names")
            #expect(dataset.elementType == .string)
            #expect(dataset.shape == [strings.count])
            #expect(try dataset.readStrings() == strings)
        }
    }

    @Test func stringDatasetLogicalBytesCountOnePointerPerString() throws {
        try withTemporaryDirectory { dir in
            let dataset = try H5File.create(dir.path("s.h5")).root.write(["a", "bb", "ccc"], to: "names")
            #expect(dataset.logicalBytes == 3 * MemoryLayout<UnsafePointer<CChar>>.size)
        }
    }

    @Test func emptyAndScalarDatasetsRoundTrip() throws {
        try withTemporaryDirectory { dir in
            let file = try H5File.create(dir.path("e.h5"))
            try file.root.write([Float](), shape: [0, 5], to: "empty", compression: .shuffleDeflate)
            try file.root.write([Int64(42)], shape: [], to: "scalar")
            try file.root.write([String](), to: "noNames")
            #expect(try file.root.dataset("empty").read(Float.self) == [])
            #expect(try file.root.dataset("empty").shape == [0, 5])
            #expect(try file.root.dataset("scalar").read(Int64.self) == [42])
            #expect(try file.root.dataset("noNames").readStrings() == [])
        }
    }

    @Test func readingConvertsThroughHDF5WhenTheStoredTypeDiffers() throws {
        try withTemporaryDirectory { dir in
            let file = try H5File.create(dir.path("c.h5"))
            let floats = try file.root.write([Float(0.1), -3.5e-7, 1e30], shape: [3], to: "f")
            let ints = try file.root.write([Int32(-7), 0, 70000], shape: [3], to: "i")
            #expect(try floats.read(Double.self) == [Double(Float(0.1)), Double(Float(-3.5e-7)), Double(Float(1e30))])
            #expect(try ints.read(Float.self) == [-7, 0, 70000])
            #expect(try ints.read(Int64.self) == [-7, 0, 70000])
        }
    }
}
