import Artifacts
import Foundation
import HDF5
import Testing
@testable import Pipeline

/// The transfer set (issue 12): augmented training rows labelled by the teachers.
@Suite(.serialized) struct TransferTests {
    func pipeline(_ transfer: String, folder: String? = nil) throws -> TestPipeline {
        let p = try TestPipeline(extraStudentYAML: """
          - name: kd-transfer
            hidden: [16]
            epochs: 8
            batch_size: 16
            learning_rate: 0.01
            transfer: true
        transfer: \(transfer)
        """, folder: folder)
        return p
    }

    func read(_ p: TestPipeline, _ name: String) throws -> [Float] {
        try H5File.open(p.artifacts + "/transfer.h5").root.dataset(name).read(Float.self)
    }

    @Test func noiseIsInUnitsOfTheFeaturesStdAndCategoriesStayOneHot() throws {
        let p = try pipeline("{multiplier: 3, noise: 0.5, resample: 0.5, munge: 0, mixup: 0}")
        defer { p.remove() }
        let lines = try p.run().lines
        #expect(ranStages(lines) == ["prepare", "teachers", "soft-targets", "transfer", "student:kd", "student:kd-transfer", "evaluate"])
        let dataset = try PreparedDataset.read(from: p.artifacts + "/data/dataset.h5")
        let train = dataset.split("train")!.x
        let x = try read(p, "transfer/x"), source = try H5File.open(p.artifacts + "/transfer.h5").root.dataset("transfer/source_row").read(Int32.self)
        let f = train.cols
        #expect(x.count == 3 * train.rows * f && source.count == 3 * train.rows)
        let numeric = dataset.features.indices.filter { dataset.features[$0].kind == .numeric }
        let island = dataset.features.indices.filter { dataset.features[$0].column == "island" }
        var sum = 0.0, sumSq = 0.0, count = 0
        for r in 0..<source.count {
            let s = Int(source[r])
            for c in numeric {
                let d = Double(x[r * f + c] - train[s, c])
                sum += d; sumSq += d * d; count += 1
            }
            #expect(island.map { x[r * f + $0] }.sorted() == [0, 0, 1])
        }
        let std = (sumSq / Double(count) - (sum / Double(count)) * (sum / Double(count))).squareRoot()
        #expect(abs(std - 0.5) < 0.03, "noise std \(std)")
        // Every member of every teacher labelled every row.
        let outputs = try TransferFile.readOutputs(from: p.artifacts + "/transfer.h5")
        #expect(outputs.map(\.name) == ["species", "mass"])
        #expect(outputs.allSatisfy { $0.members.count == 2 && $0.members.allSatisfy { $0.rows == source.count } })
    }

    @Test func theSameSeedMakesTheSameTransferSetAndStudent() throws {
        let a = try pipeline("{multiplier: 2, noise: 0.1, resample: 0.2, munge: 0.3, mixup: 0.2}")
        let b = try pipeline("{multiplier: 2, noise: 0.1, resample: 0.2, munge: 0.3, mixup: 0.2}")
        defer { a.remove(); b.remove() }
        try a.run(RunOptions(jobs: 2)); try b.run()
        #expect(try a.bytes("transfer.h5") == b.bytes("transfer.h5"))
        #expect(try a.bytes("students/kd-transfer/replicate-0.h5") == b.bytes("students/kd-transfer/replicate-0.h5"))
    }

    @Test func changingTheTransferSetRetrainsOnlyTheStudentsThatUseIt() throws {
        var p = try pipeline("{multiplier: 2}")
        defer { p.remove() }
        try p.run()
        p = try pipeline("{multiplier: 3}", folder: p.folder)
        #expect(ranStages(try p.run().lines) == ["transfer", "student:kd-transfer", "evaluate"])
    }

    @Test func aStudentWithoutTeachersCannotLearnFromTheTransferSet() throws {
        let p = try TestPipeline(extraStudentYAML: """
          - name: plain
            distill: none
            transfer: true
        transfer: {multiplier: 1}
        """)
        defer { p.remove() }
        do { _ = try p.spec(); Issue.record("accepted") } catch let e as SpecError {
            #expect(e.message == "transfer rows carry the teachers' targets only: a student with distill: none cannot learn from them")
        }
    }
}

@Suite(.serialized) struct UnlabelledTransferTests {
    /// The penguins' feature columns only (no labels), with `rows` rows; `bad` puts text in a number.
    func unlabelledCSV(_ folder: String, rows: Int, bad: Bool = false) throws -> String {
        let lines = try String(contentsOfFile: TestPipeline.penguins, encoding: .utf8).split(separator: "\n").map(String.init)
        let header = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let keep = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "island"].map { header.firstIndex(of: $0)! }
        var out = [keep.map { header[$0] }.joined(separator: ",")]
        for line in lines[1...rows] {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            out.append(keep.map { cells[$0] }.joined(separator: ","))
        }
        if bad { out[3] = "39.1,abc,181,Torgersen" }
        let path = folder + "/unlabelled.csv"
        try (out.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func pipeline(_ p: TestPipeline, csv: String) throws {
        var yaml = try String(contentsOfFile: p.file, encoding: .utf8)
        yaml += """
          - name: kd-transfer
            hidden: [16]
            epochs: 8
            batch_size: 16
            learning_rate: 0.01
            transfer: true
        transfer: {multiplier: 0, unlabelled: \(csv)}

        """
        try p.write(yaml: yaml)
    }

    @Test func unlabelledRowsAreEncodedWithTheTrainingStatisticsAndLabelledByTheTeachers() throws {
        let p = try TestPipeline()
        defer { p.remove() }
        try pipeline(p, csv: try unlabelledCSV(p.folder, rows: 100))
        let lines = try p.run().lines
        #expect(lines.contains("  no augmented and 100 unlabelled transfer rows, labelled by 4 teacher members"))
        let file = try H5File.open(p.artifacts + "/transfer.h5")
        #expect(try file.root.dataset("transfer/source_row").read(Int32.self) == [Int32](repeating: -1, count: 100))
        // Row k of the file is the source row k encoded as prepare encodes: the dataset's rows that came from it agree.
        let dataset = try PreparedDataset.read(from: p.artifacts + "/data/dataset.h5")
        let x = try file.root.dataset("transfer/x").read(Float.self), f = dataset.features.count
        for split in dataset.splits {
            for (r, source) in split.sourceRows.enumerated() where source < 100 {
                #expect(Array(x[(Int(source) * f)..<((Int(source) + 1) * f)]) == Array(split.x.storage[(r * f)..<((r + 1) * f)]))
            }
        }
    }

    @Test func aBadCellInTheUnlabelledFileIsBadInput() throws {
        let p = try TestPipeline()
        defer { p.remove() }
        let csv = try unlabelledCSV(p.folder, rows: 20, bad: true)
        try pipeline(p, csv: csv)
        let r = try runCLI(["run", p.file])
        #expect(r.code == 64, "\(r.err)")
        #expect(r.err.contains("unlabelled.csv:4:"), "\(r.err)")
    }
}
