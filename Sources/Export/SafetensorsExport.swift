import Artifacts
import Foundation
import Tensor

/// A model file as safetensors (https://github.com/huggingface/safetensors): an 8-byte
/// little-endian header length, a JSON header, then the tensors' bytes.
///
/// Tensors: every parameter under its model-file name, f32, shape (rows, cols) as stored —
/// a Linear weight is (in, out) and its bias (1, out): y = x·W + b (not PyTorch's (out, in)).
/// `__metadata__` (string values only): `format` "mtkd", `mtkd_version`, `role`, `name`,
/// `blueprint` and `preprocessing` (JSON, as in the model file) and `layout` (the sentence above).
public enum SafetensorsExport {
    public static func bytes(_ model: ModelFile, path: String) throws -> [UInt8] {
        guard let pre = model.preprocessing else {
            throw ArtifactError(path: path, "the model file holds no preprocessing (written by an older mtkd); re-run its pipeline to rewrite it")
        }
        let blueprint = String(decoding: try JSONEncoder.sorted.encode(model.blueprint), as: UTF8.self)
        let metadata: [(String, String)] = [
            ("format", "mtkd"), ("mtkd_version", String(ArtifactFormat.version)), ("role", model.role), ("name", model.name),
            ("blueprint", blueprint), ("preprocessing", pre.json()),
            ("layout", "linear weights are (in, out) and biases (1, out): y = x·W + b; stitch.<l> is (T, T), or (T, T·width) per unit"),
        ]
        var header = "{\"__metadata__\":{" + metadata.map { "\(json($0.0)):\(json($0.1))" }.joined(separator: ",") + "}"
        var offset = 0
        for p in model.parameters {
            let size = p.value.count * 4
            header += ",\(json(p.name)):{\"dtype\":\"F32\",\"shape\":[\(p.value.rows),\(p.value.cols)],\"data_offsets\":[\(offset),\(offset + size)]}"
            offset += size
        }
        header += "}"
        var headerBytes = Array(header.utf8)
        // Pad with spaces so the tensor data starts 8-byte aligned.
        while (8 + headerBytes.count) % 8 != 0 { headerBytes.append(0x20) }
        var out: [UInt8] = []
        out.reserveCapacity(8 + headerBytes.count + offset)
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: headerBytes)
        for p in model.parameters {
            for v in p.value.storage { withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
        }
        return out
    }

    /// A JSON string literal.
    static func json(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }
}
