/// The processes (ranks) that train one network together, data-parallel: every rank holds the
/// same weights, computes the gradient of its share of every batch, and all ranks combine the
/// shares identically, so every rank takes the same optimizer steps. MPI is one implementation
/// (the `mtkd` command's); tests use threads of one process.
public protocol DataParallelGroup: AnyObject {
    /// 0-based; rank 0 is the one that writes.
    var rank: Int { get }
    /// Ranks in all.
    var size: Int { get }
    /// Every rank's `local` bytes, in rank order, into `all` (`size · local.count` bytes), the same
    /// on every rank. A collective: every rank calls it with the same byte count.
    func allGather(_ local: UnsafeRawBufferPointer, into all: UnsafeMutableRawBufferPointer)
}

extension DataParallelGroup {
    /// Sums `floats` and `doubles` over the ranks, in rank order (rank 0 + rank 1 + …), so
    /// every rank gets the same bits whatever the transport's own reduction order.
    public func sumInRankOrder(_ floats: inout [Float], _ doubles: inout [Double]) {
        let localBytes = doubles.count * 8 + floats.count * 4
        var local = [UInt8](repeating: 0, count: localBytes)
        local.withUnsafeMutableBytes { l in
            doubles.withUnsafeBytes { l.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            floats.withUnsafeBytes { (l.baseAddress! + doubles.count * 8).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        }
        var all = [UInt8](repeating: 0, count: localBytes * size)
        local.withUnsafeBytes { l in all.withUnsafeMutableBytes { allGather(l, into: $0) } }
        all.withUnsafeBytes { a in
            for d in doubles.indices { doubles[d] = 0 }
            for f in floats.indices { floats[f] = 0 }
            for r in 0..<size {
                let base = a.baseAddress! + r * localBytes
                let ds = UnsafeBufferPointer(start: base.assumingMemoryBound(to: Double.self), count: doubles.count)
                let fs = UnsafeBufferPointer(start: (base + doubles.count * 8).assumingMemoryBound(to: Float.self), count: floats.count)
                for d in doubles.indices { doubles[d] += ds[d] }
                floats.withUnsafeMutableBufferPointer { out in
                    for f in out.indices { out[f] += fs[f] }
                }
            }
        }
    }
}

/// The rows of a global batch of `count` rows that `rank` of `size` computes: a contiguous
/// share, the first ranks one row longer when the batch does not divide evenly.
public func dataParallelShare(count: Int, rank: Int, size: Int) -> Range<Int> {
    (rank * count / size)..<((rank + 1) * count / size)
}
