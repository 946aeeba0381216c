import Artifacts
import Foundation
import TestSupport
import MultiTask
import Tensor

/// The repository (for the committed data and the built binary).
let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path
/// The CLI as built by `swift build` / `swift test`.
let binary = repository + "/.build/debug/mtkd"

/// A temporary folder, removed when the test is done.
struct TemporaryFolder {
    let path: String

    static func with<R>(_ body: (TemporaryFolder) throws -> R) throws -> R {
        let folder = TemporaryFolder(path: NSTemporaryDirectory() + "mtkd-predict-" + UUID().uuidString)
        try FileManager.default.createDirectory(atPath: folder.path, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder.path) }
        return try body(folder)
    }

    func file(_ name: String) -> String { path + "/" + name }

    /// Writes `text` to `name`; returns its path.
    @discardableResult
    func write(_ text: String, to name: String) throws -> String {
        try text.write(toFile: file(name), atomically: true, encoding: .utf8)
        return file(name)
    }
}

/// A small model file with a hand-written preprocessing: numeric `x` (mean 10, std 2),
/// categorical `color` [blue, green, <other>] (unseen → <other>), categorical `size` [L, S]
/// (unseen → nothing); tasks `label` (no/yes) and `amount` (regression, mean 100, std 10).
/// Six inputs, one hidden layer of 4, random weights.
func syntheticModel(_ policy: Preprocessing.MissingFeatures = .dropRow, missingValues: [String] = ["", "NA"]) -> ModelFile {
    let pre = Preprocessing(
        csv: .init(delimiter: ",", header: true, columns: [], missingValues: missingValues, trimWhitespace: true),
        missingFeatures: policy,
        features: [.numeric("x", mean: 10, std: 2),
                   .categorical("color", categories: ["blue", "green", "<other>"], otherIndex: 2),
                   .categorical("size", categories: ["L", "S"])],
        tasks: [.init(name: "label", column: "label", kind: .classification, classes: ["no", "yes"]),
                .init(name: "amount", column: "amount", kind: .regression, classes: [], labelMean: 100, labelStd: 10)])
    let net = HardSharingNetwork(inputs: 6, hidden: [4], dropout: 0, tasks: pre.tasks.map {
        TaskHead(name: $0.name, kind: $0.kind, outputs: $0.kind == .classification ? $0.classes.count : 1)
    }, seed: 3)
    var model = ModelFile(role: "student", name: "synthetic", network: net, seed: 3,
                          history: TrainingHistory(epochs: [], bestEpoch: 0, seconds: 0))
    model.preprocessing = pre
    return model
}

/// Runs the mtkd binary; returns exit code, stdout and stderr.
func runCLI(_ arguments: [String]) throws -> (code: Int32, out: String, err: String) {
    let r = try runProcess(binary, arguments)
    return (r.code, r.out, r.err)
}

/// A CSV text's rows split into cells (no quoting in these tests).
func csvRows(_ text: String) -> [[String]] {
    text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
}
