import Foundation
import Tensor
import Testing
@testable import Pipeline

/// The parts of the streaming `prepare`: where rows go, and the records set aside.
@Suite struct RowPlacementTests {
    @Test func permutedPlacesAreTheSeededPermutationInverted() {
        for n in [0, 1, 2, 10, 1_000, 4_321] {
            var rng = RNG(seed: RNG.derive(seed: 42, stream: 0x5eed_5911))
            let order = rng.permutation(n)
            #expect(RowPlacement.seededOrder(count: n, seed: 42).map(Int.init) == order)
            let train = n * 6 / 10, val = n * 2 / 10
            var placement = RowPlacement.permuted(count: n, train: train, val: val, seed: 42)
            var splits: [[Int]] = [[Int](repeating: -1, count: train), [Int](repeating: -1, count: val),
                                   [Int](repeating: -1, count: n - train - val)]
            for k in 0..<n {
                let (split, row) = placement.place(k)
                splits[split][row] = k
            }
            // The splits are the permutation cut in three, in its order.
            #expect(splits[0] + splits[1] + splits[2] == order, "n \(n)")
        }
    }

    @Test func heldOutRowsAreTheFirstOfTheSeededOrderAndKeepFileOrder() {
        let n = 1_000, nVal = 150
        var rng = RNG(seed: RNG.derive(seed: 9, stream: 0x5eed_5911))
        let order = rng.permutation(n)
        var placement = RowPlacement.heldOut(count: n, validation: nVal, seed: 9)
        var splits: [[Int]] = [[], []]
        for k in 0..<n {
            let (split, row) = placement.place(k)
            #expect(row == splits[split].count)
            splits[split].append(k)
        }
        #expect(splits[1] == Array(order[0..<nVal]).sorted())
        #expect(splits[0] == Array(order[nVal...]).sorted())
    }

    @Test func inversionUndoesAnyPermutation() {
        var rng = RNG(seed: 3)
        for n in [1, 2, 3, 17, 500] {
            let p = rng.permutation(n).map { Int32($0) }
            var inverse = p
            RowPlacement.invert(&inverse)
            #expect((0..<n).allSatisfy { Int(inverse[Int(p[$0])]) == $0 }, "n \(n)")
        }
    }
}

@Suite struct RowSpillTests {
    /// Records of 12 bytes: the row number in the first 8, its square's low bits in the last 4.
    @Test(arguments: [1, 7, 64, 1_000])
    func recordsPutInAnyOrderReadBackInRowOrder(bucketRows: Int) throws {
        let rows = 777
        let spill = try RowSpill(directory: NSTemporaryDirectory(), name: "spill-test", rows: rows, recordBytes: 12,
                                 bucketRows: bucketRows, bufferBytes: 200)
        var rng = RNG(seed: 5)
        var record = [UInt8](repeating: 0, count: 12)
        for row in rng.permutation(rows) {
            record.withUnsafeMutableBytes { r in
                r.storeBytes(of: Int64(row), as: Int64.self)
                r.storeBytes(of: Int32(truncatingIfNeeded: row * row), toByteOffset: 8, as: Int32.self)
            }
            try record.withUnsafeBytes { try spill.put(row, $0.baseAddress!) }
        }
        try spill.finish()
        var seen: [Int] = []
        for range in [0..<100, 100..<101, 101..<777] {
            try spill.read(range) { part, records in
                #expect(records.count == part.count * 12)
                for (i, row) in part.enumerated() {
                    #expect(records.loadUnaligned(fromByteOffset: i * 12, as: Int64.self) == Int64(row))
                    #expect(records.loadUnaligned(fromByteOffset: i * 12 + 8, as: Int32.self) == Int32(truncatingIfNeeded: row * row))
                    seen.append(row)
                }
            }
        }
        #expect(seen == Array(0..<rows))
    }

    @Test func theTemporaryFileIsGoneAtOnce() throws {
        let folder = NSTemporaryDirectory() + "mtkd-spill-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let spill = try RowSpill(directory: folder, name: "x", rows: 10, recordBytes: 8)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty)
        _ = spill
    }
}
