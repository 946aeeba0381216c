import Foundation
@testable import Pipeline

/// Pipelines whose `data/dataset.h5` must keep its exact bytes: the SHA-256 of each was
/// recorded with the whole-file `prepare` that streaming replaced (commit 0fb894b), so the
/// streaming one is checked against it bit for bit.
///
/// The data files live in one fixed folder (`root`): the dataset's `source` attribute holds
/// their paths, so the bytes depend on where they are. Generated files are written afresh
/// each time from a seeded generator; runs in several processes at once take turns (`flock`).
enum PrepareGolden {
    static let root = "/tmp/mtkd-prepare-golden-v1"

    struct Case: Sendable {
        var name: String
        /// The pipeline file (paths relative to the case's folder).
        var yaml: String
        /// File name → bytes.
        var files: [String: [UInt8]]
        /// Expected SHA-256 of data/dataset.h5 (lower-case hex).
        var sha256: String

        var folder: String { PrepareGolden.root + "/" + name }
        var pipeline: String { folder + "/pipeline.yaml" }
    }

    /// Writes the case's files (when their bytes differ) and returns its spec, with artifacts in `artifacts`.
    static func spec(_ c: Case, artifacts: String) throws -> PipelineSpec {
        try FileManager.default.createDirectory(atPath: c.folder, withIntermediateDirectories: true)
        for (name, bytes) in c.files.sorted(by: { $0.key < $1.key }) {
            let path = c.folder + "/" + name
            if let old = FileManager.default.contents(atPath: path), [UInt8](old) == bytes { continue }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        }
        if (try? String(contentsOfFile: c.pipeline, encoding: .utf8)) != c.yaml {
            try c.yaml.write(toFile: c.pipeline, atomically: true, encoding: .utf8)
        }
        return try PipelineSpec.load(path: c.pipeline, artifactsRoot: artifacts)
    }

    /// Runs `body` holding an exclusive lock on `root` (other test processes wait).
    static func locked<T>(_ body: () throws -> T) throws -> T {
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let fd = open(root + "/.lock", O_CREAT | O_RDWR, 0o644)
        guard fd >= 0 else { throw CocoaError(.fileWriteUnknown) }
        defer { close(fd) }
        flock(fd, LOCK_EX)
        defer { flock(fd, LOCK_UN) }
        return try body()
    }

    // MARK: - The cases

    static let all: [Case] = [penguins, censusSlice, generatedSplit, generatedFiles, generatedHoldOut]

    /// The committed penguins: one CSV split 70/15/15 with the seed, rows with a missing
    /// measurement dropped, a categorical feature, two classification tasks (one with missing
    /// labels) and a regression task.
    static let penguins = Case(name: "penguins", yaml: """
        name: golden
        seed: 42
        data:
          csv: penguins.csv
          split: {train: 0.7, val: 0.15, test: 0.15}
          missing_values: ["NA", ""]
          missing_features: drop-row
          features:
            numeric: [bill_length_mm, bill_depth_mm, flipper_length_mm]
            categorical: [island]
        tasks:
          - name: species
          - name: sex
          - name: mass
            column: body_mass_g
            type: regression
        students: [{name: kd, hidden: [4], epochs: 1}]
        """, files: ["penguins.csv": repositoryFile("pipelines/data/penguins.csv")],
        sha256: "ac5f8d17d63e04288db1a62981cc33ca6b72779fda5cd01e462a0ad45e397507")

    /// `pipelines/census-income.yaml` on the committed slice of the real files: headerless,
    /// given train and test files with 10% of train held out, `impute-mean`, positive values.
    static let censusSlice: Case = {
        let yaml = String(decoding: repositoryFile("pipelines/census-income.yaml"), as: UTF8.self)
            .replacingOccurrences(of: "../data/census/census-income.train.csv", with: "census-slice.train.csv")
            .replacingOccurrences(of: "../data/census/census-income.test.csv", with: "census-slice.test.csv")
        return Case(name: "census-slice", yaml: yaml, files: [
            "census-slice.train.csv": repositoryFile("Tests/PipelineTests/Fixtures/census-slice.train.csv"),
            "census-slice.test.csv": repositoryFile("Tests/PipelineTests/Fixtures/census-slice.test.csv"),
        ], sha256: "f3ad296389b9db0a8f60ee00037525bc41ed22cd8f0dc6991313096311b382f1")
    }()

    /// 40,000 generated rows in one file, split 60/20/20: numbers with many digits (so that the
    /// order of summation shows in the last bits), missing cells imputed, a categorical column
    /// capped by `max_categories` (`<other>`), quoted cells with delimiters, doubled quotes and
    /// line breaks, canonically equal spellings, missing labels, a regression and a positive task.
    static let generatedSplit = Case(name: "generated-split", yaml: """
        name: golden
        seed: 7
        data:
          csv: data.csv
          split: {train: 0.6, val: 0.2, test: 0.2}
          missing_features: impute-mean
          max_categories: 12
          features:
            numeric: [a, b, c]
            categorical: [city, note, flag]
        tasks:
          - name: kind
          - name: size
            type: regression
          - name: good
            column: grade
            positive: [A, "A+"]
        students: [{name: kd, hidden: [4], epochs: 1}]
        """, files: ["data.csv": generated(rows: 40_000, seed: 1, header: true, missing: true)],
        sha256: "b077c1092a7566bfd09d63997f5fd7c463c723a67d51e88020d6db0a7ecf56ce")

