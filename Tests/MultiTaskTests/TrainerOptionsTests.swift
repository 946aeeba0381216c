import Testing
import NN
import Tensor
@testable import MultiTask

@Suite struct TrainerOptionsTests {
    /// Kendall et al.: at the optimum of L·exp(-s)/2 + s/2, exp(s) = L, so the harder task
    /// (3 classes, higher loss) ends with the larger log-variance.
    @Test func uncertaintyWeightsLearnLargerVarianceForTheHarderTask() throws {
        let train = Fixtures.problem(rows: 400, seed: 1), val = Fixtures.problem(rows: 100, seed: 2)
        let net = HardSharingNetwork(inputs: 5, hidden: [16], dropout: 0, tasks: Fixtures.tasks, seed: 3)
        var settings = Fixtures.settings(epochs: 15)
        settings.weighting = .uncertainty
        let trainer = Trainer(network: net, settings: settings)
        let history = try trainer.fit(train: train, validation: val)
        let s = try #require(trainer.logVariance).value.storage
        #expect(s[0] != 0 && s[1] != 0)
        #expect(s[1] > s[0], "log-variances \(s)")
        let last = history.epochs[history.bestEpoch - 1].taskLosses
        #expect(last[1] > last[0])
    }

    @Test func uncertaintyWeightedTrainingResumesBitForBit() throws {
        let train = Fixtures.problem(rows: 120, seed: 1), val = Fixtures.problem(rows: 40, seed: 2)
        var settings = Fixtures.settings(epochs: 4)
        settings.weighting = .uncertainty
        let full = Trainer(network: HardSharingNetwork(inputs: 5, hidden: [8], dropout: 0.2, tasks: Fixtures.tasks, seed: 5), settings: settings)
        _ = try full.fit(train: train, validation: val)
        struct Stop: Error {}
        var saved: TrainerState?
        let first = Trainer(network: HardSharingNetwork(inputs: 5, hidden: [8], dropout: 0.2, tasks: Fixtures.tasks, seed: 5), settings: settings)
        #expect(throws: Stop.self) {
            _ = try first.fit(train: train, validation: val) { r, state in if r.epoch == 2 { saved = state(); throw Stop() } }
        }
        #expect(try #require(saved).parameters["task_log_variance"] != nil)
        let resumed = Trainer(network: HardSharingNetwork(inputs: 5, hidden: [8], dropout: 0.2, tasks: Fixtures.tasks, seed: 5), settings: settings)
        try resumed.restore(try #require(saved))
        _ = try resumed.fit(train: train, validation: val)
        #expect(Trainer.snapshot(resumed.trainables) == Trainer.snapshot(full.trainables))
    }

    @Test func perTaskBatchingTrainsEveryTask() throws {
        let train = Fixtures.problem(rows: 600, seed: 1), val = Fixtures.problem(rows: 200, seed: 2)
        let net = HardSharingNetwork(inputs: 5, hidden: [32], dropout: 0, tasks: Fixtures.tasks, seed: 3)
        var settings = Fixtures.settings(epochs: 20)
        settings.batching = .perTask(temperature: 2)
        _ = try Trainer(network: net, settings: settings).fit(train: train, validation: val)
        let metrics = try Trainer.validationMetrics(network: net, on: val)
        #expect(metrics[0] > 0.9 && metrics[1] > 0.8, "\(metrics)")
    }

    /// A task whose labels are all missing gets no batches of its own, and its head is untouched.
    @Test func perTaskBatchingNeverUsesRowsWithoutLabelsOrTargets() throws {
        var train = Fixtures.problem(rows: 100, seed: 1)
        train.targets[1] = TaskTargets(labels: .classes([Int32](repeating: -1, count: 100)))
        let net = HardSharingNetwork(inputs: 5, hidden: [8], dropout: 0, tasks: Fixtures.tasks, seed: 3)
        let headBefore = net.heads[1].weight.value
        var settings = Fixtures.settings(epochs: 3)
        settings.batching = .perTask(temperature: 1)
        _ = try Trainer(network: net, settings: settings).fit(train: train, validation: Fixtures.problem(rows: 20, seed: 2))
        #expect(net.heads[1].weight.value == headBefore)
        #expect(net.heads[0].weight.value != HardSharingNetwork(inputs: 5, hidden: [8], dropout: 0, tasks: Fixtures.tasks, seed: 3).heads[0].weight.value)
    }

    @Test func weightDecaySparesParametersThatOptOut() {
        let p = Parameter(name: "p", value: Matrix(rows: 1, cols: 2, storage: [1, 1]))
        let q = Parameter(name: "q", value: Matrix(rows: 1, cols: 2, storage: [1, 1]))
        q.decays = false
        let sgd = SGD(learningRate: 0.1, momentum: 0, weightDecay: 0.5)
        sgd.step([p, q])   // zero gradients: only decay moves p
        #expect(p.value.storage == [0.95, 0.95])
        #expect(q.value.storage == [1, 1])
    }
}
