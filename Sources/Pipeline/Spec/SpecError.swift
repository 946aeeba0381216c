import Foundation

/// A problem in a pipeline file: which file, which line, which key, and what is wrong.
///
/// Reads as `pipelines/x.yaml:12: teachers.species.members: members must be >= 1, got 0`;
/// the `:line` and the `key: ` parts are left out when unknown.
public struct SpecError: Error, LocalizedError, Equatable, Sendable, CustomStringConvertible {
    /// The pipeline file as the caller named it (e.g. `pipelines/x.yaml`), not resolved.
    public var file: String
    /// 1-based line of the offending node, when known.
    public var line: Int?
    /// Dotted key path of the offending node: `teachers.species.members`, `tasks[1].type`,
    /// `data.features.numeric[2]`; nil for problems of the file as a whole.
    public var key: String?
    /// Short, lower-case: what was found and what would be valid.
    public var message: String

    public init(file: String, line: Int? = nil, key: String? = nil, message: String) {
        self.file = file
        self.line = line
        self.key = (key?.isEmpty ?? true) ? nil : key
        self.message = message
    }

    /// `file:line: key: message`
    public var description: String {
        var text = file
        if let line { text += ":\(line)" }
        text += ": "
        if let key { text += "\(key): " }
        return text + message
    }

    public var errorDescription: String? { description }
}
