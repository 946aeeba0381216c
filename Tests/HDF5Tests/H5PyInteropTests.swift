import Foundation
import Testing
@testable import HDF5

/// Runs `python3 -c script args…`; returns stdout, or nil when python3 cannot import h5py.
private func runPython(_ script: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script] + arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

private let h5pyAvailable: Bool = {
    (try? runPython("import h5py", []))?.status == 0  // probing only: absence means skip
}()

@Suite("h5py interoperability", .enabled(if: h5pyAvailable, "python3 with h5py is not installed"))
struct H5PyInteropTests {
    @Test func h5pyReadsStringAttributesAsStrAndTheDataUnchanged() throws {
        try withTemporaryDirectory { dir in
            let path = dir.path("ours.h5")
            let file = try H5File.create(path)
            let x = try file.root.write([Float(0.1), -3.5e-7, 1e30, 2], shape: [2, 2], to: "g/x",
                                        compression: .shuffleDeflate)
            try file.root.write(["α", "b"], to: "g/names")
            try x.attributes.set("units", .string("nats"))
            try x.attributes.set("tags", .strings(["p", "q"]))
            try file.close()
            let script = """
            import sys, h5py, numpy as np
            f = h5py.File(sys.argv[1], "r")
            x = f["g/x"]
            assert isinstance(x.attrs["units"], str), type(x.attrs["units"])
            assert x.attrs["units"] == "nats"
            assert list(x.attrs["tags"]) == ["p", "q"], x.attrs["tags"]
            assert x.dtype == np.float32 and x.shape == (2, 2)
            assert (x[...] == np.array([[0.1, -3.5e-7], [1e30, 2]], dtype=np.float32)).all()
            assert list(f["g/names"].asstr()[...]) == ["α", "b"]
            print("ok")
            """
            let result = try runPython(script, [path])
            #expect(result.status == 0, "\(result.output)")
            #expect(result.output == "ok\n")
        }
    }

    @Test func h5pyReadsChunksWrittenDirectlyAndTheirFilters() throws {
        try withTemporaryDirectory { dir in
            let path = dir.path("direct.h5")
            let file = try H5File.create(path)
            // Each compressed dataset beside an uncompressed copy of the same values.
            let floats: [Float] = (0..<(3 * 101 * 7)).map { (k: Int) -> Float in Float((k * 7_919) % 1_009) * 0.37 - 150 }
            let doubles: [Double] = (0..<(37 * 5)).map { (k: Int) -> Double in Double(k) * -2.5e7 + 1e-3 }
            let ints: [Int32] = (0..<1_000).map { (k: Int) -> Int32 in Int32(truncatingIfNeeded: k &* 2_654_435_761) }
            let moved = [
                try file.root.write(floats, shape: [3, 101, 7], to: "f32", chunks: [1, 16, 7], compression: .shuffleDeflate),
                try file.root.write(doubles, shape: [37, 5], to: "f64", chunks: [8, 3], compression: .deflate(6, shuffle: false)),
                try file.root.write(ints, shape: [1_000], to: "i32", chunks: [64], compression: .deflate(1)),
            ].map(\.directChunksMoved)
            #expect(moved == [21, 10, 16])
            try file.root.write(floats, shape: [3, 101, 7], to: "f32_plain")
            try file.root.write(doubles, shape: [37, 5], to: "f64_plain")
            try file.root.write(ints, shape: [1_000], to: "i32_plain")
            try file.close()
            let script = """
            import sys, h5py, numpy as np
            f = h5py.File(sys.argv[1], "r")
            for name, shuffle, level in [("f32", True, 4), ("f64", False, 6), ("i32", True, 1)]:
                d = f[name]
                assert d.compression == "gzip" and d.compression_opts == level and d.shuffle == shuffle, name
                assert d.dtype == f[name + "_plain"].dtype, name
                assert np.array_equal(d[...], f[name + "_plain"][...]), name
                assert np.array_equal(d[5:9], f[name + "_plain"][5:9]), name
            print("ok")
            """
            let result = try runPython(script, [path])
            #expect(result.status == 0, "\(result.output)")
            #expect(result.output == "ok\n")
        }
    }

