import Artifacts
import Foundation
@testable import Inspect
import Testing

@Suite struct FolderInspectionTests {
    /// Builds the tiny folder, lets `change` alter it, then inspects it.
    private func inspect(_ change: (TemporaryFolder) throws -> Void = { _ in }) throws -> Inspection {
        try TemporaryFolder.with { folder in
            try Fixtures.folder(in: folder)
            try change(folder)
            return try Inspector.inspect(path: folder.root)
        }
    }

    private func state(_ inspection: Inspection, _ output: String) -> FolderMeaning.OutputState? {
        inspection.folder?.stages.flatMap(\.outputs).first { $0.path == output }?.state
    }

    @Test func stagesComeFromTheLockInPipelineOrder() throws {
        let folder = try #require(try inspect().folder)
        #expect(folder.lockFound)
        #expect(folder.pipeline == "tiny")
        #expect(folder.stages.map(\.name) == ["prepare", "teachers"])
        #expect(folder.stages.map(\.fingerprint) == ["aaaabbbbccccdddd0000", "1111222233334444ffff"])
    }

    @Test func theExecutorsBookkeepingIsOneLinePerFolderAndEveryFileInJSON() throws {
        let inspection = try inspect { folder in
            for (path, text) in [("units/teachers/species/member-0.json", "{}"), ("units/teachers/species/member-0.lock", ""),
                                 ("slurm/jobs.json", "{\"stages\": {}}")] {
                try FileManager.default.createDirectory(atPath: (folder.path(path) as NSString).deletingLastPathComponent,
                                                        withIntermediateDirectories: true)
                try Data(text.utf8).write(to: URL(fileURLWithPath: folder.path(path)))
            }
        }
        let text = inspection.text()
        #expect(!text.contains("units/teachers/species/member-0.json"))
        #expect(text.contains("units/ ") && text.contains(" 2 files ") && text.contains("    2 B  state and lock files of the units (mtkd unit)\n"))
        #expect(text.contains(" 1 file ") && text.contains(" 14 B  the Slurm executor's job record, batch scripts and unit logs"), "\(text)")
        #expect(inspection.folder?.files.map(\.path).contains("units/teachers/species/member-0.json") == true)
    }

    @Test func fileHashesAreSHA256() throws {
        try TemporaryFolder.with { folder in
            let path = folder.path("abc.txt")
            try Data("abc".utf8).write(to: URL(fileURLWithPath: path))
            // FIPS 180-2, appendix B.1.
            #expect(try FolderMeaning.sha256(of: path) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        }
    }

    @Test func untouchedOutputsMatchTheLock() throws {
        let inspection = try inspect()
        #expect(state(inspection, "data/dataset.h5") == .ok)
        #expect(state(inspection, "teachers/species/member-0.h5") == .ok)
        #expect(inspection.text().contains("stages  2 recorded in mtkd.lock; all outputs match the lock\n"))
    }

    @Test func anOutputWithChangedContentIsModified() throws {
        let inspection = try inspect { folder in
            // Same size, one byte different: only the hash can tell.
            let path = folder.path("teachers/species/member-0.h5")
            var data = try Data(contentsOf: URL(fileURLWithPath: path))
            data[data.count - 1] ^= 0xFF
            try data.write(to: URL(fileURLWithPath: path))
        }
        #expect(state(inspection, "teachers/species/member-0.h5") == .modified)
        #expect(state(inspection, "data/dataset.h5") == .ok)
        #expect(inspection.folder?.stages.map(\.state) == [.ok, .modified])
        #expect(inspection.text().contains("stages  2 recorded in mtkd.lock; 1 stage with outputs changed since recorded\n"))
    }

    @Test func anOutputWithAnotherSizeIsModifiedAndShowsItsSizeNow() throws {
        let inspection = try inspect { folder in
            let handle = try #require(FileHandle(forWritingAtPath: folder.path("data/dataset.h5")))
            handle.seekToEndOfFile()
            handle.write(Data([1, 2, 3]))
            handle.closeFile()
        }
        let output = try #require(inspection.folder?.stages.first?.outputs.first)
        #expect(output.state == .modified)
        #expect(output.size == output.recordedSize + 3)
    }

    @Test func aDeletedOutputIsMissing() throws {
        let inspection = try inspect { folder in
            try FileManager.default.removeItem(atPath: folder.path("data/dataset.h5"))
        }
        #expect(state(inspection, "data/dataset.h5") == .missing)
        #expect(inspection.folder?.stages.first?.state == .missing)
    }

    @Test func stageDurationsComeFromTimings() throws {
        let folder = try #require(try inspect().folder)
        #expect(folder.stages.map(\.seconds) == [0.25, 75])
        #expect(folder.stages.map(\.finished) == ["2025-01-01T00:00:00Z", "2025-01-01T00:01:15Z"])
        let lines = try inspect().text().components(separatedBy: "\n")
        let columns = { (prefix: String) -> [String] in
            (lines.first { $0.hasPrefix(prefix) } ?? "").components(separatedBy: "  ")
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        #expect(columns("  prepare ").prefix(4) == ["prepare", "aaaabbbbcccc", "0.25 s", "data/dataset.h5"])
        #expect(columns("  teachers ").prefix(4) == ["teachers", "111122223333", "1 min 15 s", "teachers/species/member-0.h5"])
        #expect(lines.contains("  total time 1 min 15 s (timings.json)"))
    }

    @Test func keyMetricsCompareTheBestStudentWithTheTeacherEnsemble() throws {
        let folder = try #require(try inspect().folder)
        #expect(folder.metricsSplit == "test")
        let species = try #require(folder.metrics.first { $0.task == "species" })
        #expect(species.metric == "accuracy")
        #expect(species.bestStudent == "baseline")
        #expect(species.bestStudentValue == 0.8)
        #expect(species.teacherEnsemble == 0.75)
        let mass = try #require(folder.metrics.first { $0.task == "mass" })
        #expect(mass.metric == "rmse")
        #expect(mass.bestStudent == "kd")
        #expect(mass.bestStudentValue == 1.5)
        #expect(mass.teacherEnsemble == nil)
    }

    @Test func everyFileIsListedWithItsKindAndHeadline() throws {
        let files = try #require(try inspect().folder?.files)
        #expect(files.map(\.path) == ["data/dataset.h5", "mtkd.lock", "report/metrics.json", "soft-targets.h5",
                                      "students/kd.h5", "teachers/species/member-0.h5", "timings.json"])
        #expect(files.map(\.kind) == ["dataset", "lock", "metrics", "soft-targets", "model", "model", "timings"])
        let headlines = Dictionary(uniqueKeysWithValues: files.map { ($0.path, $0.headline) })
        #expect(headlines["teachers/species/member-0.h5"] == "43 parameters, best epoch 3 of 5")
        #expect(headlines["data/dataset.h5"] == "train 5 · val 2 · test 2 rows, 5 features, 2 tasks")
        #expect(headlines["soft-targets.h5"] == "T 2, mean-probs: species (3 members), mass (3 members); 5 rows")
        #expect(headlines["mtkd.lock"] == "2 stages recorded")
        #expect(headlines["report/metrics.json"] == "3 models evaluated on the test split")
    }

