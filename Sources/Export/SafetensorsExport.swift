import Artifacts
import Foundation
import GBDT
import Tensor

/// A model file as safetensors (https://github.com/huggingface/safetensors): an 8-byte
/// little-endian header length, a JSON header, then the tensors' bytes.
///
/// A network: every parameter under its model-file name, f32, shape (rows, cols) as stored —
/// a Linear weight is (in, out) and its bias (1, out): y = x·W + b (not PyTorch's (out, in)).
/// A gradient-boosted member: its trees' arrays (`bytes(_: GBDTMemberFile…)`).
/// `__metadata__` (string values only): `format` "mtkd", `mtkd_version`, `role`, `name`,
/// `blueprint` and `preprocessing` (JSON, as in the model file) and `layout` (how to read the tensors).
public enum SafetensorsExport {
    /// One tensor: its name, safetensors dtype ("F32", "I32", "U8"), shape and little-endian bytes.
    struct Entry {
        var name: String
        var dtype: String
        var shape: [Int]
        var data: [UInt8]

        static func f32(_ name: String, _ values: [Float], shape: [Int]) -> Entry {
            var data: [UInt8] = []
            data.reserveCapacity(values.count * 4)
            for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
            return Entry(name: name, dtype: "F32", shape: shape, data: data)
        }

        static func i32(_ name: String, _ values: [Int32], shape: [Int]) -> Entry {
            var data: [UInt8] = []
            data.reserveCapacity(values.count * 4)
            for v in values { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
            return Entry(name: name, dtype: "I32", shape: shape, data: data)
        }

        static func u8(_ name: String, _ values: [Bool], shape: [Int]) -> Entry {
            Entry(name: name, dtype: "U8", shape: shape, data: values.map { $0 ? 1 : 0 })
        }
    }

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
        return encode(metadata: metadata, model.parameters.map { .f32($0.name, $0.value.storage, shape: [$0.value.rows, $0.value.cols]) })
    }

    /// A gradient-boosted member's trees of rounds 0…best_iteration, as the arrays of XGBoost's
    /// JSON model concatenated over the trees (`TreeEnsemble`): `tree_start` (trees + 1) I32,
    /// `tree_group` (trees) I32, `left_children`, `right_children`, `split_indices` (nodes) I32
    /// (child indices local to their tree, −1 at a leaf), `split_conditions` (nodes) F32 (a
    /// split's threshold, a leaf's value), `default_left` (nodes) U8, `base_margin` (groups) F32,
    /// `zero_is_missing` (inputs) U8. Metadata adds `objective`, `best_iteration` and the rule in `layout`.
    public static func bytes(_ member: GBDTMemberFile, path: String) throws -> [UInt8] {
        guard let pre = member.preprocessing else {
            throw ArtifactError(path: path, "the model file holds no preprocessing (written by an older mtkd); re-run its pipeline to rewrite it")
        }
        let e = try ONNXExport.trees(member, path: path)
        let blueprint = String(decoding: try JSONEncoder.sorted.encode(member.blueprint), as: UTF8.self)
        let metadata: [(String, String)] = [
            ("format", "mtkd"), ("mtkd_version", String(ArtifactFormat.version)), ("role", member.role), ("name", member.name),
            ("blueprint", blueprint), ("preprocessing", pre.json()), ("objective", e.objective.rawValue),
            ("best_iteration", String(member.bestIteration)),
            ("layout", "XGBoost's trees of rounds 0…best_iteration, node arrays concatenated over the trees: tree t is nodes "
             + "tree_start[t]..<tree_start[t+1] and adds to margin tree_group[t]; from a tree's node 0, a split goes to "
             + "left_children (local index) when x[split_indices] < split_conditions, when the value is missing if default_left, "
             + "else to right_children; a leaf (left_children −1) gives split_conditions; margin g = base_margin[g] + the sum of "
             + "its trees' leaves; x is the encoded row with NaN where zero_is_missing marks an input that is 0; logits: "
             + "binary:logistic [0, m], multi:softprob the margins; reg:squarederror: the standardised prediction"),
        ]
        let n = e.nodes, t = e.trees
        return encode(metadata: metadata, [
            .i32("tree_start", e.treeStart.map { Int32($0) }, shape: [t + 1]),
            .i32("tree_group", e.treeGroup.map { Int32($0) }, shape: [t]),
            .i32("left_children", e.leftChildren, shape: [n]),
            .i32("right_children", e.rightChildren, shape: [n]),
            .i32("split_indices", e.splitIndices, shape: [n]),
            .f32("split_conditions", e.splitConditions, shape: [n]),
            .u8("default_left", e.defaultLeft, shape: [n]),
            .f32("base_margin", [Float](repeating: e.baseMargin, count: e.groups), shape: [e.groups]),
            .u8("zero_is_missing", member.zeroIsMissing, shape: [member.zeroIsMissing.count]),
        ])
    }

    /// The file: header (metadata, then each tensor's dtype, shape and offsets, in order) padded
    /// with spaces to 8 bytes, then the tensors' bytes.
    static func encode(metadata: [(String, String)], _ tensors: [Entry]) -> [UInt8] {
        var header = "{\"__metadata__\":{" + metadata.map { "\(json($0.0)):\(json($0.1))" }.joined(separator: ",") + "}"
        var offset = 0
        for t in tensors {
            let shape = t.shape.map(String.init).joined(separator: ",")
            header += ",\(json(t.name)):{\"dtype\":\"\(t.dtype)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + t.data.count)]}"
            offset += t.data.count
        }
        header += "}"
        var headerBytes = Array(header.utf8)
        // Pad with spaces so the tensor data starts 8-byte aligned.
        while (8 + headerBytes.count) % 8 != 0 { headerBytes.append(0x20) }
        var out: [UInt8] = []
        out.reserveCapacity(8 + headerBytes.count + offset)
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: headerBytes)
        for t in tensors { out.append(contentsOf: t.data) }
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