    /// Given train (gzip), val and test files, headerless with named columns, CRLF line ends
    /// and blank lines, rows with a missing feature dropped.
    static let generatedFiles = Case(name: "generated-files", yaml: """
        name: golden
        seed: 11
        data:
          files: {train: train.csv.gz, val: val.csv, test: test.csv}
          header: false
          columns: [a, b, c, city, note, flag, kind, size, grade]
          features:
            numeric: [a, b]
            categorical: [city, flag]
        tasks:
          - name: kind
          - name: size
            type: regression
        students: [{name: kd, hidden: [4], epochs: 1}]
        """, files: [
            "train.csv.gz": gzip(generated(rows: 20_000, seed: 2, header: false, missing: true)),
            "val.csv": crlf(generated(rows: 3_000, seed: 3, header: false, missing: true)),
            "test.csv": generated(rows: 3_000, seed: 4, header: false, missing: true),
        ], sha256: "59912909293edba0d53386c94d1ed6540231d4d4731ef17d1bc6e9e9e9771d5d")

    /// A training file with 15% held out for validation (random rows, kept in file order) and a test file.
    static let generatedHoldOut = Case(name: "generated-holdout", yaml: """
        name: golden
        seed: 5
        data:
          files: {train: train.csv, test: test.csv}
          val_fraction: 0.15
          missing_features: impute-mean
          features:
            numeric: [a, c]
            categorical: [city, note]
        tasks:
          - name: size
            type: regression
          - name: kind
        students: [{name: kd, hidden: [4], epochs: 1}]
        """, files: [
            "train.csv": generated(rows: 25_000, seed: 6, header: true, missing: true),
            "test.csv": generated(rows: 4_000, seed: 8, header: true, missing: false),
        ], sha256: "c91cdcd02285012d517e1411bd202fdcd1e4ada146095a5ccd0bafbcbbf9e992")

    // MARK: - Generated data

    static func repositoryFile(_ relative: String) -> [UInt8] {
        [UInt8](FileManager.default.contents(atPath: TestPipeline.repository + "/" + relative) ?? Data())
    }

    /// Rows `a,b,c,city,note,flag,kind,size,grade` from a seeded generator.
    static func generated(rows: Int, seed: UInt64, header: Bool, missing: Bool) -> [UInt8] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
        let notes = ["plain", "\"with, comma\"", "\"say \"\"hi\"\"\"", "\"two\nlines\"", "caf\u{E9}", "cafe\u{301}", "  padded  "]
        var text = header ? "a,b,c,city,note,flag,kind,size,grade\n" : ""
        for i in 0..<rows {
            let a = missing && below(50) == 0 ? "NA" : String(Double(below(2_000_000_000)) / 1e4 - 100_000 + 1e-7 * Double(i % 7))
            let b = missing && below(200) == 0 ? "" : String(below(90) + 10)
            let c = String(format: "%.9e", Double(below(1 << 30)) * 3.7e-5)
            // A skewed distribution over 30 cities: a few frequent, a long tail.
            let city = missing && below(80) == 0 ? "?" : "city\(min(below(30), below(30)))"
            let note = notes[below(notes.count)]
            let flag = below(3) == 0 ? "yes" : "no"
            let kind = missing && below(40) == 0 ? "NA" : ["red", "green", "blue"][min(below(3), below(3))]
            let size = missing && below(60) == 0 ? "" : String(Double(below(1_000_000)) / 997.0)
            let grade = ["A", "A+", "B", "C"][below(4)]
            text += "\(a),\(b),\(c),\(city),\(note),\(flag),\(kind),\(size),\(grade)\n"
            if i % 977 == 0 { text += "\n" }   // a blank line now and then
        }
        return Array(text.utf8)
    }

    static func crlf(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 40)
        for b in bytes {
            if b == 0x0A { out.append(0x0D) }
            out.append(b)
        }
        return out
    }

    /// `gzip -n` of the bytes (the reader tells gzip by its magic number).
    static func gzip(_ bytes: [UInt8]) -> [UInt8] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["gzip", "-n", "-c"]
        let input = Pipe(), output = Pipe()
        p.standardInput = input
        p.standardOutput = output
        do { try p.run() } catch { return [] }
        let writer = Thread { input.fileHandleForWriting.write(Data(bytes)); try? input.fileHandleForWriting.close() }
        writer.start()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return [UInt8](out)
    }
}