    @Test func h5pysDeflateChunksReadDirectlyAndOtherPipelinesThroughHDF5() throws {
        try withTemporaryDirectory { dir in
            let path = dir.path("theirs.h5")
            let script = """
            import sys, h5py, numpy as np
            a = (np.arange(50 * 9, dtype=np.float32).reshape(50, 9) * np.float32(0.37)) % np.float32(11)
            b = np.arange(33, dtype=np.float64) / 7
            c = (np.arange(5 * 6 * 7, dtype=np.int32).reshape(5, 6, 7) * 2654435) % 100003 - 50000
            with h5py.File(sys.argv[1], "w") as f:
                f.create_dataset("a", data=a, chunks=(8, 4), shuffle=True, compression="gzip", compression_opts=4)
                f.create_dataset("b", data=b, chunks=(10,), compression="gzip", compression_opts=9)
                f.create_dataset("c", data=c, chunks=(2, 3, 7), shuffle=True, compression="gzip", compression_opts=1)
                f.create_dataset("checked", data=a, chunks=(8, 4), shuffle=True, compression="gzip", fletcher32=True)
                for name, values in [("a", a), ("b", b), ("c", c)]:
                    f[name + "_plain"] = values
            """
            let result = try runPython(script, [path])
            try #require(result.status == 0, "\(result.output)")
            let root = try H5File.open(path).root
            /// Reads `name` whole and `rows` of it; `chunks` moved directly in all.
            func check<T: H5Scalar & Equatable>(_ name: String, _ type: T.Type, rows: Range<Int>, chunks: Int) throws {
                let dataset = try root.dataset(name)
                let plain = try root.dataset(name + "_plain")
                #expect(try dataset.read(T.self) == plain.read(T.self), "\(name)")
                #expect(try dataset.readRows(rows, as: T.self) == plain.readRows(rows, as: T.self), "\(name)")
                #expect(dataset.directChunksMoved == chunks, "\(name)")
            }
            try check("a", Float.self, rows: 3..<21, chunks: 7 * 3 + 3)  // the rows' whole chunks: 8..<16
            try check("b", Double.self, rows: 3..<21, chunks: 4 + 1)
            try check("c", Int32.self, rows: 1..<5, chunks: 3 * 2 + 2 * 2)  // 2..<4 and the edge 4..<5
            let checked = try root.dataset("checked")
            #expect(checked.chunkPipeline == nil)
            #expect(try checked.read(Float.self) == root.dataset("a_plain").read(Float.self))
        }
    }

    @Test func filesWrittenByH5pyReadBackIncludingFixedLengthStringsAndOtherIntegerWidths() throws {
        try withTemporaryDirectory { dir in
            let path = dir.path("theirs.h5")
            let script = """
            import sys, h5py, numpy as np
            with h5py.File(sys.argv[1], "w") as f:
                f["fixed"] = np.array([b"ab", b"cde", b""], dtype="S4")
                f["small"] = np.array([[-3, 4], [5, 300]], dtype=np.int16)
                f["f64"] = np.arange(6, dtype=np.float64).reshape(3, 2) / 4
                f.attrs["lr"] = np.float32(0.5)
                f.attrs["n"] = np.int64(7)
                f.attrs["name"] = "run"
                f.attrs["dims"] = np.array([2, 3], dtype=np.int32)
                f.attrs["labels"] = ["x", "yy"]
            """
            let result = try runPython(script, [path])
            try #require(result.status == 0, "\(result.output)")
            let root = try H5File.open(path).root
            #expect(try root.dataset("fixed").readStrings() == ["ab", "cde", ""])
            let small = try root.dataset("small")
            #expect(small.elementType == .int32)
            #expect(try small.read(Int32.self) == [-3, 4, 5, 300])
            #expect(try root.dataset("f64").read(Double.self) == [0, 0.25, 0.5, 0.75, 1, 1.25])
            #expect(try root.attributes.double("lr") == 0.5)
            #expect(try root.attributes.int("n") == 7)
            #expect(try root.attributes.string("name") == "run")
            #expect(try root.attributes.ints("dims") == [2, 3])
            #expect(try root.attributes.strings("labels") == ["x", "yy"])
        }
    }
}
