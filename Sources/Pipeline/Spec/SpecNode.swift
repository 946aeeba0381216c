import Foundation
import Yams

/// What all nodes of one file share: the file's name and the keys the reader renamed.
struct SpecSource {
    /// The pipeline file as the user named it.
    let file: String
    /// Placeholder key → original key, for repeated keys (see `YAMLReader`).
    let renamedKeys: [String: String]
}

/// A node of the pipeline file together with where it sits, and typed accessors that throw a
/// `SpecError` naming the node's key path and line.
///
/// Strings are taken as written, whatever YAML type they resolve to (`positive: [1, yes]` gives
/// `"1"`, `"yes"`). Integers must be written as integers (`3`, not `3.0`; leading zeros are
/// decimal); numbers may be written as integers or floats and must be finite.
struct SpecNode {
    /// The Yams node.
    let node: Node
    /// Dotted key path from the top (`tasks[1].type`); empty for the top-level mapping.
    let path: String
    /// The node's own key (`type`, `hidden[2]`), used in "… must be …" messages.
    let name: String
    /// Line of the key that introduced this node (nil for list items and the top level).
    let keyLine: Int?
    let source: SpecSource

    init(root: Node, source: SpecSource) {
        self.init(node: root, path: "", name: "", keyLine: nil, source: source)
    }

    private init(node: Node, path: String, name: String, keyLine: Int?, source: SpecSource) {
        self.node = node; self.path = path; self.name = name; self.keyLine = keyLine; self.source = source
    }

    /// The line to report: the key's line for a value, the node's own line for a list item.
    var line: Int? { keyLine ?? node.mark?.line }

    /// A `SpecError` at this node.
    func error(_ message: String) -> SpecError {
        SpecError(file: source.file, line: line, key: path, message: message)
    }

    /// `expected <expected>, got <what this node is>`.
    func typeError(_ expected: String) -> SpecError {
        error("expected \(expected), got \(described)")
    }

    /// Throws `<label> must be <constraint>, got <value as written>` unless `condition` holds.
    func require(_ condition: Bool, _ constraint: String, label: String? = nil) throws {
        guard !condition else { return }
        throw violation(constraint, label: label)
    }

    /// `<label> must be <constraint>, got <value as written>`.
    func violation(_ constraint: String, label: String? = nil) -> SpecError {
        error("\(label ?? name) must be \(constraint), got \(written)")
    }

    // MARK: - What the node is

    private var tagName: Tag.Name { Tag.Name(rawValue: node.tag.rawValue) }

    /// Whether the node is a YAML null (`~`, `null`, or nothing after the colon).
    var isNull: Bool {
        if case .scalar = node { return tagName == .null }
        return false
    }

    /// The node as named after "got": `nothing`, `3.0`, `true`, `a string 'abc'`, `a list`, `a mapping`.
    var described: String {
        switch node {
        case let .scalar(scalar):
            switch tagName {
            case .null: return "nothing"
            case .int, .float, .bool: return scalar.string
            default: return scalar.string.isEmpty ? "an empty string" : "a string '\(scalar.string)'"
            }
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        case .alias: return "an alias"
        }
    }

    /// A scalar's text as written, otherwise `described`.
    var written: String { node.scalar?.string ?? described }

    // MARK: - Scalars

    /// The text of any scalar but null.
    /// - Parameter expected: what to name in the error, e.g. `a file path`.
    func string(_ expected: String = "a string") throws -> String {
        guard case let .scalar(scalar) = node, tagName != .null else { throw typeError(expected) }
        return scalar.string
    }

    /// A non-empty string.
    func nonEmptyString(_ expected: String) throws -> String {
        let text = try string(expected)
        guard !text.isEmpty else { throw typeError(expected) }
        return text
    }

    /// An integer written as one (`3`, `1_000`, `0x10`; `3.0` or `'3'` is an error) within
    /// `bounds`, one of `SpecLimits`: every integer setting is bounded.
    /// Out of bounds: `members must be >= 1, got 0`, `epochs must be <= 1000000, got 4294967296`
    /// (also when the number does not fit an Int).
    func int(in bounds: ClosedRange<Int>) throws -> Int {
        guard case let .scalar(scalar) = node, scalar.style == .plain || scalar.style == .any,
              tagName == .int || tagName == .float else { throw typeError("an integer") }
        let digits = scalar.string.replacingOccurrences(of: "_", with: "")
        let value: Int
        if Self.isDecimal(digits) {
            guard let parsed = Int(digits) else {
                // Beyond Int: beyond any bound too.
                throw violation(digits.first == "-" ? ">= \(bounds.lowerBound)" : "<= \(bounds.upperBound)")
            }
            value = parsed
        } else {
            guard tagName == .int, let parsed = Int.construct(from: scalar) else { throw typeError("an integer") }
            value = parsed
        }
        try require(value >= bounds.lowerBound, ">= \(bounds.lowerBound)")
        try require(value <= bounds.upperBound, "<= \(bounds.upperBound)")
        return value
    }

