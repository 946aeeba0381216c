/// The ONNX messages mtkd writes (field numbers from onnx/onnx.proto), encoded with
/// `ProtobufWriter`. Only the fields used are modelled.
public enum ONNX {
    /// TensorProto.DataType.
    public enum DataType: Int64 { case float = 1, int64 = 7, string = 8, bool = 9, double = 11 }

    /// ModelProto.
    public struct Model {
        public var irVersion: Int64 = 8
        public var opsets: [(domain: String, version: Int64)]
        public var producerName = "mtkd"
        public var producerVersion = ""
        public var docString = ""
        public var graph: Graph
        public var metadata: [(key: String, value: String)] = []

        public init(opsets: [(domain: String, version: Int64)], graph: Graph) { self.opsets = opsets; self.graph = graph }

        public func encoded() -> [UInt8] {
            var w = ProtobufWriter()
            w.int(1, irVersion)                                   // ir_version
            w.string(2, producerName)                             // producer_name
            if !producerVersion.isEmpty { w.string(3, producerVersion) }
            if !docString.isEmpty { w.string(6, docString) }      // doc_string
            w.message(7) { graph.encode(into: &$0) }              // graph
            for o in opsets {                                     // opset_import (OperatorSetIdProto)
                w.message(8) { $0.string(1, o.domain); $0.int(2, o.version) }
            }
            for m in metadata { w.message(14) { $0.string(1, m.key); $0.string(2, m.value) } }   // metadata_props
            return w.bytes
        }
    }

    /// GraphProto.
    public struct Graph {
        public var name: String
        public var nodes: [Node] = []
        public var initializers: [Tensor] = []
        public var inputs: [ValueInfo] = []
        public var outputs: [ValueInfo] = []
        public var docString = ""

        public init(name: String) { self.name = name }

        func encode(into w: inout ProtobufWriter) {
            for n in nodes { w.message(1) { n.encode(into: &$0) } }          // node
            w.string(2, name)                                              // name
            for t in initializers { w.message(5) { t.encode(into: &$0) } }  // initializer
            if !docString.isEmpty { w.string(10, docString) }              // doc_string
            for v in inputs { w.message(11) { v.encode(into: &$0) } }      // input
            for v in outputs { w.message(12) { v.encode(into: &$0) } }     // output
        }
    }

    /// NodeProto.
    public struct Node {
        public var opType: String
        public var domain = ""
        public var name: String
        public var inputs: [String]
        public var outputs: [String]
        public var attributes: [Attribute] = []

        public init(_ opType: String, domain: String = "", name: String, inputs: [String], outputs: [String], attributes: [Attribute] = []) {
            self.opType = opType; self.domain = domain; self.name = name
            self.inputs = inputs; self.outputs = outputs; self.attributes = attributes
        }

        func encode(into w: inout ProtobufWriter) {
            for i in inputs { w.string(1, i) }
            for o in outputs { w.string(2, o) }
            w.string(3, name)
            w.string(4, opType)
            for a in attributes { w.message(5) { a.encode(into: &$0) } }
            if !domain.isEmpty { w.string(7, domain) }
        }
    }

    /// AttributeProto (the kinds used here).
    public struct Attribute {
        public enum Value { case int(Int64), float(Float), string(String), floats([Float]), ints([Int64]), strings([String]) }
        public var name: String
        public var value: Value
        public init(_ name: String, _ value: Value) { self.name = name; self.value = value }

        func encode(into w: inout ProtobufWriter) {
            w.string(1, name)
            switch value {   // AttributeType: FLOAT 1, INT 2, STRING 3, FLOATS 6, INTS 7, STRINGS 8
            case .float(let f): w.float(2, f); w.int(20, 1)
            case .floats(let v): for f in v { w.float(7, f) }; w.int(20, 6)
            case .int(let i): w.int(3, i); w.int(20, 2)
            case .string(let s): w.string(4, s); w.int(20, 3)
            case .ints(let v): for i in v { w.int(8, i) }; w.int(20, 7)
            case .strings(let v): for s in v { w.string(9, s) }; w.int(20, 8)
            }
        }
    }

    /// TensorProto: numbers as little-endian `raw_data`, strings as `string_data`.
    public struct Tensor {
        public var name: String
        public var dims: [Int]
        public var type: DataType
        var raw: [UInt8] = []
        var strings: [String] = []

        public static func floats(_ name: String, _ values: [Float], dims: [Int]) -> Tensor {
            precondition(values.count == dims.reduce(1, *))
            var raw: [UInt8] = []
            raw.reserveCapacity(values.count * 4)
            for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { raw.append(contentsOf: $0) } }
            return Tensor(name: name, dims: dims, type: .float, raw: raw)
        }

        public static func int64s(_ name: String, _ values: [Int64], dims: [Int]) -> Tensor {
            precondition(values.count == dims.reduce(1, *))
            var raw: [UInt8] = []
            for v in values { withUnsafeBytes(of: v.littleEndian) { raw.append(contentsOf: $0) } }
            return Tensor(name: name, dims: dims, type: .int64, raw: raw)
        }

        public static func doubles(_ name: String, _ values: [Double], dims: [Int]) -> Tensor {
            precondition(values.count == dims.reduce(1, *))
            var raw: [UInt8] = []
            for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { raw.append(contentsOf: $0) } }
            return Tensor(name: name, dims: dims, type: .double, raw: raw)
        }

        /// Booleans, one byte each.
        public static func bools(_ name: String, _ values: [Bool], dims: [Int]) -> Tensor {
            precondition(values.count == dims.reduce(1, *))
            return Tensor(name: name, dims: dims, type: .bool, raw: values.map { $0 ? 1 : 0 })
        }

        func encode(into w: inout ProtobufWriter) {
            for d in dims { w.int(1, Int64(d)) }      // dims
            w.int(2, type.rawValue)                   // data_type
            for s in strings { w.string(6, s) }       // string_data
            w.string(8, name)                         // name
            if type != .string { w.data(9, raw) }     // raw_data
        }
    }

    /// ValueInfoProto of a tensor: its element type and shape (nil dimension = symbolic `N`).
    public struct ValueInfo {
        public var name: String
        public var type: DataType
        public var shape: [Int?]
        public init(_ name: String, _ type: DataType, shape: [Int?]) { self.name = name; self.type = type; self.shape = shape }

        func encode(into w: inout ProtobufWriter) {
            w.string(1, name)
            w.message(2) { t in                                  // TypeProto
                t.message(1) { tensor in                         // tensor_type
                    tensor.int(1, type.rawValue)                 // elem_type
                    tensor.message(2) { s in                     // shape: TensorShapeProto
                        for d in shape {
                            s.message(1) { dim in                // dim
                                if let d { dim.int(1, Int64(d)) } else { dim.string(2, "N") }
                            }
                        }
                    }
                }
            }
        }
    }
}
