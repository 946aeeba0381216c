import Foundation
import Testing
import NN
import Tensor
@testable import MultiTask

/// Ranks as threads of one process: `allGather` meets at a barrier (the MPI ranks of
/// `mpirun` are tested end to end in PipelineTests/Run/MPIRunTests). With `sharesMemory`, the
/// ranks exchange through one buffer (as MPI ranks on one machine do), else by `allGather` alone.
final class ThreadRanks: @unchecked Sendable {
    let size: Int
    let sharesMemory: Bool
    private let condition = NSCondition()
    private var slots: [[UInt8]]
    private var arrived = 0, generation = 0
    private var gathered: [UInt8] = []
    private var memory = UnsafeMutableRawBufferPointer(start: nil, count: 0)

    init(size: Int, sharesMemory: Bool = true) {
        self.size = size; self.sharesMemory = sharesMemory; slots = Array(repeating: [], count: size)
    }
    deinit { memory.deallocate() }

    func sharedMemory(rank: Int, bytes: Int) -> UnsafeMutableRawBufferPointer? {
        guard sharesMemory else { return nil }
        _ = gather(rank: rank, [])
        if rank == 0 && memory.count < bytes {
            memory.deallocate()
            memory = .allocate(byteCount: bytes, alignment: 64)
            memory.initializeMemory(as: UInt8.self, repeating: 0)
        }
        _ = gather(rank: rank, [])
        return condition.withLock { memory }
    }

    func gather(rank: Int, _ local: [UInt8]) -> [UInt8] {
        condition.lock()
        defer { condition.unlock() }
        let mine = generation
        slots[rank] = local
        arrived += 1
        if arrived == size {
            gathered = slots.flatMap { $0 }
            arrived = 0
            generation += 1
            condition.broadcast()
        } else {
            while generation == mine { condition.wait() }
        }
        return gathered
    }

    final class Rank: DataParallelGroup {
        let ranks: ThreadRanks
        let rank: Int
        var size: Int { ranks.size }
        init(_ ranks: ThreadRanks, _ rank: Int) { self.ranks = ranks; self.rank = rank }
        func allGather(_ all: UnsafeMutableRawBufferPointer) {
            let slot = all.count / size
            let out = ranks.gather(rank: rank, Array(all[(rank * slot)..<((rank + 1) * slot)]))
            all.copyBytes(from: out)
        }
        func sharedMemory(bytes: Int) -> UnsafeMutableRawBufferPointer? { ranks.sharedMemory(rank: rank, bytes: bytes) }
        func barrier() { _ = ranks.gather(rank: rank, []) }
    }

    /// Runs `body(rank)` on `size` threads at once; results in rank order.
    func run<T>(_ body: @escaping (Rank) throws -> T) -> [Result<T, Error>] {
        let results = ThreadResults<T>(size)
        let threads = (0..<size).map { r in
            Thread {
                let result = Result { try body(Rank(self, r)) }
                results.lock.withLock { results.values[r] = result }
            }
        }
        threads.forEach { $0.stackSize = 8 << 20; $0.start() }
        while results.lock.withLock({ results.values.contains { $0 == nil } }) { usleep(1000) }
        return results.values.map { $0! }
    }
}

/// What each rank's thread returned.
final class ThreadResults<T>: @unchecked Sendable {
    let lock = NSLock()
    var values: [Result<T, Error>?]
    init(_ n: Int) { values = Array(repeating: nil, count: n) }
}

@Suite struct DataParallelTests {
    /// 151 rows (not a multiple of the ranks); task b has missing labels; task a has soft targets.
    static func problem(rows: Int = 151) -> LabelledSet {
        var set = Fixtures.problem(rows: rows, seed: 11)
        var rng = RNG(seed: 12)
        var q = Matrix(rows: rows, cols: 2)
        for r in 0..<rows { let p = rng.uniform(0.05, 0.95); q[r, 0] = p; q[r, 1] = 1 - p }
        set.targets[0].soft = q
        return set
    }

    static func network(_ architecture: String, dropout: Float = 0.3) -> MultiTaskNetwork {
        architecture == "soft-sharing"
            ? SoftSharingNetwork(inputs: 5, hidden: [12, 8], dropout: dropout, tasks: Fixtures.tasks, lambda: 0.01, seed: 9)
            : HardSharingNetwork(inputs: 5, hidden: [12, 8], dropout: dropout, tasks: Fixtures.tasks, seed: 9)
    }

