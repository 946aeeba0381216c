import Artifacts
import Foundation
import MultiTask
import Tensor

/// A model file as an ONNX graph that goes from raw CSV columns to predictions, everything
/// inside the graph (opset 13, and `ai.onnx.ml` 2 for the category lookups):
///
/// - inputs: one per feature column, named after it, shape [N, 1]: float for numeric columns
///   (NaN = missing), string for categorical ones (the trimmed cell text; a missing-value token
///   such as "?" = missing);
/// - numeric: scaled as the feature says — `standard` `(x − mean) / std`, `minmax`
///   `(x − min) / (max − min)` (`Sub`, `Div`), `none` as it is — and NaN → the feature's
///   `impute` value (the training mean, transformed; 0 for `standard`): `IsNaN`, `Where`;
/// - categorical: `CategoryMapper` (vocabulary → index, missing tokens → −1, unseen → the
///   `<other>` index or −1), then `Equal` with 0…K−1 and `Cast`: the one-hot block, all zeros for −1;
/// - `Concat` in input order, then the network: `Gemm` + `Relu` per hidden layer (dropout is
///   the identity at inference), cross-stitch mixing as `Mul`/`Add` after each hidden layer
///   (T×T per layer, or per unit), one `Gemm` head per task;
/// - outputs per task: `<task>` — class probabilities [N, C] (`Softmax`), or the value in
///   label units [N, 1] (`Mul`, `Add`); classification also `<task>:class` — the predicted
///   class name [N, 1] (`ArgMax`, `LabelEncoder`).
///
/// Model metadata (`metadata_props`): `mtkd_preprocessing` and `mtkd_blueprint` (JSON),
/// `mtkd_role`, `mtkd_name`. Missing cells are always imputed here, whatever the model's
/// missing-feature policy (`mtkd predict` refuses them for drop-row models unless told to impute).
public enum ONNXExport {
    public static let opset: Int64 = 13
    public static let mlOpset: Int64 = 2

    /// The ONNX model of a model file.
    /// - Throws: `ArtifactError` when the file has no preprocessing, or names collide.
    public static func model(_ file: ModelFile, path: String, producerVersion: String = "") throws -> ONNX.Model {
        guard let pre = file.preprocessing else {
            throw ArtifactError(path: path, "the model file holds no preprocessing (written by an older mtkd); re-run its pipeline to rewrite it")
        }
        var b = GraphBuilder(parameters: Dictionary(uniqueKeysWithValues: file.parameters.map { ($0.name, $0.value) }), path: path)
        var graph = ONNX.Graph(name: file.name)
        let x = try b.encodeInputs(pre, graph: &graph)
        let logits = try b.network(file.blueprint, input: x)
        try b.taskOutputs(pre, logits: logits, graph: &graph)
        graph.nodes = b.nodes
        graph.initializers = b.initializers
        graph.docString = "mtkd \(file.role) \(file.name): raw CSV columns in, per task probabilities (or values in label units) out"
        var model = ONNX.Model(opsets: [("", opset), ("ai.onnx.ml", mlOpset)], graph: graph)
        model.producerVersion = producerVersion
        model.docString = graph.docString
        let blueprint = String(decoding: try JSONEncoder.sorted.encode(file.blueprint), as: UTF8.self)
        model.metadata = [("mtkd_preprocessing", pre.json()), ("mtkd_blueprint", blueprint),
                          ("mtkd_role", file.role), ("mtkd_name", file.name)]
        return model
    }
}

/// Nodes and initializers of a graph under construction; value names are unique.
struct GraphBuilder {
    let parameters: [String: Matrix]
    let path: String
    var nodes: [ONNX.Node] = []
    var initializers: [ONNX.Tensor] = []

    init(parameters: [String: Matrix], path: String) { self.parameters = parameters; self.path = path }

    /// Adds a node with one output named `output`; returns that name.
    @discardableResult
    mutating func node(_ op: String, _ inputs: [String], _ output: String, _ attributes: [ONNX.Attribute] = [], domain: String = "") -> String {
        nodes.append(ONNX.Node(op, domain: domain, name: output, inputs: inputs, outputs: [output], attributes: attributes))
        return output
    }

    /// A float initializer (1-D unless `dims` says otherwise); returns its name.
    mutating func constant(_ name: String, _ values: [Float], dims: [Int]? = nil) -> String {
        initializers.append(.floats(name, values, dims: dims ?? [values.count]))
        return name
    }

    func parameter(_ name: String) throws -> Matrix {
        guard let m = parameters[name] else { throw ArtifactError(path: path, "/parameters/\(name) is missing") }
        return m
    }