    /// A finite number, written as an integer or a float.
    func number() throws -> Double {
        guard case let .scalar(scalar) = node, scalar.style == .plain || scalar.style == .any,
              tagName == .int || tagName == .float else { throw typeError("a number") }
        let digits = scalar.string.replacingOccurrences(of: "_", with: "")
        let value: Double?
        if Self.isDecimal(digits) {
            value = Double(digits)
        } else if tagName == .int {
            value = Int.construct(from: scalar).map(Double.init)
        } else {
            value = Double.construct(from: scalar)
        }
        guard let value, value.isFinite else { throw typeError("a finite number") }
        return value
    }

    /// `true` or `false` (YAML 1.1 also accepts yes/no, on/off).
    func bool() throws -> Bool {
        guard case let .scalar(scalar) = node, tagName == .bool,
              let value = Bool.construct(from: scalar) else { throw typeError("true or false") }
        return value
    }

    /// One of the raw values of `E`, listing them all when the value is not one of them.
    func choice<E: RawRepresentable & CaseIterable>(_ type: E.Type) throws -> E where E.RawValue == String {
        let valid = E.allCases.map(\.rawValue)
        guard case let .scalar(scalar) = node, tagName != .null else {
            throw typeError("one of " + valid.joined(separator: ", "))
        }
        guard let value = E(rawValue: scalar.string) else {
            throw error("unknown value '\(scalar.string)'; valid values are: " + valid.joined(separator: ", "))
        }
        return value
    }

    /// `[-+]?[0-9]+`
    private static func isDecimal(_ text: String) -> Bool {
        let unsigned = text.first == "-" || text.first == "+" ? text.dropFirst() : Substring(text)
        return !unsigned.isEmpty && unsigned.allSatisfy { $0.isASCII && $0.isNumber }
    }

    // MARK: - Collections

    /// The items of a list, each with its path `key[i]`.
    /// - Parameter what: what the items are, for the error: `integers` gives "expected a list of integers".
    func items(of what: String) throws -> [SpecNode] {
        guard case let .sequence(sequence) = node else { throw typeError("a list of \(what)") }
        return sequence.enumerated().map { index, item in
            SpecNode(node: item, path: "\(path)[\(index)]", name: "\(name)[\(index)]", keyLine: nil, source: source)
        }
    }

    /// Calls `body` for each entry of a mapping, in file order, after checking that its key is
    /// not a repeat and (when `keys` is given) is one of `keys`.
    ///
    /// - Parameters:
    ///   - keys: the valid keys, or nil when any key is allowed (task names, for instance).
    ///   - expected: what to name when the node is not a mapping.
    ///   - body: gets the key and the value node (whose line is the key's line).
    func forEachEntry(keys: [String]?, expected: String = "a mapping",
                      _ body: (_ key: String, _ value: SpecNode) throws -> Void) throws {
        guard case let .mapping(mapping) = node else { throw typeError(expected) }
        var firstLines: [String: Int?] = [:]
        for (keyNode, valueNode) in mapping {
            let keyLine = keyNode.mark?.line
            guard case let .scalar(scalar) = keyNode else {
                throw SpecError(file: source.file, line: keyLine, key: path,
                                message: "expected a key name, got \(SpecNode(root: keyNode, source: source).described)")
            }
            let key = source.renamedKeys[scalar.string] ?? scalar.string
            let value = SpecNode(node: valueNode, path: path.isEmpty ? key : "\(path).\(key)", name: key,
                                 keyLine: keyLine, source: source)
            if let first = firstLines[key] {
                let place = first.map { " (first given on line \($0))" } ?? ""
                throw value.error("duplicate key '\(key)'\(place)")
            }
            firstLines[key] = keyLine
            if let keys, !keys.contains(key) {
                throw value.error("unknown key '\(key)'" + SpecSuggest.hint(for: key, in: keys, listing: "valid keys are"))
            }
            try body(key, value)
        }
    }

    /// A `SpecError` for a required key missing from this mapping, at the mapping's line.
    func missing(_ key: String) -> SpecError {
        SpecError(file: source.file, line: line, key: path.isEmpty ? key : "\(path).\(key)",
                  message: "missing required key '\(key)'")
    }
}
