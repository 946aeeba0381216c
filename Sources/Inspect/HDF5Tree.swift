import Artifacts
import Foundation
import HDF5

/// Every group and dataset of an HDF5 file with its layout and attributes, as `h5ls -rv` lists them.
///
/// Only metadata is read (never the data itself), so this is cheap for files of any size.
public struct HDF5Tree: Codable, Equatable, Sendable {
    /// One group or dataset, named by its absolute path.
    public struct Node: Codable, Equatable, Sendable {
        public enum Kind: String, Codable, Sendable { case group, dataset, other }

        public var path: String
        public var kind: Kind
        /// Datasets: dimensions (`[]` for a scalar).
        public var shape: [Int]?
        /// Datasets: "float32", "int32", "string", …
        public var type: String?
        /// Datasets: the chunk shape; nil when stored contiguously.
        public var chunks: [Int]?
        /// Datasets: the filter pipeline in application order.
        public var filters: [Filter]?
        /// Datasets: element count × element size.
        public var logicalBytes: Int?
        /// Datasets: bytes allocated in the file.
        public var storedBytes: Int?
        public var attributes: [Attribute]
        /// Why the object could not be read (e.g. an element type mtkd does not read).
        public var error: String?

        public init(path: String, kind: Kind, shape: [Int]? = nil, type: String? = nil, chunks: [Int]? = nil,
                    filters: [Filter]? = nil, logicalBytes: Int? = nil, storedBytes: Int? = nil,
                    attributes: [Attribute] = [], error: String? = nil) {
            self.path = path; self.kind = kind; self.shape = shape; self.type = type; self.chunks = chunks
            self.filters = filters; self.logicalBytes = logicalBytes; self.storedBytes = storedBytes
            self.attributes = attributes; self.error = error
        }

        /// Logical over stored bytes (2.0 = the data takes half its size on disk); nil when nothing is stored.
        public var compressionRatio: Double? {
            guard let logical = logicalBytes, let stored = storedBytes, stored > 0 else { return nil }
            return Double(logical) / Double(stored)
        }

        /// The attribute `name`'s value, if present and readable.
        public func attribute(_ name: String) -> AttributeValue? {
            attributes.first { $0.name == name }?.value
        }
    }

    /// One filter of a dataset: HDF5's name and client values (deflate: [level]; shuffle: [element size]).
    public struct Filter: Codable, Equatable, Sendable {
        public var name: String
        public var parameters: [UInt32]
        public init(name: String, parameters: [UInt32]) { self.name = name; self.parameters = parameters }

        /// "shuffle", "deflate(4)", or the name with its values for other filters.
        public var summary: String {
            switch name {
            case "shuffle": return "shuffle"
            case "deflate": return parameters.first.map { "deflate(\($0))" } ?? "deflate"
            default: return parameters.isEmpty ? name : "\(name)(\(parameters.map(String.init).joined(separator: ",")))"
            }
        }
    }

    /// One attribute; `value` is nil (and `error` says why) when its type cannot be read.
    public struct Attribute: Codable, Equatable, Sendable {
        public var name: String
        public var value: AttributeValue?
        public var error: String?
        public init(name: String, value: AttributeValue?, error: String? = nil) {
            self.name = name; self.value = value; self.error = error
        }
    }

    /// Groups and datasets in depth-first, name-sorted order, starting with `/`.
    public var nodes: [Node]
    /// Set when the listing stopped at `maximumNodes` objects (a huge file, or hard links that
    /// make the tree endless); nil when every object is listed.
    public var stoppedAfter: Int?

    public init(nodes: [Node], stoppedAfter: Int? = nil) { self.nodes = nodes; self.stoppedAfter = stoppedAfter }

    /// The node at `path`, if any.
    public func node(_ path: String) -> Node? { nodes.first { $0.path == path } }

    /// Deeper than this, a group is listed but not entered (guards against hard-link cycles).
    static let maximumDepth = 64
    /// The listing stops after this many objects (hard links can make a tree endless).
    static let maximumNodes = 20_000

    /// Reads the tree of an open file. Objects that cannot be read become nodes with an `error`;
    /// only a failure to list a group throws.
    public static func read(_ file: H5File) throws -> HDF5Tree {
        var nodes: [Node] = []
        try visit(file.root, depth: 0, into: &nodes)
        return HDF5Tree(nodes: nodes, stoppedAfter: nodes.count >= maximumNodes ? nodes.count : nil)
    }