    /// The graph inputs (one per feature column) and their encoding; returns the (N, F) input matrix.
    /// - Parameter exact: numeric inputs are double and standardised in double, then rounded to
    ///   float — `Float((x − mean) / std)`, mtkd's encoding to the bit (trees split exactly at
    ///   encoded training values, so one ulp can change a leaf); else float, standardised in float.
    mutating func encodeInputs(_ pre: Preprocessing, graph: inout ONNX.Graph, exact: Bool = false) throws -> String {
        var blocks: [String] = []
        let zero = constant("mtkd/zero", [0])
        let missing = pre.csv.missingValues.map { $0.trimmingCharacters(in: .whitespaces) }
        for (k, f) in pre.features.enumerated() {
            let prefix = "mtkd/in.\(k)"
            switch f.kind {
            case .numeric where exact:
                graph.inputs.append(.init(f.column, .double, shape: [nil, 1]))
                if !initializers.contains(where: { $0.name == "mtkd/zero_double" }) {
                    initializers.append(.doubles("mtkd/zero_double", [0], dims: [1]))
                }
                initializers.append(.doubles("\(prefix)/mean", [f.mean], dims: [1]))
                initializers.append(.doubles("\(prefix)/std", [f.std], dims: [1]))
                let centred = node("Sub", [f.column, "\(prefix)/mean"], "\(prefix)/centred")
                let scaled = node("Div", [centred, "\(prefix)/std"], "\(prefix)/scaled")
                let isMissing = node("IsNaN", [scaled], "\(prefix)/missing")
                let imputed = node("Where", [isMissing, "mtkd/zero_double", scaled], "\(prefix)/value_double")
                blocks.append(node("Cast", [imputed], "\(prefix)/value", [.init("to", .int(ONNX.DataType.float.rawValue))]))
            case .numeric:
                graph.inputs.append(.init(f.column, .float, shape: [nil, 1]))
                let scaled: String
                switch f.scaling.method {
                case .standard:
                    let mean = constant("\(prefix)/mean", [Float(f.mean)])
                    let std = constant("\(prefix)/std", [Float(f.std)])
                    let centred = node("Sub", [f.column, mean], "\(prefix)/centred")
                    scaled = node("Div", [centred, std], "\(prefix)/scaled")
                case .minmax:
                    let t = f.transform
                    let low = constant("\(prefix)/min", [Float(t.shift)])
                    let range = constant("\(prefix)/range", [Float(t.divisor)])
                    let shifted = node("Sub", [f.column, low], "\(prefix)/shifted")
                    scaled = node("Div", [shifted, range], "\(prefix)/scaled")
                case .none:
                    scaled = f.column
                }
                let isMissing = node("IsNaN", [scaled], "\(prefix)/missing")
                let impute = f.scaling.impute == 0 ? zero : constant("\(prefix)/impute", [Float(f.scaling.impute)])
                blocks.append(node("Where", [isMissing, impute, scaled], "\(prefix)/value"))
            case .categorical:
                graph.inputs.append(.init(f.column, .string, shape: [nil, 1]))
                guard f.width > 0 else { continue }
                let tokens = missing.filter { !f.categories.contains($0) }
                let index = node("CategoryMapper", [f.column], "\(prefix)/index", [
                    .init("cats_strings", .strings(f.categories + tokens)),
                    .init("cats_int64s", .ints(f.categories.indices.map(Int64.init) + tokens.map { _ in -1 })),
                    .init("default_int64", .int(Int64(f.otherIndex ?? -1))),
                ], domain: "ai.onnx.ml")
                initializers.append(.int64s("\(prefix)/slots", (0..<f.width).map(Int64.init), dims: [f.width]))
                let hot = node("Equal", [index, "\(prefix)/slots"], "\(prefix)/hot")
                blocks.append(node("Cast", [hot], "\(prefix)/value", [.init("to", .int(ONNX.DataType.float.rawValue))]))
            }
        }
        return node("Concat", blocks, "mtkd/x", [.init("axis", .int(1))])
    }

