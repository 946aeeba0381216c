import CHDF5

/// The value of an attribute.
///
/// Stored as: `.int` / `.double` → scalar 64-bit integer / float; `.string` → scalar variable-length
/// UTF-8 (h5py reads a `str`); the array cases → 1-D arrays of the same types. Reading maps any
/// integer attribute to `.int`/`.ints`, any float to `.double`/`.doubles`, any string to
/// `.string`/`.strings` (scalar dataspace → single value; arrays of any rank are flattened).
public enum H5AttributeValue: Equatable, Sendable {
    case int(Int64), double(Double), string(String), ints([Int64]), doubles([Double]), strings([String])

    /// "an integer", "a string array", …: for error messages.
    public var kindDescription: String {
        switch self {
        case .int: return "an integer"
        case .double: return "a double"
        case .string: return "a string"
        case .ints: return "an integer array"
        case .doubles: return "a double array"
        case .strings: return "a string array"
        }
    }
}

/// The attributes of one group or dataset. Keeps its object (and file) open while it lives.
public struct H5Attributes {
    let file: H5File
    /// The group or dataset whose id this is (retained so the id stays valid).
    let owner: AnyObject
    let id: hid_t
    let objectPath: String

    private var errorPath: String { qualifiedPath(file.path, objectPath) }

    /// Sets attribute `name`, replacing an existing one (whatever its type).
    public func set(_ name: String, _ value: H5AttributeValue) throws {
        let operation = "write attribute '\(name)'"
        try H5Library.sync {
            try file.checkOpen(operation, objectPath)
            if try H5Library.check(H5Aexists(id, name), operation, errorPath) > 0 {
                try H5Library.check(H5Adelete(id, name), operation, errorPath)
            }
            switch value {
            case .int(let number):
                try create(name, .int64, shape: [], operation) { memoryType, attribute in
                    withUnsafeBytes(of: number) { H5Awrite(attribute, memoryType, $0.baseAddress) }
                }
            case .double(let number):
                try create(name, .float64, shape: [], operation) { memoryType, attribute in
                    withUnsafeBytes(of: number) { H5Awrite(attribute, memoryType, $0.baseAddress) }
                }
            case .ints(let numbers):
                try create(name, .int64, shape: [numbers.count], operation) { memoryType, attribute in
                    // An empty array still needs a buffer address; nothing is read from it.
                    (numbers.isEmpty ? [0] : numbers).withUnsafeBytes { H5Awrite(attribute, memoryType, $0.baseAddress) }
                }
            case .doubles(let numbers):
                try create(name, .float64, shape: [numbers.count], operation) { memoryType, attribute in
                    // An empty array still needs a buffer address; nothing is read from it.
                    (numbers.isEmpty ? [0] : numbers).withUnsafeBytes { H5Awrite(attribute, memoryType, $0.baseAddress) }
                }
            case .string(let text):
                try checkNoNUL([text], operation, errorPath)
                try create(name, .string, shape: [], operation) { memoryType, attribute in
                    withCStringPointers([text]) { H5Awrite(attribute, memoryType, $0) }
                }
            case .strings(let texts):
                try checkNoNUL(texts, operation, errorPath)
                try create(name, .string, shape: [texts.count], operation) { memoryType, attribute in
                    withCStringPointers(texts) { H5Awrite(attribute, memoryType, $0) }
                }
            }
        }
    }

    /// The value of attribute `name`; `H5Error` if it is missing or of an unsupported type.
    public func get(_ name: String) throws -> H5AttributeValue {
        let operation = "read attribute '\(name)'"
        return try H5Library.sync {
            try file.checkOpen(operation, objectPath)
            if try H5Library.check(H5Aexists(id, name), operation, errorPath) == 0 {
                throw H5Error(operation: operation, path: errorPath, message: "no attribute named '\(name)'")
            }
            let attribute = try H5Library.check(H5Aopen(id, name, mtkd_h5p_default()), operation, errorPath)
            defer { H5Aclose(attribute) }
            let type = try H5Library.check(H5Aget_type(attribute), operation, errorPath)
            defer { H5Tclose(type) }
            let space = try H5Library.check(H5Aget_space(attribute), operation, errorPath)
            defer { H5Sclose(space) }
            let isScalar = H5Sget_simple_extent_type(space) == H5S_SCALAR
            let count = Int(try H5Library.check(H5Sget_simple_extent_npoints(space), operation, errorPath))

            switch H5Tget_class(type) {
            case H5T_INTEGER:
                let numbers: [Int64] = try readNumbers(attribute, .int64, count, operation)
                return isScalar ? .int(numbers[0]) : .ints(numbers)
            case H5T_FLOAT:
                let numbers: [Double] = try readNumbers(attribute, .float64, count, operation)
                return isScalar ? .double(numbers[0]) : .doubles(numbers)
            case H5T_STRING:
                let texts = try readStringValues(storedType: type, space: space, count: count, operation, errorPath) {
                    H5Aread(attribute, $0, $1)
                }
                return isScalar ? .string(texts[0]) : .strings(texts)
            default:
                throw H5Error(operation: operation, path: errorPath,
                              message: "unsupported attribute type (only integers, floats and strings are read)")
            }
        }
    }

