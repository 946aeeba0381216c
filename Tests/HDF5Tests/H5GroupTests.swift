import Foundation
import Testing
@testable import HDF5

@Suite("Groups: nesting, lookup, listing, lifetime")
struct H5GroupTests {
    @Test func createGroupCreatesIntermediatesAndReportsTheFullPath() throws {
        try withTemporaryDirectory { dir in
            let root = try H5File.create(dir.path("g.h5")).root
            let deep = try root.createGroup("a/b/c")
            #expect(deep.path == "/a/b/c")
            #expect(try root.group("a/b").path == "/a/b")
            #expect(try root.group("a").group("b/c").path == "/a/b/c")
            #expect(try deep.group("/a").path == "/a")
        }
    }

    @Test func containsFollowsNestedPathsAndIsFalseForMissingIntermediates() throws {
        try withTemporaryDirectory { dir in
            let root = try H5File.create(dir.path("g.h5")).root
            try root.write([Float(1)], shape: [1], to: "a/b/x")
            #expect(root.contains("a"))
            #expect(root.contains("a/b/x"))
            #expect(root.contains("/a/b"))
            #expect(try root.group("a").contains("b/x"))
            #expect(!root.contains("a/zz/x"))
            #expect(!root.contains("nope/deeper/still"))
            #expect(!root.contains("a/b/x/under-a-dataset"))
        }
    }

    @Test func childrenAreSortedByNameWithTheirKinds() throws {
        try withTemporaryDirectory { dir in
            let root = try H5File.create(dir.path("g.h5")).root
            _ = try root.createGroup("zeta")
            try root.write([Int32(1)], shape: [1], to: "beta")
            _ = try root.createGroup("alpha")
            try root.write(["s"], to: "gamma")
            #expect(try root.children() == [
                H5Link(name: "alpha", kind: .group), H5Link(name: "beta", kind: .dataset),
                H5Link(name: "gamma", kind: .dataset), H5Link(name: "zeta", kind: .group),
            ])
        }
    }

    @Test func creatingAnExistingGroupThrows() throws {
        try withTemporaryDirectory { dir in
            let path = dir.path("g.h5")
            let root = try H5File.create(path).root
            _ = try root.createGroup("a")
            let error = try #require(expectH5Error { _ = try root.createGroup("a") })
            #expect(error.path == "\(path):/a")
            #expect(!error.stack.isEmpty)
        }
    }

    @Test func aGroupOutlivingItsFileVariableStaysUsable() throws {
        try withTemporaryDirectory { dir in
            let path = dir.path("g.h5")
            func makeGroup() throws -> H5Group {
                let file = try H5File.create(path)
                return try file.root.createGroup("kept")
            }
            let group = try makeGroup()
            try group.write([Double(2.5)], shape: [1], to: "x")
            #expect(try group.dataset("x").read(Double.self) == [2.5])
            try group.file.close()
            #expect(try H5File.open(path).root.dataset("kept/x").read(Double.self) == [2.5])
        }
    }
}

@Suite("Attributes round-trip for every kind")
struct H5AttributeTests {
    @Test func everyAttributeKindRoundTripsOnGroupsAndDatasets() throws {
        let values: [String: H5AttributeValue] = [
            "int": .int(-42), "bigInt": .int(.max), "double": .double(0.1), "string": .string("héllo 🧪"),
            "ints": .ints([1, -2, .min]), "doubles": .doubles([0.5, -1e-300, .infinity]),
            "strings": .strings(["a", "", "日本語"]), "noInts": .ints([]), "noStrings": .strings([]),
        ]
        try withTemporaryDirectory { dir in
            let path = dir.path("a.h5")
            let file = try H5File.create(path)
            let group = try file.root.createGroup("g")
            let dataset = try group.write([Float(1)], shape: [1], to: "x")
            for (name, value) in values {
                try group.attributes.set(name, value)
                try dataset.attributes.set(name, value)
            }
            try file.close()
            let reopened = try H5File.open(path)
            for attributes in [try reopened.root.group("g").attributes, try reopened.root.dataset("g/x").attributes] {
                #expect(try attributes.names() == values.keys.sorted())
                for (name, value) in values {
                    #expect(try attributes.get(name) == value, "attribute \(name)")
                }
            }
        }
    }

    @Test func typedGettersReturnTheirKind() throws {
        try withTemporaryDirectory { dir in
            let attributes = try H5File.create(dir.path("a.h5")).root.attributes
            try attributes.set("s", .string("x"))
            try attributes.set("i", .int(7))
            try attributes.set("d", .double(1.5))
            try attributes.set("ss", .strings(["p", "q"]))
            try attributes.set("ii", .ints([1, 2]))
            try attributes.set("dd", .doubles([0.25]))
            #expect(try attributes.string("s") == "x")
            #expect(try attributes.int("i") == 7)
            #expect(try attributes.double("d") == 1.5)
            #expect(try attributes.strings("ss") == ["p", "q"])
            #expect(try attributes.ints("ii") == [1, 2])
            #expect(try attributes.doubles("dd") == [0.25])
        }
    }

    @Test func settingAnExistingAttributeReplacesItEvenWithAnotherType() throws {
        try withTemporaryDirectory { dir in
            let attributes = try H5File.create(dir.path("a.h5")).root.attributes
            try attributes.set("value", .int(1))
            try attributes.set("value", .strings(["now", "text"]))
            #expect(try attributes.get("value") == .strings(["now", "text"]))
            #expect(try attributes.names() == ["value"])
        }
    }

    @Test func containsIsTrueOnlyForExistingAttributes() throws {
        try withTemporaryDirectory { dir in
            let attributes = try H5File.create(dir.path("a.h5")).root.attributes
            try attributes.set("here", .double(1))
            #expect(attributes.contains("here"))
            #expect(!attributes.contains("absent"))
        }
    }

    @Test func stringsWithNULAreRejected() throws {
        try withTemporaryDirectory { dir in
            let path = dir.path("a.h5")
            let root = try H5File.create(path).root
            let error = try #require(expectH5Error { try root.attributes.set("bad", .string("a\u{0}b")) })
            #expect(error.description == "cannot write attribute 'bad' at \(path):/: string 0 contains a NUL character, which HDF5 strings cannot hold")
            #expect(!root.attributes.contains("bad"))
        }
    }
}
