import Testing
@testable import Export

/// The wire format against known byte sequences: the protocol buffers encoding guide's
/// examples, and ONNX messages as the `onnx` Python package serialises them
/// (`helper.make_*(…).SerializeToString().hex()`, onnx 1.23).
@Suite struct ProtobufWriterTests {
    private func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    @Test func varintsAreSevenBitsPerByteLeastSignificantFirst() {
        var w = ProtobufWriter()
        w.int(1, 150)   // the guide's first example
        #expect(hex(w.bytes) == "089601")
        var v = ProtobufWriter()
        for n: UInt64 in [0, 1, 127, 128, 300, 16_384, UInt64.max] { v.varint(n) }
        #expect(hex(v.bytes) == "00" + "01" + "7f" + "8001" + "ac02" + "808001" + "ffffffffffffffffff01")
    }

    @Test func negativeIntegersTakeTenBytes() {
        var w = ProtobufWriter()
        w.int(3, -1)
        #expect(hex(w.bytes) == "18ffffffffffffffffff01")
        var z = ProtobufWriter()
        z.int(1, -2)
        #expect(hex(z.bytes) == "08feffffffffffffffff01")
    }

    @Test func stringsAndNestedMessagesAreLengthDelimited() {
        var w = ProtobufWriter()
        w.string(2, "testing")
        #expect(hex(w.bytes) == "120774657374696e67")
        var m = ProtobufWriter()
        m.message(3) { $0.int(1, 150) }
        #expect(hex(m.bytes) == "1a03089601")
        var long = ProtobufWriter()
        long.data(1, [UInt8](repeating: 0xAB, count: 200))
        #expect(hex(Array(long.bytes.prefix(3))) == "0ac801")
        #expect(long.bytes.count == 203)
    }

    @Test func floatsArePackedAndLittleEndian() {
        var w = ProtobufWriter()
        w.float(2, 1.5)
        #expect(hex(w.bytes) == "150000c03f")
        var p = ProtobufWriter()
        p.packed(4, [3, 270, 86_942])   // the guide's packed example
        #expect(hex(p.bytes) == "2206038e029ea705")
    }

    @Test func onnxValueInfoNodeTensorAndAttributeMatchTheOnnxPackage() {
        var v = ProtobufWriter()
        ONNX.ValueInfo("x", .float, shape: [nil, 1]).encode(into: &v)
        #expect(hex(v.bytes) == "0a0178120f0a0d080112090a0312014e0a020801")

        var n = ProtobufWriter()
        ONNX.Node("Gemm", name: "c", inputs: ["a", "b"], outputs: ["c"]).encode(into: &n)
        #expect(hex(n.bytes) == "0a01610a01621201631a0163220447656d6d")

        var mapper = ProtobufWriter()
        ONNX.Node("CategoryMapper", domain: "ai.onnx.ml", name: "i", inputs: ["s"], outputs: ["i"], attributes: [
            .init("cats_int64s", .ints([0, -1])), .init("cats_strings", .strings(["a", "b"])), .init("default_int64", .int(-1)),
        ]).encode(into: &mapper)
        #expect(hex(mapper.bytes) == "0a01731201691a0169220e43617465676f72794d61707065722a1d0a0b636174735f696e74363473400040ffffffffffffffffff01a001072a170a0c636174735f737472696e67734a01614a0162a001082a1d0a0d64656661756c745f696e74363418ffffffffffffffffff01a001023a0a61692e6f6e6e782e6d6c")

        var t = ProtobufWriter()
        ONNX.Tensor.floats("w", [1.0, -2.5], dims: [2]).encode(into: &t)
        #expect(hex(t.bytes) == "080210014201774a080000803f000020c0")
        var k = ProtobufWriter()
        ONNX.Tensor.int64s("k", [0, 1, 2], dims: [3]).encode(into: &k)
        #expect(hex(k.bytes) == "0803100742016b4a18000000000000000001000000000000000200000000000000")

        var a = ProtobufWriter()
        ONNX.Attribute("axis", .int(1)).encode(into: &a)
        #expect(hex(a.bytes) == "0a04617869731801a00102")
        var f = ProtobufWriter()
        ONNX.Attribute("to", .float(1.5)).encode(into: &f)
        #expect(hex(f.bytes) == "0a02746f150000c03fa00101")
    }

    @Test func aWholeModelMatchesTheOnnxPackage() {
        var graph = ONNX.Graph(name: "g")
        graph.nodes = [ONNX.Node("Relu", name: "y", inputs: ["x"], outputs: ["y"])]
        graph.inputs = [ONNX.ValueInfo("x", .float, shape: [nil, 1])]
        graph.outputs = [ONNX.ValueInfo("y", .float, shape: [nil, 1])]
        let model = ONNX.Model(opsets: [("", 13)], graph: graph)
        #expect(hex(model.encoded()) == "080812046d746b643a400a0f0a01781201791a0179220452656c751201675a140a0178120f0a0d080112090a0312014e0a02080162140a0179120f0a0d080112090a0312014e0a02080142040a00100d")
    }
}
