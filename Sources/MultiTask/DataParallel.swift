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
    /// `bytes` bytes of memory that every rank reads and writes (the same memory: an MPI
    /// shared-memory window when all ranks run on one machine), or nil when the ranks share none.
    /// A collective: every rank calls it with the same count; valid until the next call.
    func sharedMemory(bytes: Int) -> UnsafeMutableRawBufferPointer?
    /// Returns once every rank has called it; what a rank wrote to `sharedMemory` before, every
    /// rank sees after.
    func barrier()
}

/// The ranks' exchange of one training step, with the optimizer's work split: each rank owns a
/// contiguous share of the trainable values (`owned`, about 1/N of them) and
///
/// 1. `reduceOwned`: receives every rank's gradient of its share and sums them in rank order
///    ((rank 0 + rank 1) + rank 2 …: the same bits whatever the transport), with the steps'
///    loss sums, which every rank sums whole;
/// 2. updates its share alone (`Optimizer.step(_:ranges:)`);
/// 3. `shareOwned`: hands its updated values to every other rank.
///
/// Every rank so ends the step with the same values as if each had summed and updated all of
/// them, for 1/N of the summing and optimizer work. Ranks on one machine exchange through
/// shared memory (each writes its slot, a barrier, each reads the others' slots directly);
/// otherwise each slot is published with `allGather`. Buffers are allocated once and reused.
public final class ShardedExchange {
    public let group: DataParallelGroup
    /// Per parameter, this rank's share of its elements (possibly empty).
    public let owned: [Range<Int>]
    /// Per rank and parameter, that rank's share.
    private let shares: [[Range<Int>]]
    private let counts: [Int]
    /// Doubles per gradient slot (loss sums, flags), before the floats.
    private let doubleCapacity: Int
    /// Bytes of one rank's gradient slot (doubles, then every gradient) and of its values slot.
    private let gradientSlot: Int, valueSlot: Int
    /// The slots: `size` gradient slots, then `size` value slots.
    private let memory: UnsafeMutableRawBufferPointer
    private let shared: Bool
    /// Shared memory: which slots the last exchange published (true: gradients).
    private var lastPublished: Bool?

    /// - Parameters:
    ///   - parameters: the trainables, in the order every later call passes them.
    ///   - doubles: at most this many doubles are summed per step.
    public init(group: DataParallelGroup, parameters: [Parameter], doubles: Int) {
        self.group = group
        counts = parameters.map(\.count)
        shares = Self.shares(counts: counts, ranks: group.size)
        owned = shares[group.rank]
        doubleCapacity = doubles
        func aligned(_ n: Int) -> Int { (n + 63) / 64 * 64 }
        gradientSlot = aligned(doubles * 8 + counts.reduce(0, +) * 4)
        valueSlot = aligned(shares.map { $0.reduce(0) { $0 + $1.count } }.max()! * 4)
        let bytes = group.size * (gradientSlot + valueSlot)
        if let memory = group.sharedMemory(bytes: bytes) {
            self.memory = memory
            shared = true
        } else {
            memory = .allocate(byteCount: bytes, alignment: 4096)
            memory.initializeMemory(as: UInt8.self, repeating: 0)  // a transport is slower on fresh memory
            shared = false
        }
    }

    deinit { if !shared { memory.deallocate() } }

    /// Per rank, per parameter: the elements that rank owns. The flat sequence of every
    /// parameter's elements is cut into `ranks` nearly equal runs, each cut moved back to a
    /// multiple of 8 elements from the start of the parameter it falls in, so that a rank's
    /// update of a share runs every element through the same code (vector or scalar) as an
    /// update of the whole parameter: the same bits.
    static func shares(counts: [Int], ranks: Int) -> [[Range<Int>]] {
        let total = counts.reduce(0, +)
        let starts = counts.indices.map { i in counts[..<i].reduce(0, +) }
        let cuts = (0...ranks).map { r -> Int in
            let flat = r * total / ranks
            guard r > 0, r < ranks, let p = counts.indices.last(where: { starts[$0] <= flat }) else { return flat }
            return starts[p] + (flat - starts[p]) / 8 * 8
        }
        return (0..<ranks).map { r in
            counts.indices.map { p in
                let lo = min(max(cuts[r] - starts[p], 0), counts[p]), hi = min(max(cuts[r + 1] - starts[p], 0), counts[p])
                return lo..<max(lo, hi)
            }
        }
    }

    private func gradientSlot(_ r: Int) -> UnsafeMutableRawPointer { memory.baseAddress! + r * gradientSlot }
    private func valueSlot(_ r: Int) -> UnsafeMutableRawPointer { memory.baseAddress! + group.size * gradientSlot + r * valueSlot }

    /// Makes every rank's slot of one kind visible to every rank.
    ///
    /// Shared memory: a rank writes its gradient slot after the barrier of a values exchange (by
    /// then every rank has read the last gradients) and its value slot after the barrier of a
    /// gradient exchange; two exchanges of one kind in a row are separated by a barrier of
    /// their own (`beforeWriting`).
    private func publish(gradients: Bool) {
        if shared { group.barrier(); lastPublished = gradients; return }
        let (start, slot) = gradients ? (0, gradientSlot) : (group.size * gradientSlot, valueSlot)
        group.allGather(UnsafeMutableRawBufferPointer(start: memory.baseAddress! + start, count: slot * group.size))
    }

