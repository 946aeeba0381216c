import NN

/// The processes (ranks) that train one network together, data-parallel: every rank holds the
/// same weights, computes the gradient of its share of every batch, and all ranks combine the
/// shares identically, so every rank takes the same optimizer steps. MPI is one implementation
/// (the `mtkd` command's); tests use threads of one process.
public protocol DataParallelGroup: AnyObject {
    /// 0-based; rank 0 is the one that writes.
    var rank: Int { get }
    /// Ranks in all.
    var size: Int { get }
    /// In place: `all` is `size` slots of `all.count / size` bytes, this rank's slot (at
    /// `rank · all.count / size`) filled; on return every slot holds its rank's bytes, the same
    /// on every rank. A collective: every rank calls it with the same byte count.
    func allGather(_ all: UnsafeMutableRawBufferPointer)
}

/// Sums over the ranks, in rank order, with one collective: buffers allocated once and reused
/// (a transport such as Open MPI's shared memory is several times slower on fresh memory).
public final class RankSum {
    public let group: DataParallelGroup
    private var buffer = UnsafeMutableRawBufferPointer(start: nil, count: 0)
    private var slotBytes = 0

    public init(group: DataParallelGroup) { self.group = group }
    deinit { buffer.deallocate() }

    private func reserve(slotBytes bytes: Int) {
        let aligned = (bytes + 63) / 64 * 64
        guard aligned != slotBytes else { return }
        buffer.deallocate()
        buffer = .allocate(byteCount: aligned * group.size, alignment: 4096)
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
        slotBytes = aligned
    }

    /// Every parameter's gradient and `doubles`, summed over the ranks in rank order
    /// ((rank 0 + rank 1) + rank 2 …): every rank gets the same bits whatever the transport's
    /// own reduction order. The sums replace the gradients and `doubles`.
    public func sumInRankOrder(_ parameters: [Parameter], _ doubles: inout [Double]) {
        let floats = parameters.reduce(0) { $0 + $1.count }
        reserve(slotBytes: doubles.count * 8 + floats * 4)
        let n = group.size, d = doubles.count
        let base = buffer.baseAddress!
        func slot(_ r: Int) -> UnsafeMutableRawPointer { base + r * slotBytes }
        // Pack this rank's values into its slot.
        let mine = slot(group.rank)
        doubles.withUnsafeBytes { mine.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        var offset = d * 8
        for p in parameters {
            p.grad.storage.withUnsafeBytes { (mine + offset).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            offset += p.count * 4
        }
        group.allGather(UnsafeMutableRawBufferPointer(start: base, count: slotBytes * n))
        // Sum the slots in rank order into the parameters' gradients and `doubles`.
        for i in 0..<d {
            var s = slot(0).load(fromByteOffset: i * 8, as: Double.self)
            for r in 1..<n { s += slot(r).load(fromByteOffset: i * 8, as: Double.self) }
            doubles[i] = s
        }
        offset = d * 8
        for p in parameters {
            let c = p.count
            p.grad.storage.withUnsafeMutableBufferPointer { g in
                let first = (slot(0) + offset).assumingMemoryBound(to: Float.self)
                for i in 0..<c { g[i] = first[i] }
                for r in 1..<n {
                    let other = (slot(r) + offset).assumingMemoryBound(to: Float.self)
                    for i in 0..<c { g[i] += other[i] }
                }
            }
            offset += c * 4
        }
    }

    /// Every rank's `value`, in rank order.
    public func gather(_ value: UInt64) -> [UInt64] {
        reserve(slotBytes: 8)
        slot0(group.rank).storeBytes(of: value, as: UInt64.self)
        group.allGather(UnsafeMutableRawBufferPointer(start: buffer.baseAddress!, count: slotBytes * group.size))
        return (0..<group.size).map { slot0($0).load(as: UInt64.self) }
    }

    private func slot0(_ r: Int) -> UnsafeMutableRawPointer { buffer.baseAddress! + r * slotBytes }
}

/// The rows of a global batch of `count` rows that `rank` of `size` computes: a contiguous
/// share, the last ranks one row longer when the batch does not divide evenly.
public func dataParallelShare(count: Int, rank: Int, size: Int) -> Range<Int> {
    (rank * count / size)..<((rank + 1) * count / size)
}
