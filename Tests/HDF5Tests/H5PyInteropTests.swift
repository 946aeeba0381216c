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