    private static func visit(_ group: H5Group, depth: Int, into nodes: inout [Node]) throws {
        nodes.append(Node(path: group.path, kind: .group, attributes: readAttributes(group.attributes)))
        guard depth < maximumDepth else {
            nodes[nodes.count - 1].error = "not entered: deeper than \(maximumDepth) levels (a link cycle?)"
            return
        }
        for link in try group.children() {
            if nodes.count >= maximumNodes { return }
            let path = group.path == "/" ? "/" + link.name : group.path + "/" + link.name
            switch link.kind {
            case .group:
                do {
                    try visit(try group.group(link.name), depth: depth + 1, into: &nodes)
                } catch {
                    nodes.append(Node(path: path, kind: .group, error: describe(error)))
                }
            case .dataset:
                nodes.append(datasetNode(group, link.name, path))
            case .other:
                nodes.append(Node(path: path, kind: .other, error: "a link to something that is neither group nor dataset (dangling soft link, external link, or named type)"))
            }
        }
    }

    private static func datasetNode(_ group: H5Group, _ name: String, _ path: String) -> Node {
        let dataset: H5Dataset
        do { dataset = try group.dataset(name) } catch {
            return Node(path: path, kind: .dataset, error: describe(error))
        }
        return Node(path: path, kind: .dataset, shape: dataset.shape, type: dataset.elementType.rawValue,
                    chunks: dataset.chunkShape,
                    filters: dataset.filters.map { Filter(name: $0.name, parameters: $0.parameters) },
                    logicalBytes: dataset.logicalBytes, storedBytes: dataset.storageBytes,
                    attributes: readAttributes(dataset.attributes))
    }

    private static func readAttributes(_ attributes: H5Attributes) -> [Attribute] {
        guard let names = try? attributes.names() else { return [] }
        return names.map { name in
            do { return Attribute(name: name, value: AttributeValue(try attributes.get(name))) } catch {
                return Attribute(name: name, value: nil, error: describe(error))
            }
        }
    }

    /// The short message of an HDF5 error (without the file path, which the caller knows).
    static func describe(_ error: Error) -> String {
        if let h5 = error as? H5Error { return h5.message }
        return FileSystemError.message(error)
    }
}

/// An attribute's value. In JSON a one-key object naming its type: `{"int": 1}`, `{"strings": ["a"]}`,
/// so integers and doubles stay apart; non-finite doubles are written as "nan", "inf", "-inf".
public enum AttributeValue: Codable, Equatable, Sendable {
    case int(Int64), double(Double), string(String), ints([Int64]), doubles([Double]), strings([String])

    public init(_ value: H5AttributeValue) {
        switch value {
        case .int(let v): self = .int(v)
        case .double(let v): self = .double(v)
        case .string(let v): self = .string(v)
        case .ints(let v): self = .ints(v)
        case .doubles(let v): self = .doubles(v)
        case .strings(let v): self = .strings(v)
        }
    }

    private enum CodingKeys: String, CodingKey { case int, double, string, ints, doubles, strings }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        guard let key = c.allKeys.first, c.allKeys.count == 1 else {
            throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath,
                                                    debugDescription: "expected one of int, double, string, ints, doubles, strings"))
        }
        switch key {
        case .int: self = .int(try c.decode(Int64.self, forKey: key))
        case .double: self = .double(try c.decode(Double.self, forKey: key))
        case .string: self = .string(try c.decode(String.self, forKey: key))
        case .ints: self = .ints(try c.decode([Int64].self, forKey: key))
        case .doubles: self = .doubles(try c.decode([Double].self, forKey: key))
        case .strings: self = .strings(try c.decode([String].self, forKey: key))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .int(let v): try c.encode(v, forKey: .int)
        case .double(let v): try c.encode(v, forKey: .double)
        case .string(let v): try c.encode(v, forKey: .string)
        case .ints(let v): try c.encode(v, forKey: .ints)
        case .doubles(let v): try c.encode(v, forKey: .doubles)
        case .strings(let v): try c.encode(v, forKey: .strings)
        }
    }

    /// The value as text; arrays longer than `limit` items and strings longer than `stringLimit`
    /// characters are abbreviated (the JSON keeps everything).
    public func text(limit: Int = 6, stringLimit: Int = 72) -> String {
        switch self {
        case .int(let v): return String(v)
        case .double(let v): return Format.compact(v)
        case .string(let v): return Format.quoted(Format.abbreviate(v, limit: stringLimit))
        case .ints(let v): return Format.list(v.map(String.init), limit: limit)
        case .doubles(let v): return Format.list(v.map(Format.compact), limit: limit)
        case .strings(let v): return Format.list(v.map { Format.quoted(Format.abbreviate($0, limit: 24)) }, limit: limit)
        }
    }

    public var string: String? { if case .string(let v) = self { return v } else { return nil } }
    public var int: Int64? { if case .int(let v) = self { return v } else { return nil } }
    public var double: Double? { if case .double(let v) = self { return v } else { return nil } }
    public var strings: [String]? { if case .strings(let v) = self { return v } else { return nil } }
}