    @Test func fileListingShowsPathKindSizeAndHeadlineInColumns() throws {
        let inspection = try inspect()
        let size = try #require(inspection.folder?.files.first { $0.path == "teachers/species/member-0.h5" }?.size)
        let sizeText = String(format: "%.1f KiB", Double(size) / 1024)
        #expect(inspection.text().contains("  teachers/species/member-0.h5  model         \(sizeText)  43 parameters, best epoch 3 of 5\n"))
    }

    @Test func partialFilesAreReportedAsDebrisOfAnInterruptedWrite() throws {
        let inspection = try inspect { folder in
            try Data("half".utf8).write(to: URL(fileURLWithPath: folder.path("teachers/species/.partial-123-member-1.h5")))
        }
        #expect(inspection.folder?.debris == ["teachers/species/.partial-123-member-1.h5"])
        #expect(inspection.folder?.files.first { $0.path.contains(".partial-") }?.kind == "debris")
        #expect(inspection.text().contains("debris of an interrupted write  (temporary files; safe to delete when no run is going)\n  teachers/species/.partial-123-member-1.h5\n"))
    }

    @Test func checkpointsAreListedAsTrainingInProgress() throws {
        let inspection = try inspect { folder in
            try Fixtures.writeCheckpoint(to: folder.path("checkpoints/teachers/species/member-1.h5"))
        }
        #expect(inspection.folder?.checkpoints == ["checkpoints/teachers/species/member-1.h5"])
        #expect(inspection.text().contains("  checkpoints/teachers/species/member-1.h5  species/member-0 after epoch 4, resumes at epoch 5\n"))
    }

    @Test func aFolderWithoutALockSaysSoAndStillListsFiles() throws {
        let inspection = try inspect { folder in
            try FileManager.default.removeItem(atPath: folder.path("mtkd.lock"))
        }
        let folder = try #require(inspection.folder)
        #expect(folder.lockFound == false)
        #expect(folder.stages.isEmpty)
        #expect(folder.pipeline == "tiny")  // from metrics.json
        #expect(folder.notes == ["no mtkd.lock: no stage has completed here yet, or this is not an mtkd artifacts folder"])
        #expect(folder.files.count == 6)
    }
}

