import Foundation
import Testing
@testable import HDF5

/// Writes a small but representative file: nested groups, compressed and contiguous datasets,
/// strings, a partial row write, and every attribute kind.
private func writeSample(to path: String) throws {
    let file = try H5File.create(path)
    let train = try file.root.createGroup("train/y")
    let x = try file.root.write((0..<6_000).map { Float($0 % 97) * 0.25 }, shape: [1_000, 6], to: "train/x",
                                compression: .shuffleDeflate)
    try x.writeRows(10..<12, [Float](repeating: -1, count: 12))
    try train.write((0..<1_000).map { Int32($0 % 3) }, shape: [1_000], to: "task-a")
    try file.root.write(["f0", "f1", "f2", "f3", "f4", "f5"], to: "features")
    try file.root.attributes.set("format", .string("mtkd-dataset"))
    try file.root.attributes.set("version", .int(1))
    try x.attributes.set("mean", .doubles([0.5, 1.5]))
    try x.attributes.set("names", .strings(["a", "b"]))
    try train.attributes.set("classes", .ints([3]))
    try train.attributes.set("weight", .double(0.5))
    try file.close()
}

@Suite("Identical writes give byte-identical files")
struct H5DeterminismTests {
    @Test func theSameWritesASecondApartGiveByteIdenticalFiles() throws {
        try withTemporaryDirectory { dir in
            try writeSample(to: dir.path("first.h5"))
            // Object timestamps have one-second resolution: make sure a tracked time would differ.
            Thread.sleep(forTimeInterval: 1.1)
            try writeSample(to: dir.path("second.h5"))
            let first = try Data(contentsOf: URL(fileURLWithPath: dir.path("first.h5")))
            let second = try Data(contentsOf: URL(fileURLWithPath: dir.path("second.h5")))
            #expect(first.count > 0)
            #expect(first == second)
        }
    }
}

@Suite("Concurrent use is serialised")
struct H5ConcurrencyTests {
    @Test func concurrentWritersAndReadersOnSeparateFilesGetTheirOwnValues() throws {
        try withTemporaryDirectory { dir in
            let results = ResultBox(count: 8)
            DispatchQueue.concurrentPerform(iterations: 8) { worker in
                do {
                    let path = dir.path("worker-\(worker).h5")
                    let values = (0..<5_000).map { Float(worker * 10_000 + $0) }
                    let file = try H5File.create(path)
                    try file.root.write(values, shape: [500, 10], to: "x", compression: .shuffleDeflate)
                    try file.root.attributes.set("worker", .int(Int64(worker)))
                    try file.close()
                    let reopened = try H5File.open(path)
                    let ok = try reopened.root.dataset("x").read(Float.self) == values
                        && reopened.root.attributes.int("worker") == Int64(worker)
                    // A failing call on another thread must not leak its error stack into this one.
                    _ = reopened.root.contains("missing/deeper")
                    results.set(worker, ok)
                } catch {
                    results.set(worker, false)
                }
            }
            #expect(results.values == [Bool](repeating: true, count: 8))
        }
    }
}

/// Per-worker outcomes, written from several threads.
private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [Bool]

    init(count: Int) { storage = [Bool](repeating: false, count: count) }

    func set(_ index: Int, _ value: Bool) {
        lock.lock()
        storage[index] = value
        lock.unlock()
    }

    var values: [Bool] {
        lock.lock()
        defer { lock.unlock() }
        return storage
    }
}
