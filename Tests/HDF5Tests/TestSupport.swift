import Foundation
import Testing
@testable import HDF5

/// Runs `body` with a fresh, uniquely named temporary directory, removed afterwards.
func withTemporaryDirectory<R>(_ body: (TemporaryDirectory) throws -> R) throws -> R {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    return try body(directory)
}

/// A uniquely named directory under the system temporary directory.
struct TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("mtkd-hdf5-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// The path of `name` inside the directory.
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    func remove() {
        try? FileManager.default.removeItem(at: url)  // cleanup only; a leftover temp dir is harmless
    }
}

/// Catches the `H5Error` thrown by `body`, failing the test if something else (or nothing) is thrown.
func expectH5Error(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> H5Error? {
    do {
        try body()
        Issue.record("expected an H5Error, nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as H5Error {
        return error
    } catch {
        Issue.record("expected an H5Error, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}
