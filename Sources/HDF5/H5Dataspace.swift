import CHDF5

/// Checks a caller's element count against a shape.
func checkCount(_ count: Int, shape: [Int], _ operation: String, _ errorPath: String) throws {
    try checkShape(shape, operation, errorPath)
    let expected = shape.reduce(1, *)
    if count != expected {
        throw H5Error(operation: operation, path: errorPath,
                      message: "expected \(expected) values for shape \(shape), given \(count)")
    }
}

/// Checks that no dimension is negative.
func checkShape(_ shape: [Int], _ operation: String, _ errorPath: String) throws {
    if shape.contains(where: { $0 < 0 }) {
        throw H5Error(operation: operation, path: errorPath, message: "shape \(shape) has a negative dimension")
    }
}

/// A dataspace for `shape`: scalar for `[]`, simple otherwise. Call inside `H5Library.sync`; caller closes.
func makeDataspace(_ shape: [Int], _ operation: String, _ errorPath: String) throws -> hid_t {
    if shape.isEmpty {
        return try H5Library.check(H5Screate(H5S_SCALAR), operation, errorPath)
    }
    let dims = shape.map { hsize_t($0) }
    return try H5Library.check(H5Screate_simple(Int32(dims.count), dims, nil), operation, errorPath)
}

/// Hash slots for a chunk cache: a prime about 100 times the number of chunks that fit
/// (HDF5's advice), at least HDF5's default 521 and at most about a million.
func chunkCacheSlots(cacheBytes: Int, chunkBytes: Int) -> Int {
    let chunksThatFit = max(1, cacheBytes / max(1, chunkBytes))
    var candidate = min(max(521, 100 * chunksThatFit), 1_000_003)
    while !isPrime(candidate) { candidate += 1 }
    return candidate
}

private func isPrime(_ n: Int) -> Bool {
    if n < 2 { return false }
    if n % 2 == 0 { return n == 2 }
    var divisor = 3
    while divisor * divisor <= n {
        if n % divisor == 0 { return false }
        divisor += 2
    }
    return true
}
