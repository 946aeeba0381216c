import CHDF5

/// Throws when a string contains NUL, which C strings (and so HDF5) would silently cut off.
func checkNoNUL(_ strings: [String], _ operation: String, _ errorPath: String) throws {
    if let index = strings.firstIndex(where: { $0.utf8.contains(0) }) {
        throw H5Error(operation: operation, path: errorPath,
                      message: "string \(index) contains a NUL character, which HDF5 strings cannot hold")
    }
}

/// Calls `body` with a `const char *[]` buffer holding `strings` (one contiguous copy, NUL-terminated).
func withCStringPointers<R>(_ strings: [String], _ body: (UnsafeRawPointer) throws -> R) rethrows -> R {
    var bytes: [CChar] = [0]  // never empty, so there is always a base address
    var offsets: [Int] = []
    offsets.reserveCapacity(strings.count)
    for string in strings {
        offsets.append(bytes.count)
        bytes.append(contentsOf: string.utf8CString)
    }
    return try bytes.withUnsafeBufferPointer { buffer in
        let base = buffer.baseAddress!
        let pointers: [UnsafePointer<CChar>?] = offsets.map { base + $0 } + [nil]
        return try pointers.withUnsafeBufferPointer { try body(UnsafeRawPointer($0.baseAddress!)) }
    }
}

/// Reads `count` strings stored as `storedType` through `read(memoryType, buffer)`.
///
/// Variable-length strings are read as UTF-8 `char *` and the memory HDF5 allocated for them
/// is reclaimed (`H5Dvlen_reclaim`); fixed-length strings are cut at their first NUL (or
/// trailing spaces for space-padded ones). Call inside `H5Library.sync`.
func readStringValues(storedType: hid_t, space: hid_t, count: Int, _ operation: String, _ errorPath: String,
                      _ read: (hid_t, UnsafeMutableRawPointer) -> herr_t) throws -> [String] {
    if count == 0 { return [] }
    let isVariable = try H5Library.check(H5Tis_variable_str(storedType), operation, errorPath) > 0
    if isVariable {
        let memoryType = try makeVariableStringType()
        defer { H5Tclose(memoryType) }
        var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
        let status = pointers.withUnsafeMutableBytes { read(memoryType, $0.baseAddress!) }
        try H5Library.check(status, operation, errorPath)
        let strings = pointers.map { $0.map { String(cString: $0) } ?? "" }
        let reclaimed = pointers.withUnsafeMutableBytes {
            H5Dvlen_reclaim(memoryType, space, mtkd_h5p_default(), $0.baseAddress!)
        }
        try H5Library.check(reclaimed, operation, errorPath)
        return strings
    }

    let size = H5Tget_size(storedType)
    guard size > 0 else { try H5Library.check(-1, operation, errorPath); return [] }
    let memoryType = try H5Library.check(H5Tcopy(storedType), operation, errorPath)
    defer { H5Tclose(memoryType) }
    let spacePadded = H5Tget_strpad(memoryType) == H5T_STR_SPACEPAD
    var bytes = [UInt8](repeating: 0, count: count * size)
    let status = bytes.withUnsafeMutableBytes { read(memoryType, $0.baseAddress!) }
    try H5Library.check(status, operation, errorPath)
    return (0..<count).map { index in
        var element = bytes[(index * size)..<((index + 1) * size)]
        if let nul = element.firstIndex(of: 0) { element = element[..<nul] }
        if spacePadded { while element.last == UInt8(ascii: " ") { element = element.dropLast() } }
        return String(decoding: element, as: UTF8.self)
    }
}