    /// Per task, from its logits (or standardised prediction) `logits[t]`, the graph outputs:
    /// `<task>` — `Softmax` probabilities [N, C], or the value in label units [N, 1] — and, for
    /// classification, `<task>:class`, the predicted class name (`ArgMax`, `LabelEncoder`).
    mutating func taskOutputs(_ pre: Preprocessing, logits: [String], graph: inout ONNX.Graph) throws {
        let inputNames = Set(pre.features.map(\.column))
        for (t, task) in pre.tasks.enumerated() {
            for name in [task.name, "\(task.name):class"] where inputNames.contains(name) {
                throw ArtifactError(path: path, "the output '\(name)' would have the name of an input column; ONNX names must differ")
            }
            switch task.kind {
            case .classification:
                node("Softmax", [logits[t]], task.name, [.init("axis", .int(1))])
                let index = node("ArgMax", [task.name], "mtkd/\(task.name)/argmax", [.init("axis", .int(1)), .init("keepdims", .int(1))])
                node("LabelEncoder", [index], "\(task.name):class", [
                    .init("keys_int64s", .ints(task.classes.indices.map(Int64.init))),
                    .init("values_strings", .strings(task.classes)),
                    .init("default_string", .string("")),
                ], domain: "ai.onnx.ml")
                graph.outputs.append(.init(task.name, .float, shape: [nil, task.classes.count]))
                graph.outputs.append(.init("\(task.name):class", .string, shape: [nil, 1]))
            case .regression:
                let std = constant("mtkd/\(task.name)/label_std", [Float(task.labelStd)])
                let mean = constant("mtkd/\(task.name)/label_mean", [Float(task.labelMean)])
                let scaled = node("Mul", [logits[t], std], "mtkd/\(task.name)/scaled")
                node("Add", [scaled, mean], task.name)
                graph.outputs.append(.init(task.name, .float, shape: [nil, 1]))
            }
        }
    }

    /// `Gemm(x, W, b)` of the Linear layer `name` (W stored (in, out), b (1, out)).
    mutating func linear(_ name: String, _ x: String) throws -> String {
        let w = try parameter("\(name).weight"), bias = try parameter("\(name).bias")
        let wName = constant(name + ".weight", w.storage, dims: [w.rows, w.cols])
        let bName = constant(name + ".bias", bias.storage)
        return node("Gemm", [x, wName, bName], "mtkd/\(name)")
    }

    /// The network's logits per task, from the (N, F) input `x`.
    mutating func network(_ blueprint: NetworkBlueprint, input x: String) throws -> [String] {
        let tasks = blueprint.tasks.map(\.name)
        switch blueprint.architecture {
        case HardSharingNetwork.architecture:
            var h = x
            for l in blueprint.hidden.indices { h = node("Relu", [try linear("trunk.\(l)", h)], "mtkd/trunk.\(l)/relu") }
            return try tasks.map { try linear("head.\($0)", h) }
        case SoftSharingNetwork.architecture:
            return try tasks.map { t in
                var h = x
                for l in blueprint.hidden.indices { h = node("Relu", [try linear("column.\(t).\(l)", h)], "mtkd/column.\(t).\(l)/relu") }
                return try linear("head.\(t)", h)
            }
        case CrossStitchNetwork.architecture:
            var h = tasks.map { _ in x }
            let count = tasks.count
            for (l, width) in blueprint.hidden.enumerated() {
                let a = try tasks.indices.map { t in node("Relu", [try linear("column.\(tasks[t]).\(l)", h[t])], "mtkd/column.\(tasks[t]).\(l)/relu") }
                let stitch = try parameter("stitch.\(l)")
                let perUnit = blueprint.perUnit
                guard stitch.rows == count, stitch.cols == (perUnit ? count * width : count) else {
                    throw ArtifactError(path: path, "/parameters/stitch.\(l) is \(stitch.rows)×\(stitch.cols), expected \(count)×\(perUnit ? count * width : count)")
                }
                // ã_i = Σ_j A_ij · a_j, summed in j order as the network does; per unit A_ij is a
                // row of `width` coefficients, stored at [i, j·width ..< (j+1)·width].
                h = tasks.indices.map { i in
                    var sum = ""
                    for j in tasks.indices {
                        let row = i * stitch.cols
                        let coefficient = perUnit ? Array(stitch.storage[(row + j * width)..<(row + (j + 1) * width)]) : [stitch[i, j]]
                        let c = constant("stitch.\(l)/\(i).\(j)", coefficient)
                        let term = node("Mul", [a[j], c], "mtkd/stitch.\(l)/\(i).\(j)")
                        sum = j == 0 ? term : node("Add", [term, sum], "mtkd/stitch.\(l)/\(i).sum\(j)")
                    }
                    return sum
                }
            }
            return try tasks.indices.map { try linear("head.\(tasks[$0])", h[$0]) }
        default:
            throw ArtifactError(path: path, "cannot export architecture '\(blueprint.architecture)'")
        }
    }
}
