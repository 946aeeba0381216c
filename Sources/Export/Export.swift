import Artifacts
import Foundation

/// The formats a model file can be exported to.
public enum ExportFormat: String, CaseIterable, Sendable {
    case onnx, safetensors

    /// The usual file extension.
    public var fileExtension: String { rawValue }

    /// The model file's content in this format.
    public func bytes(_ model: ModelFile, path: String, producerVersion: String = "") throws -> [UInt8] {
        switch self {
        case .onnx: return try ONNXExport.model(model, path: path, producerVersion: producerVersion).encoded()
        case .safetensors: return try SafetensorsExport.bytes(model, path: path)
        }
    }

    /// Writes the export atomically to `output`.
    public func write(_ model: ModelFile, path: String, to output: String, producerVersion: String = "") throws {
        let data = Data(try bytes(model, path: path, producerVersion: producerVersion))
        try AtomicWrite.write(data, to: output)
    }
}
