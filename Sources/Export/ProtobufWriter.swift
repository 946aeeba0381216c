/// The protocol buffers wire format, written directly: varints, fixed 32-bit values and
/// length-delimited fields (strings, bytes, nested messages). Enough to write ONNX models
/// without a protobuf library.
///
/// Fields are appended in call order; a default value is written when asked (callers skip
/// unset optional fields). Repeated scalars are written unpacked (one tag per value), as
/// proto2 declares them unless `packed = true`; parsers accept both.
public struct ProtobufWriter {
    public enum WireType: UInt8 { case varint = 0, fixed64 = 1, lengthDelimited = 2, fixed32 = 5 }

    /// The encoded message.
    public private(set) var bytes: [UInt8] = []

    public init() {}

    /// A base-128 varint: 7 bits per byte, least significant first, high bit = more follows.
    public mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    /// A field's key: (number << 3) | wire type.
    public mutating func key(_ field: Int, _ type: WireType) {
        varint(UInt64(field) << 3 | UInt64(type.rawValue))
    }

    /// int32, int64, enum and bool fields: negative numbers as their 64-bit two's complement (10 bytes).
    public mutating func int(_ field: Int, _ value: Int64) {
        key(field, .varint)
        varint(UInt64(bitPattern: value))
    }

    /// A float field: 4 bytes, little-endian IEEE 754.
    public mutating func float(_ field: Int, _ value: Float) {
        key(field, .fixed32)
        let bits = value.bitPattern
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: bits >> UInt32(shift))) }
    }

    /// A string field (UTF-8).
    public mutating func string(_ field: Int, _ value: String) {
        data(field, Array(value.utf8))
    }

    /// A bytes field.
    public mutating func data(_ field: Int, _ value: [UInt8]) {
        key(field, .lengthDelimited)
        varint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// An embedded message field, its content written by `body`.
    public mutating func message(_ field: Int, _ body: (inout ProtobufWriter) -> Void) {
        var inner = ProtobufWriter()
        body(&inner)
        data(field, inner.bytes)
    }

    /// A packed repeated varint field: one key, the length, then the values.
    public mutating func packed(_ field: Int, _ values: [Int64]) {
        var inner = ProtobufWriter()
        for v in values { inner.varint(UInt64(bitPattern: v)) }
        data(field, inner.bytes)
    }
}