    /// One SGD step (learning rate 1, no momentum) over the whole set as one batch: the weights'
    /// change is minus the gradient.
    static func gradient(_ architecture: String, group: DataParallelGroup?) throws -> [String: [Float]] {
        let net = network(architecture)
        let before = Trainer.snapshot(net.parameters)
        var settings = TrainerSettings(epochs: 1, batchSize: 1000, learningRate: 1, optimizer: .sgd, momentum: 0,
                                       alpha: 0.6, temperature: 2, taskWeights: [1, 0.5], seed: 4, weighting: .uncertainty)
        settings.selectBy = .metric
        let trainer = Trainer(network: net, settings: settings, group: group)
        _ = try trainer.fit(train: problem(), validation: Fixtures.problem(rows: 20, seed: 3))
        let after = Trainer.snapshot(net.parameters)
        return before.mapValues { _ in [] }.merging(before.map { ($0.key, zip($0.value, after[$0.key]!).map { $0 - $1 }) }) { $1 }
    }

    @Test(arguments: ["hard-sharing", "soft-sharing"])
    func gradientSummedOverTwoRanksEqualsTheWholeBatchGradient(_ architecture: String) throws {
        let whole = try Self.gradient(architecture, group: nil)
        let ranks = ThreadRanks(size: 2).run { try Self.gradient(architecture, group: $0) }
        let perRank = try ranks.map { try $0.get() }
        #expect(perRank[0] == perRank[1], "every rank takes the same step")
        var worst = 0.0
        for (name, g) in whole {
            let scale = max(g.map { abs(Double($0)) }.max()!, 1e-3)
            for (a, b) in zip(g, perRank[0][name]!) { worst = max(worst, abs(Double(a) - Double(b)) / scale) }
        }
        #expect(worst < 1e-5, "max difference relative to the largest gradient entry: \(worst)")
    }

    static func train(group: DataParallelGroup?, epochs: Int = 8, shouldStop: @escaping () -> Bool = { false }) throws
        -> ([String: [Float]], TrainingHistory) {
        let net = network("hard-sharing", dropout: 0.2)
        let settings = TrainerSettings(epochs: epochs, batchSize: 16, learningRate: 0.01, alpha: 0.5, taskWeights: [1, 1], seed: 6)
        let history = try Trainer(network: net, settings: settings, group: group)
            .fit(train: problem(rows: 400), validation: Fixtures.problem(rows: 200, seed: 2), shouldStop: shouldStop)
        return (Trainer.snapshot(net.parameters), history)
    }

    @Test func ranksHoldIdenticalWeightsAndTwoRunsAreIdentical() throws {
        let first = try ThreadRanks(size: 2).run { try Self.train(group: $0) }.map { try $0.get() }
        let second = try ThreadRanks(size: 2).run { try Self.train(group: $0) }.map { try $0.get() }
        #expect(first[0].0 == first[1].0)
        #expect(first[0].1.epochs.map(\.trainLoss) == second[0].1.epochs.map(\.trainLoss))
        #expect(first[0].1.epochs.map(\.trainLoss) == first[1].1.epochs.map(\.trainLoss))
        #expect(first[0].0 == second[0].0)
        #expect(first[0].0 == second[1].0)
    }

    @Test func twoRanksLearnAsOneRankDoes() throws {
        let (_, one) = try Self.train(group: nil, epochs: 15)
        let two = try ThreadRanks(size: 2).run { try Self.train(group: $0, epochs: 15) }.map { try $0.get() }
        let (a, b) = (one.epochs.last!, two[0].1.epochs.last!)
        // The same batches, dropout masks and steps; only the order of float sums differs, so
        // the curves stay close (a loose bound: 15 epochs of Adam amplify last-bit differences).
        #expect(abs(a.trainLoss - b.trainLoss) < 0.02 * a.trainLoss, "train loss \(a.trainLoss) vs \(b.trainLoss)")
        for t in 0..<2 {
            #expect(abs(a.validationMetrics[t] - b.validationMetrics[t]) < 0.03, "task \(t): \(a.validationMetrics[t]) vs \(b.validationMetrics[t])")
        }
        #expect(b.trainLoss < two[0].1.epochs.first!.trainLoss)
    }

    @Test func aStopOnOneRankStopsEveryRankAtTheSameBatch() throws {
        // Rank 1 alone asks to stop at its 30th batch (in epoch 2); rank 0 never does.
        let results = ThreadRanks(size: 2).run { rank -> ([String: [Float]], TrainingHistory) in
            var asked = 0
            return try Self.train(group: rank, epochs: 5) { asked += 1; return rank.rank == 1 && asked >= 30 }
        }
        for r in results {
            #expect(throws: TrainerError.interrupted(epoch: 2)) { try r.get() }
        }
    }

