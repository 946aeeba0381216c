import Foundation
import Testing
@testable import HDF5

@Suite("H5Error: failures throw errors naming the path, never crash")
struct H5ErrorTests {
    @Test func openingAMissingFileThrowsNamingThePath() throws {
        try withTemporaryDirectory { dir in
            let path = dir.path("missing.h5")
            let error = try #require(expectH5Error { _ = try H5File.open(path) })
            #expect(error.description == "cannot open file at \(path): no such file or directory")
            #expect(error.stack.first?.hasPrefix("H5Fopen(): ") == true)
        }
    }

    @Test func openingATextFileThrowsNamingThePath() throws {
        try withTemporaryDirectory { dir in
            let path = dir.path("notes.h5")
            try "this is not an hdf5 file\n".write(toFile: path, atomically: true, encoding: .utf8)
            let error = try #require(expectH5Error { _ = try H5File.open(path) })
            #expect(error.operation == "open file")
            #expect(error.path == path)
            #expect(error.description.hasPrefix("cannot open file at \(path): "))
            #expect(error.stack.count > 1)
        }
    }

    @Test func openingATruncatedFileThrowsNamingThePath() throws {
        try withTemporaryDirectory { dir in
            let good = dir.path("good.h5")
            let cut = dir.path("cut.h5")
            let file = try H5File.create(good)
            try file.root.write([Float](repeating: 1.5, count: 4096), shape: [64, 64], to: "x")
            try file.close()
            let bytes = try Data(contentsOf: URL(fileURLWithPath: good))
            try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: cut))
            let error = try #require(expectH5Error { _ = try H5File.open(cut).root.dataset("x").read(Float.self) })
            #expect(error.path.hasPrefix(cut))
            #expect(error.description.contains(cut))
            #expect(error.description.contains("truncated"))
        }
    }

    @Test func isHDF5IsFalseForMissingAndTextFilesAndTrueForHDF5() throws {
        try withTemporaryDirectory { dir in
            let text = dir.path("notes.txt")
            try "hello".write(toFile: text, atomically: true, encoding: .utf8)
            try H5File.create(dir.path("real.h5")).close()
            #expect(!H5File.isHDF5(dir.path("missing.h5")))
            #expect(!H5File.isHDF5(text))
            #expect(H5File.isHDF5(dir.path("real.h5")))
        }
    }

    @Test func readingAMissingDatasetThrowsNamingTheDataset() throws {
        try withTemporaryDirectory { dir in
            let path = dir.path("a.h5")
            let file = try H5File.create(path)
            _ = try file.root.createGroup("train")
            let error = try #require(expectH5Error { _ = try file.root.dataset("train/x") })
            #expect(error.description == "cannot open dataset at \(path):/train/x: object 'x' doesn't exist")
        }
    }

    @Test func readingAMissingAttributeThrowsNamingTheObject() throws {
        try withTemporaryDirectory { dir in
            let path = dir.path("a.h5")
            let group = try H5File.create(path).root.createGroup("train")
            let error = try #require(expectH5Error { _ = try group.attributes.string("units") })
            #expect(error.description == "cannot read attribute 'units' at \(path):/train: no attribute named 'units'")
        }
    }

    @Test func readingAnAttributeAsAnotherTypeThrowsNamingBothTypes() throws {
        try withTemporaryDirectory { dir in
            let path = dir.path("a.h5")
            let root = try H5File.create(path).root
            try root.attributes.set("epochs", .int(3))
            let error = try #require(expectH5Error { _ = try root.attributes.string("epochs") })
            #expect(error.description == "cannot read attribute 'epochs' at \(path):/: expected a string, found an integer")
        }
    }

    @Test func writingTheWrongElementCountThrowsExpectedVersusGiven() throws {
        try withTemporaryDirectory { dir in
            let path = dir.path("a.h5")
            let file = try H5File.create(path)
            let error = try #require(expectH5Error {
                try file.root.write([Float](repeating: 0, count: 10), shape: [3, 4], to: "x")
            })
            #expect(error.description == "cannot write dataset at \(path):/x: expected 12 values for shape [3, 4], given 10")
            #expect(!file.root.contains("x"))
        }
    }

    @Test func writingRowsWithTheWrongCountThrowsExpectedVersusGiven() throws {
        try withTemporaryDirectory { dir in
            let path = dir.path("a.h5")
            let dataset = try H5File.create(path).root.createDataset("x", type: .int32, shape: [10, 3])
            let error = try #require(expectH5Error { try dataset.writeRows(2..<4, [Int32](repeating: 1, count: 5)) })
            #expect(error.description == "cannot write dataset rows at \(path):/x: expected 6 values for shape [2, 3], given 5")
        }
    }

    @Test func readingRowsOutsideTheDatasetThrows() throws {
        try withTemporaryDirectory { dir in
            let path = dir.path("a.h5")
            let dataset = try H5File.create(path).root.write([Int32](repeating: 1, count: 12), shape: [4, 3], to: "x")
            let error = try #require(expectH5Error { _ = try dataset.readRows(2..<5, as: Int32.self) })
            #expect(error.description == "cannot read dataset rows at \(path):/x: rows 2..<5 are outside 0..<4")
        }
    }

    @Test func writingToAReadOnlyFileThrowsWithHDF5Stack() throws {
        try withTemporaryDirectory { dir in
            let path = dir.path("a.h5")
            try H5File.create(path).close()
            let file = try H5File.open(path)
            let error = try #require(expectH5Error { _ = try file.root.createGroup("g") })
            #expect(error.path == "\(path):/g")
            #expect(!error.stack.isEmpty)
        }
    }

    @Test func usingADatasetAfterItsFileClosedThrows() throws {
        try withTemporaryDirectory { dir in
            let path = dir.path("a.h5")
            let file = try H5File.create(path)
            let dataset = try file.root.write([Float](repeating: 1, count: 4), shape: [4], to: "x")
            try file.close()
            try file.close()  // idempotent
            let error = try #require(expectH5Error { _ = try dataset.read(Float.self) })
            #expect(error.description == "cannot read dataset at \(path):/x: the file was closed")
        }
    }
}
