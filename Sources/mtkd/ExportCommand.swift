import ArgumentParser
import Artifacts
import Export
import Foundation

/// `mtkd export MODEL.h5 --format onnx|safetensors`: a model for use outside mtkd.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a student or teacher model to ONNX or safetensors.",
        discussion: """
            onnx: the whole path from raw CSV columns to predictions in one graph (opset 13 and ai.onnx.ml 2). One input per feature column, named after it, shape [N, 1]: float for numeric columns (NaN = missing), string for categorical ones (the trimmed cell text). Numeric inputs are standardised and imputed, categorical ones one-hot encoded, inside the graph. Outputs per task: `<task>` (class probabilities [N, C], or the value in label units [N, 1]) and, for classification, `<task>:class` (the predicted class name). Missing cells are always imputed in the graph.

            A gradient-boosted teacher member (kind gbdt) exports the same way: the same inputs, encoding and outputs, with its trees of rounds 0…best_iteration as one TreeEnsembleRegressor (ai.onnx.ml) in place of the network; its numeric inputs are double, standardised in double as mtkd predict does (trees split exactly at encoded training values).

            safetensors: the weights (f32, as stored: Linear weights (in, out), y = x·W + b) with the preprocessing and the network's blueprint as JSON in __metadata__; for a gbdt member, its trees as flat node arrays (XGBoost's JSON names; __metadata__ layout says how to walk them).

            Without --output the file is written to the current folder, named after the network (kd-replicate-0.onnx, species-member-0.safetensors).
            """)

    @Argument(help: "A model file: students/<name>/replicate-<k>.h5 or teachers/<task>/member-<k>.h5.")
    var model: String

    @Option(name: .long, help: "onnx or safetensors.")
    var format: String

    @Option(name: .shortAndLong, help: "The file to write (default: the network's name with the format's extension, here).")
    var output: String?

    func validate() throws {
        guard ExportFormat(rawValue: format) != nil else {
            throw ValidationError("--format must be one of \(ExportFormat.allCases.map(\.rawValue).joined(separator: ", ")), got '\(format)'")
        }
    }

    func run() throws {
        try CLIError.handle {
            let format = ExportFormat(rawValue: format)!
            guard FileManager.default.fileExists(atPath: model) else { throw CLIError.usage("\(model): no such model file") }
            let file: TeacherMemberFile
            do { file = try TeacherMemberFile.read(from: model) } catch {
                throw CLIError.usage((error as? LocalizedError)?.errorDescription ?? "\(error)")
            }
            // Named after the network: kd/replicate-0 → kd-replicate-0.onnx, species/member-0 → species-member-0.onnx.
            let target = output ?? (file.name.replacingOccurrences(of: "/", with: "-") + "." + format.fileExtension)
            do {
                try format.write(file, path: model, to: target, producerVersion: MTKD.configuration.version)
            } catch let e as ArtifactError where e.path == model {
                throw CLIError.usage(e.errorDescription ?? "\(e)")
            }
            FileHandle.standardError.write(Data("wrote \(target)\n".utf8))
        }
    }
}
