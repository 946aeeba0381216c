import Artifacts
import Foundation
import HDF5
import Inspect
import Testing

@Suite struct HDF5TreeTests {
    private func datasetTree() throws -> HDF5Tree {
        try TemporaryFolder.with { folder in
            let path = folder.path("data/dataset.h5")
            try Fixtures.dataset().write(to: path)
            return try #require(try Inspector.inspect(path: path).tree)
        }
    }

    @Test func everyGroupAndDatasetIsListedInPathOrder() throws {
        let paths = try datasetTree().nodes.map(\.path)
        #expect(paths.first == "/")
        #expect(paths.contains("/train/y/species"))
        #expect(paths.contains("/tasks/mass"))
        #expect(paths == paths.sorted())
    }

    @Test func datasetsHaveShapeTypeChunksAndFilters() throws {
        let x = try #require(try datasetTree().node("/train/x"))
        #expect(x.kind == .dataset)
        #expect(x.shape == [5, 5])
        #expect(x.type == "float32")
        #expect(x.chunks == [5, 5])
        // dataset.h5 stores x with shuffle and deflate level 1 (see PreparedDataset.write).
        #expect(x.filters == [.init(name: "shuffle", parameters: [4]), .init(name: "deflate", parameters: [1])])
        #expect(x.logicalBytes == 5 * 5 * 4)
        #expect((x.storedBytes ?? 0) > 0)
    }

    @Test func contiguousDatasetsHaveNoChunksOrFilters() throws {
        let y = try #require(try datasetTree().node("/train/y/species"))
        #expect(y.shape == [5])
        #expect(y.type == "int32")
        #expect(y.chunks == nil)
        #expect(y.filters == [])
        #expect(y.logicalBytes == 20)
        #expect(y.storedBytes == 20)
    }

    @Test func attributesKeepTheirTypes() throws {
        let tree = try datasetTree()
        #expect(tree.node("/")?.attribute("mtkd_format") == .string("dataset"))
        #expect(tree.node("/")?.attribute("seed") == .int(7))
        #expect(tree.node("/tasks/mass")?.attribute("label_std") == .double(2))
        #expect(tree.node("/tasks")?.attribute("order") == .strings(["species", "mass"]))
    }

    @Test func textShowsOneAlignedLinePerObjectWithStorage() throws {
        let text = try datasetTree().text().components(separatedBy: "\n")
        let x = try #require(text.first { $0.hasPrefix("  /train/x ") })
        #expect(x.contains(" (5, 5) "))
        #expect(x.contains(" float32 "))
        #expect(x.contains(" chunks (5, 5) "))
        #expect(x.contains(" shuffle+deflate(1) "))
        #expect(x.contains("100 B → "))
        let y = try #require(text.first { $0.hasPrefix("  /train/y/species ") })
        let columns = y.components(separatedBy: "  ").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        #expect(columns == ["/train/y/species", "(5)", "int32", "contiguous", "-", "20 B → 20 B"])
    }

    @Test func longAttributeArraysAreAbbreviatedInTextButCompleteInJSON() throws {
        try TemporaryFolder.with { folder in
            let path = folder.path("other.h5")
            let file = try H5File.create(path)
            try file.root.attributes.set("curve", .doubles((1...100).map(Double.init)))
            try file.close()
            let inspection = try Inspector.inspect(path: path)
            #expect(inspection.text().contains("      @curve = [1, 2, 3, 4, 5, …, 100] (100 values)\n"))
            let json = String(decoding: try inspection.json(), as: UTF8.self)
            #expect(json.contains("100"))
            #expect(inspection.tree?.node("/")?.attribute("curve") == .doubles((1...100).map(Double.init)))
        }
    }

    @Test func aForeignHDF5FileShowsOnlyTheTreeWithANote() throws {
        try TemporaryFolder.with { folder in
            let path = folder.path("foreign.h5")
            let file = try H5File.create(path)
            try file.root.write([Float](repeating: 1, count: 6), shape: [2, 3], to: "group/values")
            try file.close()
            let inspection = try Inspector.inspect(path: path)
            #expect(inspection.kind == .hdf5)
            #expect(inspection.tree?.node("/group/values")?.shape == [2, 3])
            #expect(inspection.notes == ["not an mtkd artifact: / has no mtkd_format attribute, so only the HDF5 tree is shown"])
            #expect(inspection.text().hasPrefix("\(path)  HDF5 file  (not an mtkd artifact)\n"))
        }
    }
}