    /// True when attribute `name` exists; false, never throwing, on any error.
    public func contains(_ name: String) -> Bool {
        H5Library.sync {
            if file.isClosed { return false }
            let exists = H5Aexists(id, name)
            if exists < 0 { H5Library.clearErrors() }
            return exists > 0
        }
    }

    /// The names of all attributes, sorted.
    public func names() throws -> [String] {
        try H5Library.sync {
            try file.checkOpen("list attributes", objectPath)
            var names: [String] = []
            var index: hsize_t = 0
            _ = try withUnsafeMutablePointer(to: &names) { pointer in
                try H5Library.check(H5Aiterate2(id, H5_INDEX_NAME, H5_ITER_INC, &index, { _, name, _, data in
                    guard let name = name, let data = data else { return 0 }
                    data.assumingMemoryBound(to: [String].self).pointee.append(String(cString: name))
                    return 0
                }, pointer), "list attributes", errorPath)
            }
            return names.sorted()
        }
    }

    // MARK: - Typed getters

    /// The scalar string attribute `name`.
    public func string(_ name: String) throws -> String {
        if case .string(let value) = try get(name) { return value }
        throw try mismatch(name, expected: "a string")
    }

    /// The scalar integer attribute `name`.
    public func int(_ name: String) throws -> Int64 {
        if case .int(let value) = try get(name) { return value }
        throw try mismatch(name, expected: "an integer")
    }

    /// The scalar floating-point attribute `name`.
    public func double(_ name: String) throws -> Double {
        if case .double(let value) = try get(name) { return value }
        throw try mismatch(name, expected: "a double")
    }

    /// The string-array attribute `name`.
    public func strings(_ name: String) throws -> [String] {
        if case .strings(let value) = try get(name) { return value }
        throw try mismatch(name, expected: "a string array")
    }

    /// The integer-array attribute `name`.
    public func ints(_ name: String) throws -> [Int64] {
        if case .ints(let value) = try get(name) { return value }
        throw try mismatch(name, expected: "an integer array")
    }

    /// The floating-point-array attribute `name`.
    public func doubles(_ name: String) throws -> [Double] {
        if case .doubles(let value) = try get(name) { return value }
        throw try mismatch(name, expected: "a double array")
    }

    // MARK: - Internals

    private func mismatch(_ name: String, expected: String) throws -> H5Error {
        let found = try get(name)
        return H5Error(operation: "read attribute '\(name)'", path: errorPath,
                       message: "expected \(expected), found \(found.kindDescription)")
    }

    /// Creates attribute `name` of `element` type and `shape`, then writes it through `write`;
    /// deletes the attribute again if the write fails. Call inside `H5Library.sync`.
    private func create(_ name: String, _ element: H5ElementType, shape: [Int], _ operation: String,
                        _ write: (hid_t, hid_t) -> herr_t) throws {
        let space = try makeDataspace(shape, operation, errorPath)
        defer { H5Sclose(space) }
        let fileType = try element.fileType()
        defer { if fileType.owned { H5Tclose(fileType.id) } }
        let memoryType = try element.memoryType()
        defer { if memoryType.owned { H5Tclose(memoryType.id) } }
        let attribute = try H5Library.check(
            H5Acreate2(id, name, fileType.id, space, mtkd_h5p_default(), mtkd_h5p_default()), operation, errorPath)
        let status = write(memoryType.id, attribute)
        if status < 0 {
            let error = H5Error(operation: operation, path: errorPath, stack: H5Library.takeErrorStack())
            H5Aclose(attribute)
            H5Adelete(id, name)
            H5Library.clearErrors()
            throw error
        }
        try H5Library.check(H5Aclose(attribute), operation, errorPath)
    }

    /// Reads `count` numbers of an attribute as `element`. Call inside `H5Library.sync`.
    private func readNumbers<T: H5Scalar>(_ attribute: hid_t, _ element: H5ElementType, _ count: Int,
                                          _ operation: String) throws -> [T] {
        if count == 0 { return [] }
        let memoryType = try element.memoryType().id
        var status: herr_t = 0
        let values = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            status = H5Aread(attribute, memoryType, buffer.baseAddress!)
            initialized = count
        }
        try H5Library.check(status, operation, errorPath)
        return values
    }
}