    /// Shared memory: waits until every rank has read this kind's slots from the last exchange.
    private func beforeWriting(gradients: Bool) {
        if shared && lastPublished == gradients { group.barrier(); lastPublished = nil }
    }

    /// Every parameter's gradient summed over the ranks in rank order, on this rank's share of
    /// the elements (elsewhere the gradients are left as they were), and `doubles` summed whole.
    public func reduceOwned(_ parameters: [Parameter], _ doubles: inout [Double]) {
        precondition(parameters.map(\.count) == counts, "the parameters the exchange was made for")
        precondition(doubles.count <= doubleCapacity, "\(doubles.count) doubles, room for \(doubleCapacity)")
        let n = group.size
        beforeWriting(gradients: true)
        let mine = gradientSlot(group.rank)
        mine.initializeMemory(as: Double.self, repeating: 0, count: doubleCapacity)
        doubles.withUnsafeBytes { mine.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        var offset = doubleCapacity * 8
        for p in parameters {
            p.grad.storage.withUnsafeBytes { (mine + offset).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            offset += p.count * 4
        }
        publish(gradients: true)
        for i in doubles.indices {
            var s = gradientSlot(0).load(fromByteOffset: i * 8, as: Double.self)
            for r in 1..<n { s += gradientSlot(r).load(fromByteOffset: i * 8, as: Double.self) }
            doubles[i] = s
        }
        offset = doubleCapacity * 8
        for (p, share) in zip(parameters, owned) {
            defer { offset += p.count * 4 }
            guard !share.isEmpty else { continue }
            p.grad.storage.withUnsafeMutableBufferPointer { g in
                let first = (gradientSlot(0) + offset).assumingMemoryBound(to: Float.self)
                for i in share { g[i] = first[i] }
                for r in 1..<n {
                    let other = (gradientSlot(r) + offset).assumingMemoryBound(to: Float.self)
                    for i in share { g[i] += other[i] }
                }
            }
        }
    }

    /// Every rank's share of the parameters' values (after it updated them) to every rank.
    public func shareOwned(_ parameters: [Parameter]) {
        precondition(parameters.map(\.count) == counts, "the parameters the exchange was made for")
        shareOwned(count: parameters.count) { p, body in parameters[p].value.storage.withUnsafeMutableBufferPointer(body) }
    }

    /// The optimizer's slot arrays (keys "<parameter>/<kind>", one element per parameter element)
    /// made whole on every rank after sharded steps (each rank updated only its share of them).
    public func shareOwned(slots: inout [String: [Float]], of parameters: [Parameter]) {
        let kinds = Set(slots.keys.compactMap { key in parameters.first { key.hasPrefix("\($0.name)/") }.map { key.dropFirst($0.name.count + 1) } })
        for kind in kinds.sorted() {
            let keys = parameters.map { "\($0.name)/\(kind)" }
            precondition(keys.indices.allSatisfy { slots[keys[$0]]?.count == counts[$0] }, "slot \(kind) for every parameter")
            shareOwned(count: keys.count) { p, body in slots[keys[p]]!.withUnsafeMutableBufferPointer(body) }
        }
    }

    /// `access(p, body)` runs `body` on array p (one per parameter, each with the parameter's count).
    private func shareOwned(count: Int, _ access: (Int, (inout UnsafeMutableBufferPointer<Float>) -> Void) -> Void) {
        beforeWriting(gradients: false)
        let mine = valueSlot(group.rank).assumingMemoryBound(to: Float.self)
        var at = 0
        for p in 0..<count {
            let share = owned[p]
            if !share.isEmpty { access(p) { a in (mine + at).update(from: a.baseAddress! + share.lowerBound, count: share.count) } }
            at += share.count
        }
        publish(gradients: false)
        for r in 0..<group.size where r != group.rank {
            let theirs = valueSlot(r).assumingMemoryBound(to: Float.self)
            at = 0
            for p in 0..<count {
                let share = shares[r][p]
                if !share.isEmpty { access(p) { a in (a.baseAddress! + share.lowerBound).update(from: theirs + at, count: share.count) } }
                at += share.count
            }
        }
    }

    /// Every rank's `value`, in rank order.
    public func gather(_ value: UInt64) -> [UInt64] {
        var all = [UInt64](repeating: 0, count: group.size)
        all[group.rank] = value
        all.withUnsafeMutableBytes { group.allGather($0) }
        return all
    }
}

/// The rows of a global batch of `count` rows that `rank` of `size` computes: a contiguous
/// share, the last ranks one row longer when the batch does not divide evenly.
public func dataParallelShare(count: Int, rank: Int, size: Int) -> Range<Int> {
    (rank * count / size)..<((rank + 1) * count / size)
}
