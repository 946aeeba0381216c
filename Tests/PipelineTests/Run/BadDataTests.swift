import Artifacts
import Foundation
import Testing
@testable import Pipeline

/// A pipeline over small CSV files written for one test, in its own temporary folder.
struct DataCase {
    let folder: String
    var file: String { folder + "/pipeline.yaml" }

    /// Rows `x,c,y`: x = i, c = k(i mod 3), y = a or b by parity; `cell(i, column)` may replace a cell.
    static func rows(_ count: Int, from start: Int = 0, cell: (Int, String) -> String? = { _, _ in nil }) -> String {
        "x,c,y\n" + (start..<(start + count)).map { i in
            let x = cell(i, "x") ?? "\(i)", c = cell(i, "c") ?? "k\(i % 3)", y = cell(i, "y") ?? (i % 2 == 0 ? "a" : "b")
            return "\(x),\(c),\(y)"
        }.joined(separator: "\n") + "\n"
    }

    /// Writes `files` (name → text) and a pipeline whose `data:` section is `data` and whose
    /// task section is `tasks` (features x numeric, c categorical by default).
    init(files: [String: String], data: String = "csv: data.csv",
         features: String = "{numeric: [x], categorical: [c]}", tasks: String = "[{name: y}]",
         students: String = "[{name: kd, hidden: [4], epochs: 1}]") throws {
        folder = NSTemporaryDirectory() + "mtkd-bad-data-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (name, text) in files {
            try Data(text.utf8).write(to: URL(fileURLWithPath: folder + "/" + name))
        }
        try """
        name: bad
        artifacts: artifacts
        data:
          \(data)
          features: \(features)
        tasks: \(tasks)
        students: \(students)
        """.write(toFile: file, atomically: true, encoding: .utf8)
    }

    func remove() { try? FileManager.default.removeItem(atPath: folder) }

    /// The message `mtkd run` gives (the folder written as `<dir>`), or nil when prepare succeeds.
    /// Only prepare runs: every data check happens there.
    func prepareError() throws -> String? {
        let spec = try PipelineSpec.load(path: file)
        do {
            try PipelineRunner(spec: spec, console: Console(capture: true), options: RunOptions(only: "prepare")).run()
            return nil
        } catch let error as SpecError {
            return error.description.replacingOccurrences(of: folder, with: "<dir>")
        }
    }

    /// Whether prepare wrote its dataset.
    var wroteDataset: Bool { FileManager.default.fileExists(atPath: folder + "/artifacts/bad/data/dataset.h5") }
}

/// Bad data is refused by `prepare` with exit code 64, naming the file, line and column and
/// what would be valid; nothing is written.
@Suite struct BadDataTests {
    // MARK: - Numbers

