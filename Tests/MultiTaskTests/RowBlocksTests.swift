import Testing
import NN
import Tensor
@testable import MultiTask

/// An in-memory set served in blocks of `blockRows`, as the pipeline streams from HDF5.
struct BlockedSet: RowBlocks {
    let data: LabelledSet
    let blockRows: Int
    var count: Int { data.count }
    func block(_ index: Int) throws -> LabelledSet {
        let r = range(ofBlock: index)
        return LabelledSet(x: data.x.rows(r), targets: data.targets.map { t in
            switch t.labels {
            case .classes(let c): return TaskTargets(labels: .classes(Array(c[r])), soft: t.soft.map { $0.rows(r) })
            case .values(let v): return TaskTargets(labels: .values(Array(v[r])), soft: t.soft.map { $0.rows(r) })
            }
        })
    }
}

@Suite struct RowBlocksTests {
    @Test func trainingFromBlocksLearnsAndValidatesOverEveryBlock() throws {
        let train = BlockedSet(data: Fixtures.problem(rows: 600, seed: 1), blockRows: 128)
        let val = BlockedSet(data: Fixtures.problem(rows: 200, seed: 2), blockRows: 64)
        #expect(train.blockCount == 5 && val.blockCount == 4)
        let net = HardSharingNetwork(inputs: 5, hidden: [32], dropout: 0.1, tasks: Fixtures.tasks, seed: 3)
        _ = try Trainer(network: net, settings: Fixtures.settings(epochs: 20)).fit(train: train, validation: val)
        let blocked = try Trainer.validationMetrics(network: net, on: val)
        #expect(blocked == (try Trainer.validationMetrics(network: net, on: val.data)))
        #expect(blocked[0] > 0.9 && blocked[1] > 0.8, "\(blocked)")
    }

    @Test func oneBlockTrainsExactlyLikeTheInMemorySet() throws {
        let set = Fixtures.problem(rows: 100, seed: 1), val = Fixtures.problem(rows: 30, seed: 2)
        let a = HardSharingNetwork(inputs: 5, hidden: [8], dropout: 0.2, tasks: Fixtures.tasks, seed: 3)
        let b = HardSharingNetwork(inputs: 5, hidden: [8], dropout: 0.2, tasks: Fixtures.tasks, seed: 3)
        _ = try Trainer(network: a, settings: Fixtures.settings(epochs: 3)).fit(train: set, validation: val)
        _ = try Trainer(network: b, settings: Fixtures.settings(epochs: 3)).fit(train: BlockedSet(data: set, blockRows: 1000), validation: val)
        #expect(Trainer.snapshot(a.parameters) == Trainer.snapshot(b.parameters))
    }

    @Test func blockTrainingResumesBitForBit() throws {
        let train = BlockedSet(data: Fixtures.problem(rows: 300, seed: 1), blockRows: 70)
        let val = BlockedSet(data: Fixtures.problem(rows: 60, seed: 2), blockRows: 25)
        let full = HardSharingNetwork(inputs: 5, hidden: [8], dropout: 0.2, tasks: Fixtures.tasks, seed: 5)
        _ = try Trainer(network: full, settings: Fixtures.settings(epochs: 4)).fit(train: train, validation: val)
        struct Stop: Error {}
        var saved: TrainerState?
        let first = HardSharingNetwork(inputs: 5, hidden: [8], dropout: 0.2, tasks: Fixtures.tasks, seed: 5)
        #expect(throws: Stop.self) {
            _ = try Trainer(network: first, settings: Fixtures.settings(epochs: 4)).fit(train: train, validation: val) { r, s in
                if r.epoch == 2 { saved = s(); throw Stop() }
            }
        }
        let resumed = HardSharingNetwork(inputs: 5, hidden: [8], dropout: 0.2, tasks: Fixtures.tasks, seed: 5)
        let trainer = Trainer(network: resumed, settings: Fixtures.settings(epochs: 4))
        try trainer.restore(try #require(saved))
        _ = try trainer.fit(train: train, validation: val)
        #expect(Trainer.snapshot(resumed.parameters) == Trainer.snapshot(full.parameters))
    }
}