    @Test func ranksThatStartFromDifferentWeightsFailAlike() throws {
        // Rank 1 starts from other weights (another seed), which the design rules out.
        let results = ThreadRanks(size: 2).run { rank -> TrainingHistory in
            let net = HardSharingNetwork(inputs: 5, hidden: [8], dropout: 0, tasks: Fixtures.tasks, seed: rank.rank == 0 ? 9 : 10)
            return try Trainer(network: net, settings: Fixtures.settings(epochs: 1), group: rank)
                .fit(train: Self.problem(), validation: Fixtures.problem(rows: 20, seed: 3))
        }
        for r in results {
            #expect(throws: TrainerError.ranksDisagree(rank: 1)) { try r.get() }
        }
        #expect(TrainerError.ranksDisagree(rank: 1).description
                == "rank 1 holds weights that differ from rank 0's (every rank must build the same network from the same seed and checkpoint)")
    }

    @Test func bothTransportsAndAnyRankCountGiveEveryRankTheSameWeights() throws {
        let shared = try ThreadRanks(size: 2).run { try Self.train(group: $0, epochs: 3) }.map { try $0.get().0 }
        let gathered = try ThreadRanks(size: 2, sharesMemory: false).run { try Self.train(group: $0, epochs: 3) }.map { try $0.get().0 }
        #expect(shared[0] == gathered[0], "shared memory and allGather sum the same values in the same order")
        #expect(shared[1] == gathered[1])
        let three = try ThreadRanks(size: 3).run { try Self.train(group: $0, epochs: 3) }.map { try $0.get().0 }
        #expect(three[0] == three[1] && three[1] == three[2])
    }

    @Test func sharesCoverEveryElementOnceCutAtMultiplesOfEightInTheirParameter() {
        let counts = [35, 3, 200, 17, 1]
        for ranks in [1, 2, 3, 5] {
            let shares = ShardedExchange.shares(counts: counts, ranks: ranks)
            for (p, count) in counts.enumerated() {
                let parts = shares.map { $0[p] }.filter { !$0.isEmpty }
                #expect(parts.reduce(0) { $0 + $1.count } == count, "\(ranks) ranks, parameter \(p)")
                #expect(zip(parts, parts.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
                #expect(parts.dropFirst().allSatisfy { $0.lowerBound % 8 == 0 })
            }
            let sizes = shares.map { $0.reduce(0) { $0 + $1.count } }
            #expect(sizes.max()! - sizes.min()! <= 8 * 2, "\(ranks) ranks: \(sizes)")
        }
    }

    /// An update of a parameter in the shares `ShardedExchange` cuts (at multiples of 8, the
    /// vector width of the kernels) gives every element the bits of an update of the whole.
    @Test(arguments: ["adam", "sgd"])
    func anUpdateInSharesEqualsTheWholeUpdateBitForBit(_ kind: String) {
        func parameters() -> [Parameter] {
            var rng = RNG(seed: 3)
            return [203, 13, 64].enumerated().map { i, n in
                let p = Parameter(name: "p\(i)", value: Matrix(rows: 1, cols: n))
                for k in 0..<n { p.value.storage[k] = rng.uniform(-1, 1); p.grad.storage[k] = rng.uniform(-1, 1) }
                p.decays = i != 1
                return p
            }
        }
        func optimizer() -> Optimizer {
            kind == "adam" ? Adam(learningRate: 0.01, weightDecay: 0.1) : SGD(learningRate: 0.01, momentum: 0.9, weightDecay: 0.1)
        }
        let whole = parameters(), parts = parameters()
        let shares = ShardedExchange.shares(counts: whole.map(\.count), ranks: 3)
        let a = optimizer(), ranks = shares.map { _ in optimizer() }  // one optimizer per rank
        for _ in 0..<3 {
            a.step(whole)
            for (b, share) in zip(ranks, shares) { b.step(parts, ranges: share) }
        }
        #expect(whole.map(\.value.storage) == parts.map(\.value.storage))
    }

    /// Each rank computes the outputs of its share of the rows; all compute the figures from the
    /// gathered outputs: those of one process (up to the last bits of the products).
    @Test func validationSharedByRanksGivesTheFiguresOfOneProcess() throws {
        let net = Self.network("hard-sharing")
        let val = Self.problem(rows: 37)
        let one = try Trainer.validate(network: net, on: val, alpha: 0.6, temperature: 2)
        for size in [2, 3] {
            let ranks = try ThreadRanks(size: size).run { rank in
                try Trainer.validate(network: Self.network("hard-sharing"), on: val, group: rank, alpha: 0.6, temperature: 2)
            }.map { try $0.get() }
            for r in ranks {
                #expect(r.metrics == ranks[0].metrics && r.loss == ranks[0].loss, "every rank the same figures")
                #expect(abs(r.loss - one.loss) < 1e-9 * max(1, abs(one.loss)), "\(size) ranks: loss \(r.loss) vs \(one.loss)")
                for t in 0..<2 { #expect(abs(r.metrics[t] - one.metrics[t]) < 1e-9, "\(size) ranks, task \(t)") }
            }
        }
    }

    @Test func shareSplitsABatchIntoContiguousNearlyEqualParts() {
        #expect((0..<3).map { dataParallelShare(count: 7, rank: $0, size: 3) } == [0..<2, 2..<4, 4..<7])
        #expect((0..<2).map { dataParallelShare(count: 1, rank: $0, size: 2) } == [0..<0, 0..<1])
    }
}