    @Test(arguments: ["inf", "-Infinity", "1e400", "NaN", "nan", "NAN"])
    func nonFiniteNumberInAFeatureIsRefusedWithLineAndColumn(token: String) throws {
        let d = try DataCase(files: ["data.csv": DataCase.rows(30) { i, col in i == 3 && col == "x" ? token : nil }])
        defer { d.remove() }
        #expect(try d.prepareError() == "<dir>/pipeline.yaml: data.features.numeric: <dir>/data.csv:5:1: non-finite value "
                + "'\(token)' in column 'x'; expected a finite number or a missing value (missing_values: \"\", \"NA\", \"?\")")
        #expect(!d.wroteDataset)
    }

    @Test func aNaNTokenDeclaredMissingIsDroppedUnderDropRow() throws {
        let d = try DataCase(files: ["data.csv": DataCase.rows(30) { i, col in i == 3 && col == "x" ? "NaN" : nil }],
                             data: "csv: data.csv\n  missing_values: [\"NaN\"]\n  missing_features: drop-row")
        defer { d.remove() }
        #expect(try d.prepareError() == nil)
        let dataset = try PreparedDataset.read(from: d.folder + "/artifacts/bad/data/dataset.h5", features: false)
        #expect(dataset.splits.map(\.rowCount).reduce(0, +) == 29)
    }

    @Test func nonFiniteRegressionLabelIsRefused() throws {
        let d = try DataCase(files: ["data.csv": DataCase.rows(30) { i, col in col == "y" ? (i == 7 ? "-inf" : "\(i)") : nil }],
                             tasks: "[{name: y, type: regression}]")
        defer { d.remove() }
        #expect(try d.prepareError() == "<dir>/pipeline.yaml: tasks.y.column: <dir>/data.csv:9:3: non-finite value "
                + "'-inf' in column 'y'; expected a finite number or a missing value (missing_values: \"\", \"NA\", \"?\")")
        #expect(!d.wroteDataset)
    }

    @Test func aNulByteInsideANumberIsRefused() throws {
        let d = try DataCase(files: ["data.csv": DataCase.rows(30) { i, col in i == 0 && col == "x" ? "39\u{0}1" : nil }])
        defer { d.remove() }
        #expect(try d.prepareError() == "<dir>/pipeline.yaml: data.features.numeric: <dir>/data.csv:2:1: non-numeric value "
                + "'39\\01' in column 'x'; expected a finite number or a missing value (missing_values: \"\", \"NA\", \"?\")")
        #expect(!d.wroteDataset)
    }

    // MARK: - Text

    @Test func aNulByteInALabelIsRefusedWithLineAndColumn() throws {
        let d = try DataCase(files: ["data.csv": DataCase.rows(30) { i, col in i == 12 && col == "y" ? "a\u{0}b" : nil }])
        defer { d.remove() }
        #expect(try d.prepareError() == "<dir>/pipeline.yaml: tasks.y.column: <dir>/data.csv:14:3: control character U+0000 "
                + "in 'a\\0b' (column 'y'); text cells may hold tabs and line breaks, no other control characters")
        #expect(!d.wroteDataset)
    }

    @Test func aControlCharacterInACategoryIsRefused() throws {
        let d = try DataCase(files: ["data.csv": DataCase.rows(30) { i, col in i == 20 && col == "c" ? "k\u{1B}[2J" : nil }])
        defer { d.remove() }
        #expect(try d.prepareError() == "<dir>/pipeline.yaml: data.features.categorical: <dir>/data.csv:22:2: control character "
                + "U+001B in 'k\\u{1B}[2J' (column 'c'); text cells may hold tabs and line breaks, no other control characters")
    }

    // MARK: - Labels

    @Test func aLabelSeenOnlyInTestIsRefusedNamingSplitLineAndTrainingClasses() throws {
        let test = DataCase.rows(10) { i, col in col == "y" && (i == 4 || i == 6) ? "c" : nil }
        let d = try DataCase(files: ["train.csv": DataCase.rows(30), "val.csv": DataCase.rows(10), "test.csv": test],
                             data: "files: {train: train.csv, val: val.csv, test: test.csv}")
        defer { d.remove() }
        #expect(try d.prepareError() == "<dir>/pipeline.yaml: tasks.y: <dir>/test.csv:6:3: label 'c' of column 'y' occurs in the "
                + "test split but not in the training split; classes are fitted on the training split, whose classes are: a, b")
        #expect(!d.wroteDataset)
    }

    @Test func aPositiveValueThatNeverOccursIsRefusedListingTheValuesSeen() throws {
        let rows = DataCase.rows(30) { i, col in col == "y" ? (i % 3 == 0 ? "female" : "male") : nil }
        let d = try DataCase(files: ["train.csv": rows, "val.csv": DataCase.rows(10), "test.csv": DataCase.rows(10)],
                             data: "files: {train: train.csv, val: val.csv, test: test.csv}", tasks: "[{name: y, positive: [Male]}]")
        defer { d.remove() }
        #expect(try d.prepareError() == "<dir>/pipeline.yaml: tasks.y.positive: positive value 'Male' never occurs in column 'y' "
                + "of the training split; did you mean 'male'?; values seen: male (20), female (10)")
        #expect(!d.wroteDataset)
    }

    @Test func aTaskWhoseTrainingRowsAreAllPositiveIsRefused() throws {
        let d = try DataCase(files: ["data.csv": DataCase.rows(30)], tasks: "[{name: y, positive: [a, b]}]")
        defer { d.remove() }
        let text = try d.prepareError() ?? ""
        #expect(text.hasPrefix("<dir>/pipeline.yaml: tasks.y.positive: every labelled training row of column 'y' is positive"), "\(text)")
    }

    // MARK: - Split sizes: one rule for both ways of making splits

    @Test func aTrainingFractionGivingTooFewRowsIsRefused() throws {
        let d = try DataCase(files: ["data.csv": DataCase.rows(30)], data: "csv: data.csv\n  split: {train: 0.02, val: 0.49, test: 0.49}")
        defer { d.remove() }
        #expect(try d.prepareError() == "<dir>/pipeline.yaml: data.split: the train split would get 1 row (0.02 of 30 usable "
                + "rows of <dir>/data.csv); it needs at least 10; raise split.train to at least 0.334")
        #expect(!d.wroteDataset)
    }

    @Test func aTrainingFileWithTooFewRowsIsRefusedByTheSameRule() throws {
        let d = try DataCase(files: ["train.csv": DataCase.rows(5), "val.csv": DataCase.rows(5), "test.csv": DataCase.rows(5)],
                             data: "files: {train: train.csv, val: val.csv, test: test.csv}")
        defer { d.remove() }
        #expect(try d.prepareError() == "<dir>/pipeline.yaml: data.files.train: the train split has 5 rows of <dir>/train.csv; "
                + "it needs at least 10")
        let heldOut = try DataCase(files: ["train.csv": DataCase.rows(10), "test.csv": DataCase.rows(5)],
                                   data: "files: {train: train.csv, test: test.csv}")
        defer { heldOut.remove() }
        #expect(try heldOut.prepareError() == "<dir>/pipeline.yaml: data.val_fraction: holding out 1 for validation from 10 rows "
                + "of <dir>/train.csv leaves 9 for training; the train split needs at least 10")
    }

    @Test func anEmptyTestSplitAfterDroppingRowsIsRefused() throws {
        let test = DataCase.rows(3) { _, col in col == "x" ? "NA" : nil }
        let d = try DataCase(files: ["train.csv": DataCase.rows(20), "test.csv": test],
                             data: "files: {train: train.csv, test: test.csv}")
        defer { d.remove() }
        #expect(try d.prepareError() == "<dir>/pipeline.yaml: data.files.test: the test split has 0 rows of <dir>/test.csv "
                + "after dropping 3 with missing features; it needs at least 1")
    }

    // MARK: - Sizes known only from the data

    @Test func featuresThatEncodeTooWideForMemoryAreRefusedBeforeWriting() throws {
        // 100,000 distinct categories one-hot encoded, into a layer of a million units: 10^11 weights.
        let rows = "x,c,y\n" + (0..<100_000).map { "\($0),id\($0),\($0 % 2 == 0 ? "a" : "b")" }.joined(separator: "\n") + "\n"
        let d = try DataCase(files: ["data.csv": rows], students: "[{name: kd, hidden: [1000000], epochs: 1}]")
        defer { d.remove() }
        let text = try d.prepareError() ?? ""
        #expect(text.hasPrefix("<dir>/pipeline.yaml: data.features: the features encode to 70001 inputs (column 'c' alone has "
                               + "70000 categories; max_categories caps them): student 'kd' would need about 1.5 TiB to train"), "\(text)")
        #expect(!d.wroteDataset)
    }

    // MARK: - The command line

    @Test func badDataExitsWith64AndNamesTheCell() throws {
        guard FileManager.default.isExecutableFile(atPath: TestPipeline.binary) else {
            Issue.record("build the mtkd binary first (swift build): \(TestPipeline.binary)")
            return
        }
        let d = try DataCase(files: ["data.csv": DataCase.rows(30) { i, col in i == 3 && col == "x" ? "1e400" : nil }])
        defer { d.remove() }
        let r = try runCLI(["run", d.file])
        #expect(r.code == 64)
        #expect(r.err.contains("data.csv:5:1: non-finite value '1e400' in column 'x'"), "\(r.err)")
        #expect(!d.wroteDataset)
    }
}
