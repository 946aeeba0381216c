import Foundation

/// A failed HDF5 operation: what was attempted, on which file and object, and HDF5's own account.
///
/// `description` is one short lower-case line, e.g.
/// `cannot open file at /tmp/x.h5: no such file or directory`.
public struct H5Error: Error, LocalizedError, CustomStringConvertible {
    /// What was attempted, e.g. "open file", "read dataset", "read attribute 'units'".
    public var operation: String
    /// The file and object concerned: `"<file>:/group/name"`, or just `"<file>"` for file-level operations.
    public var path: String
    /// HDF5's error stack as `"function(): message"` lines, outermost (the API call) first, innermost last.
    /// Empty for errors detected by this module (e.g. a wrong element count).
    public var stack: [String]
    /// The most useful single message: this module's own, or the most specific one on HDF5's stack.
    public var message: String

    /// An error carrying HDF5's error stack; `message` defaults to the most useful line of it.
    public init(operation: String, path: String, stack: [String], message: String? = nil) {
        self.operation = operation
        self.path = path
        self.stack = stack
        self.message = message ?? H5Error.mostUsefulMessage(stack)
    }

    /// An error detected by this module, without an HDF5 stack.
    public init(operation: String, path: String, message: String) {
        self.init(operation: operation, path: path, stack: [], message: message)
    }

    public var description: String { "cannot \(operation) at \(path): \(message)" }
    public var errorDescription: String? { description }

    /// Picks the innermost stack message (the one nearest the cause), without its function name;
    /// a quoted OS error ("error message = 'No such file or directory'") wins when present.
    static func mostUsefulMessage(_ stack: [String]) -> String {
        guard let innermost = stack.last else { return "unknown hdf5 error" }
        var text = innermost
        if let range = text.range(of: "(): ") { text = String(text[range.upperBound...]) }
        if let start = text.range(of: "error message = '"),
           let end = text[start.upperBound...].firstIndex(of: "'") {
            text = String(text[start.upperBound..<end])
        }
        return lowercasingFirst(text)
    }

    private static func lowercasingFirst(_ text: String) -> String {
        guard let first = text.first else { return text }
        // Keep acronyms such as "HDF5" or "EOF" as they are.
        let second = text.dropFirst().first
        if let second = second, second.isUppercase { return text }
        return first.lowercased() + text.dropFirst()
    }
}
