import Artifacts
import Foundation
import HDF5
import Inspect
import Testing

@Suite struct InspectErrorTests {
    /// The message of the `InspectError` that inspecting `path` throws.
    private func message(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) -> String? {
        let error = #expect(throws: InspectError.self, sourceLocation: sourceLocation) { try Inspector.inspect(path: path) }
        return error?.errorDescription
    }

    @Test func aMissingPathIsReported() throws {
        try TemporaryFolder.with { folder in
            let path = folder.root + "/nothing-here.h5"
            #expect(message(path) == "\(path): no such file or directory")
        }
    }

    @Test func aTextFileIsNotHDF5() throws {
        try TemporaryFolder.with { folder in
            let path = folder.path("x.txt")
            try Data("species,island\nAdelie,Dream\n".utf8).write(to: URL(fileURLWithPath: path))
            #expect(message(path) == "\(path): not an HDF5 file")
        }
    }

    @Test func anEmptyFileIsNotHDF5() throws {
        try TemporaryFolder.with { folder in
            let path = folder.path("empty.h5")
            #expect(FileManager.default.createFile(atPath: path, contents: Data()))
            #expect(message(path) == "\(path): not an HDF5 file")
        }
    }

    @Test func theLockFileIsNotHDF5AndTheMessageSaysToInspectTheFolder() throws {
        try TemporaryFolder.with { folder in
            let path = folder.path("mtkd.lock")
            try LockFile(pipeline: "tiny").write(to: path)
            #expect(message(path) == "\(path): not an HDF5 file (it is a JSON file of an artifacts folder; inspect the folder: mtkd inspect \(folder.root))")
        }
    }

    @Test func aTruncatedFileIsReportedAsCutShort() throws {
        try TemporaryFolder.with { folder in
            let path = folder.path("students/kd.h5")
            try Fixtures.model().write(to: path)
            let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber).intValue
            let handle = try #require(FileHandle(forWritingAtPath: path))
            handle.truncateFile(atOffset: UInt64(size / 2))
            handle.closeFile()
            let text = try #require(message(path))
            #expect(text.hasPrefix("\(path): cannot read this HDF5 file: truncated file: eof = \(size / 2)"))
            #expect(text.hasSuffix("; the file is shorter than HDF5 expects: it was probably cut short (interrupted copy or write)"))
        }
    }

    @Test func aModelWithoutHistoryNamesTheMissingGroup() throws {
        try TemporaryFolder.with { folder in
            let complete = folder.path("complete.h5")
            try Fixtures.model().write(to: complete)
            let path = folder.path("teachers/species/member-0.h5")
            try copy(complete, to: path, except: "history")
            #expect(message(path) == "\(path): not a valid mtkd model file: group /history is missing")
        }
    }

    @Test func aDatasetWhoseTaskGroupIsMissingNamesTheGroup() throws {
        try TemporaryFolder.with { folder in
            let path = folder.path("data/dataset.h5")
            try Fixtures.dataset().write(to: path)
            let file = try H5File.open(path, mode: .readWrite)
            let tasks = try file.root.group("tasks")
            // Replace the task order with a name that has no group.
            try tasks.attributes.set("order", .strings(["species", "colour"]))
            try file.close()
            #expect(message(path) == "\(path): not a valid mtkd dataset file: group /tasks/colour is missing")
        }
    }

    @Test func aModelWithoutBestEpochNamesTheMissingAttribute() throws {
        try TemporaryFolder.with { folder in
            let complete = folder.path("complete.h5")
            try Fixtures.model().write(to: complete)
            let path = folder.path("students/kd.h5")
            try copy(complete, to: path, exceptAttribute: "best_epoch")
            #expect(message(path) == "\(path): not a valid mtkd model file: attribute 'best_epoch' of / is missing")
        }
    }

    @Test func aModelWithAnImpossibleBlueprintIsRejectedWithoutBuildingIt() throws {
        try TemporaryFolder.with { folder in
            let path = folder.path("students/kd.h5")
            try Fixtures.model().write(to: path)
            let file = try H5File.open(path, mode: .readWrite)
            let json = #"{"architecture": "cross-stitch", "dropout": 0, "hidden": [0], "inputs": 4, "tasks": []}"#
            try file.root.attributes.set("blueprint", .string(json))
            try file.close()
            #expect(message(path) == "\(path): not a valid mtkd model file: the blueprint attribute describes no network that can be built: it has no tasks")
        }
    }

    @Test func aWrongFormatVersionIsReported() throws {
        try TemporaryFolder.with { folder in
            let path = folder.path("soft-targets.h5")
            try Fixtures.softTargets().write(to: path)
            let file = try H5File.open(path, mode: .readWrite)
            try file.root.attributes.set("mtkd_version", .int(ArtifactFormat.version + 1))
            try file.close()
            #expect(message(path) == "\(path): mtkd soft-targets file with format version \(ArtifactFormat.version + 1); this mtkd reads version \(ArtifactFormat.version) (re-run the pipeline to rewrite it)")
        }
    }

    @Test func anUnknownMtkdFormatShowsTheTreeWithANote() throws {
        try TemporaryFolder.with { folder in
            let path = folder.path("future.h5")
            let file = try H5File.create(path)
            try file.root.attributes.set("mtkd_format", .string("embedding"))
            try file.root.attributes.set("mtkd_version", .int(1))
            try file.close()
            let inspection = try Inspector.inspect(path: path)
            #expect(inspection.kind == .hdf5)
            #expect(inspection.notes == ["mtkd_format is \"embedding\", not one this mtkd knows (dataset, soft-targets, model, checkpoint); only the HDF5 tree is shown"])
        }
    }

    /// Copies an HDF5 file's root attributes but `skippedAttribute` and every top-level group but
    /// `skipped` (one level of float datasets, as model files have): a model file "with /history deleted".
    private func copy(_ source: String, to target: String, except skipped: String = "", exceptAttribute skippedAttribute: String = "") throws {
        let from = try H5File.open(source)
        let to = try H5File.create(target)
        for name in try from.root.attributes.names() where name != skippedAttribute {
            try to.root.attributes.set(name, try from.root.attributes.get(name))
        }
        for link in try from.root.children() where link.name != skipped {
            let group = try from.root.group(link.name)
            let copy = try to.root.createGroup(link.name)
            for child in try group.children() {
                let dataset = try group.dataset(child.name)
                try copy.write(try dataset.read(Float.self), shape: dataset.shape, to: child.name)
            }
        }
        try to.close()
        try from.close()
    }
}
