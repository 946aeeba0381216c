import Artifacts
import Foundation
import Testing
@testable import Pipeline

/// `prepare` streams its CSV files; the dataset it writes is the one the whole-file prepare wrote.
@Suite(.serialized) struct PrepareStreamingTests {
    /// SHA-256 of the dataset `prepare` writes for `c`, reading `blockBytes` of text at a time
    /// and setting rows aside in buckets of `bucketRows`.
    static func datasetHash(_ c: PrepareGolden.Case, blockBytes: Int = 4 << 20, bucketRows: Int = 16_384) throws -> String {
        let artifacts = NSTemporaryDirectory() + "mtkd-golden-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: artifacts) }
        return try PrepareGolden.locked {
            let spec = try PrepareGolden.spec(c, artifacts: artifacts)
            let path = artifacts + "/data/dataset.h5"
            var stage = PrepareStage(spec: spec)
            stage.blockBytes = blockBytes
            stage.bucketRows = bucketRows
            try stage.run(writingTo: path)
            return try #require(try FileHasher().hash(path)).sha256
        }
    }

    @Test(arguments: PrepareGolden.all.map(\.name))
    func datasetBytesAreThoseOfTheWholeFilePrepare(name: String) throws {
        let c = try #require(PrepareGolden.all.first { $0.name == name })
        let hash = try Self.datasetHash(c)
        #expect(hash == c.sha256, "\(name)")
    }

    /// Memory holds a block of text and a bucket of records: whatever their sizes (here down to
    /// blocks of a few rows and buckets of 7 rows), the dataset is the same, byte for byte.
    @Test(arguments: [(512, 7), (10_000, 1_000), (300_000, 5_000)])
    func datasetIsTheSameWhateverTheBlockSizes(blockBytes: Int, bucketRows: Int) throws {
        for c in [PrepareGolden.generatedSplit, PrepareGolden.generatedFiles, PrepareGolden.generatedHoldOut, PrepareGolden.censusSlice] {
            let hash = try Self.datasetHash(c, blockBytes: blockBytes, bucketRows: bucketRows)
            #expect(hash == c.sha256, "\(c.name), blocks of \(blockBytes) bytes, buckets of \(bucketRows) rows")
        }
    }

    /// Bad cells are reported in the order of the checks (columns in pipeline order, labels after
    /// features), not in the order of the file, and name their line however far into the file.
    @Test func errorsFoundInLaterBlocksNameTheirLineAndComeInTheOrderOfTheChecks() throws {
        // Column c (checked second) is bad on line 12, column x (checked first) on line 2,802.
        let rows = DataCase.rows(3_000) { i, col in
            if i == 2_800 && col == "x" { return "12k" }
            if i == 10 && col == "c" { return "bad\u{7F}" }
            return nil
        }
        let d = try DataCase(files: ["data.csv": rows])
        defer { d.remove() }
        let spec = try PipelineSpec.load(path: d.file)
        for blockBytes in [256, 4 << 20] {
            var stage = PrepareStage(spec: spec)
            stage.blockBytes = blockBytes
            var message: String?
            do { try stage.run(writingTo: d.folder + "/artifacts/bad/data/dataset.h5") } catch let e as SpecError {
                message = e.description.replacingOccurrences(of: d.folder, with: "<dir>")
            }
            #expect(message == "<dir>/pipeline.yaml: data.features.numeric: <dir>/data.csv:2802:1: non-numeric value '12k' in "
                    + "column 'x'; expected a finite number or a missing value (missing_values: \"\", \"NA\", \"?\")", "blocks of \(blockBytes)")
            #expect(!d.wroteDataset)
        }
    }

    @Test func aTestLabelUnseenInTrainingNamesItsFirstLineFromAnyBlock() throws {
        // The test file's label 'c' first appears in row 1,900 (and again later), on line 1,903: a quoted
        // cell before it spans two lines.
        var test = DataCase.rows(2_500) { i, col in col == "y" && (i == 1_900 || i == 2_100) ? "c" : nil }
        test = test.replacingOccurrences(of: "\n5,k2,b\n", with: "\n5,\"k\n2\",b\n")
        let d = try DataCase(files: ["train.csv": DataCase.rows(300), "test.csv": test],
                             data: "files: {train: train.csv, test: test.csv}")
        defer { d.remove() }
        let spec = try PipelineSpec.load(path: d.file)
        var stage = PrepareStage(spec: spec)
        stage.blockBytes = 300
        var message: String?
        do { try stage.run(writingTo: d.folder + "/artifacts/bad/data/dataset.h5") } catch let e as SpecError {
            message = e.description.replacingOccurrences(of: d.folder, with: "<dir>")
        }
        #expect(message == "<dir>/pipeline.yaml: tasks.y: <dir>/test.csv:1903:3: label 'c' of column 'y' occurs in the test split "
                + "but not in the training split; classes are fitted on the training split, whose classes are: a, b")
    }
}
