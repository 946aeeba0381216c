import Artifacts
import Foundation

/// The formats a model file can be exported to.
public enum ExportFormat: String, CaseIterable, Sendable {
    case onnx, safetensors

    /// The usual file extension.
    public var fileExtension: String { rawValue }

    /// The model file's content in this format.
    public func bytes(_ model: ModelFile, path: String, producerVersion: String = "") throws -> [UInt8] {
        try bytes(.mlp(model), path: path, producerVersion: producerVersion)
    }

    /// The content of a model file of either kind — a network (student or teacher member), or a
    /// gradient-boosted teacher member — in this format.
    public func bytes(_ model: TeacherMemberFile, path: String, producerVersion: String = "") throws -> [UInt8] {
        switch (self, model) {
        case (.onnx, .mlp(let m)): return try ONNXExport.model(m, path: path, producerVersion: producerVersion).encoded()
        case (.onnx, .gbdt(let g)): return try ONNXExport.model(g, path: path, producerVersion: producerVersion).encoded()
        case (.safetensors, .mlp(let m)): return try SafetensorsExport.bytes(m, path: path)
        case (.safetensors, .gbdt(let g)): return try SafetensorsExport.bytes(g, path: path)
        }
    }

    /// Writes the export atomically to `output`.
    public func write(_ model: ModelFile, path: String, to output: String, producerVersion: String = "") throws {
        try write(.mlp(model), path: path, to: output, producerVersion: producerVersion)
    }

    /// Writes the export of a model file of either kind atomically to `output`.
    public func write(_ model: TeacherMemberFile, path: String, to output: String, producerVersion: String = "") throws {
        let data = Data(try bytes(model, path: path, producerVersion: producerVersion))
        try AtomicWrite.write(data, to: output)
    }
}
