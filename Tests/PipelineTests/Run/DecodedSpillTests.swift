import Foundation
import Tensor
import Testing
@testable import Artifacts

/// Decoded blocks set aside on disk come back with every bit, sparse or dense, and a dataset read
/// through them gives the rows the file holds.
@Suite(.serialized) struct DecodedSpillTests {
    @Test func blocksComeBackBitForBitSparseAndDense() throws {
        let folder = NSTemporaryDirectory() + "mtkd-spill-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let spill = DecodedSpill()
        let path = folder + "/dataset.h5"
        // One-hot-like rows (sparse), with −0.0, NaN, infinities and subnormals among them.
        var sparse = Matrix(rows: 50, cols: 40)
        for r in 0..<50 { sparse[r, (r * 7) % 40] = 1; sparse[r, 3] = Float(r) - 20.5 }
        sparse[4, 9] = -0.0; sparse[5, 10] = .nan; sparse[6, 11] = -.infinity; sparse[7, 12] = .leastNonzeroMagnitude
        var dense = Matrix(rows: 3, cols: 5)
        for i in 0..<dense.count { dense.storage[i] = Float(i) * 0.37 - 1 }
        dense.storage[2] = -0.0
        let empty = Matrix(rows: 4, cols: 6)
        spill.put(path: path, split: "train", rows: 0..<50, sparse)
        spill.put(path: path, split: "train", rows: 50..<53, dense)
        spill.put(path: path, split: "val", rows: 0..<4, empty)
        func bits(_ m: Matrix?) -> [UInt32]? { m?.storage.map(\.bitPattern) }
        #expect(bits(try spill.get(path: path, split: "train", rows: 0..<50, cols: 40)) == bits(sparse))
        #expect(bits(try spill.get(path: path, split: "train", rows: 50..<53, cols: 5)) == bits(dense))
        #expect(bits(try spill.get(path: path, split: "val", rows: 0..<4, cols: 6)) == bits(empty))
        // As non-zeros (the sparse block): the same rows, every value with its bits.
        let nonZeros = try #require(try spill.getNonZeros(path: path, split: "train", rows: 0..<50, cols: 40))
        #expect(bits(nonZeros.dense()) == bits(sparse))
        var fromSparse = Matrix.empty, fromDense = Matrix.empty
        let picked = [7, 5, 5, 49, 0, 6, 4][...]
        nonZeros.gatherRows(picked, into: &fromSparse)
        sparse.gatherRows(picked, into: &fromDense)
        #expect(bits(fromSparse) == bits(fromDense))
        #expect(try spill.getNonZeros(path: path, split: "train", rows: 50..<53, cols: 5) == nil, "a block set aside dense")
        #expect(try spill.get(path: path, split: "train", rows: 0..<49, cols: 40) == nil, "another range is another block")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == [], "the files are unlinked")
        spill.invalidate(path: path)
        #expect(try spill.get(path: path, split: "train", rows: 0..<50, cols: 40) == nil)
    }

    @Test func nothingIsSetAsidePastTheBudget() throws {
        let folder = NSTemporaryDirectory() + "mtkd-spill-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let spill = DecodedSpill()
        spill.budget = 100
        let m = Matrix(rows: 10, cols: 10, storage: (0..<100).map(Float.init))
        spill.put(path: folder + "/d.h5", split: "train", rows: 0..<10, m)
        #expect(try spill.get(path: folder + "/d.h5", split: "train", rows: 0..<10, cols: 10) == nil)
        let small = Matrix(rows: 2, cols: 10, storage: (0..<20).map(Float.init))
        spill.put(path: folder + "/d.h5", split: "train", rows: 0..<2, small)
        #expect(try spill.get(path: folder + "/d.h5", split: "train", rows: 0..<2, cols: 10) == small)
    }

    /// Reading a dataset's rows again (the block cache off) comes from the set-aside copy and
    /// equals the file's rows.
    @Test func splitRowsReadAgainEqualTheFilesRows() throws {
        let folder = NSTemporaryDirectory() + "mtkd-spill-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let n = 1_000
        var x = Matrix(rows: n, cols: 30)
        for r in 0..<n { x[r, r % 30] = 1; x[r, 0] = Float(r) * 0.01 - 3 }
        let split = { (name: String) in SplitData(name: name, x: x, labels: [], sourceRows: [Int32](repeating: 0, count: n)) }
        let features = (0..<30).map { FeatureInfo(name: "f\($0)", column: "f\($0)", kind: .numeric, mean: 0, std: 1) }
        try PreparedDataset(source: "s", seed: 1, features: features, tasks: [], splits: ["train", "val", "test"].map(split))
            .write(to: folder + "/dataset.h5")
        let saved = BlockCache.shared.budget
        BlockCache.shared.budget = 0
        defer { BlockCache.shared.budget = saved }
        let rows = try SplitRows(path: folder + "/dataset.h5", split: "train")
        for _ in 0..<2 {
            #expect(try rows.read(0..<300) == x.rows(0..<300))
            #expect(try rows.read(300..<n) == x.rows(300..<n))
        }
    }
}
