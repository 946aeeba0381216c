import Foundation
import Testing
import NN
import Tensor
@testable import MultiTask

@Suite struct TrainerTests {
    @Test func hardSharingStudentLearnsBothTasks() throws {
        let train = Fixtures.problem(rows: 600, seed: 1), val = Fixtures.problem(rows: 200, seed: 2)
        let net = HardSharingNetwork(inputs: 5, hidden: [32], dropout: 0.1, tasks: Fixtures.tasks, seed: 3)
        let history = try Trainer(network: net, settings: Fixtures.settings(epochs: 25)).fit(train: train, validation: val)
        let metrics = try Trainer.validationMetrics(network: net, on: val)
        #expect(metrics[0] > 0.93, "task a accuracy \(metrics[0])")
        #expect(metrics[1] > 0.85, "task b accuracy \(metrics[1])")
        #expect(history.epochs.count == 25)
        #expect(history.epochs.last!.trainLoss < history.epochs.first!.trainLoss)
        // Selected by validation loss (the default); ties would keep the later epoch.
        let losses = history.epochs.map(\.validationLoss)
        #expect(history.bestEpoch == losses.indices.last { losses[$0] == losses.min() }! + 1)
    }

    @Test func networkEndsWithTheBestEpochsWeights() throws {
        let train = Fixtures.problem(rows: 200, seed: 1), val = Fixtures.problem(rows: 100, seed: 2)
        let net = HardSharingNetwork(inputs: 5, hidden: [8], dropout: 0, tasks: Fixtures.tasks, seed: 3)
        var snapshots: [[String: [Float]]] = []
        let history = try Trainer(network: net, settings: Fixtures.settings(epochs: 6)).fit(train: train, validation: val) { _, state in
            snapshots.append(state().parameters)
        }
        #expect(Trainer.snapshot(net.parameters) == snapshots[history.bestEpoch - 1])
    }

    @Test func sameSeedGivesIdenticalWeights() throws {
        func run(_ seed: UInt64) throws -> [String: [Float]] {
            let net = HardSharingNetwork(inputs: 5, hidden: [16], dropout: 0.2, tasks: Fixtures.tasks, seed: seed)
            _ = try Trainer(network: net, settings: Fixtures.settings(epochs: 3, seed: seed))
                .fit(train: Fixtures.problem(rows: 100, seed: 1), validation: Fixtures.problem(rows: 50, seed: 2))
            return Trainer.snapshot(net.parameters)
        }
        #expect(try run(7) == run(7))
        #expect(try run(7) != run(8))
    }

    @Test func resumedTrainingMatchesUninterruptedTrainingBitForBit() throws {
        let train = Fixtures.problem(rows: 150, seed: 1), val = Fixtures.problem(rows: 50, seed: 2)
        let full = HardSharingNetwork(inputs: 5, hidden: [16], dropout: 0.2, tasks: Fixtures.tasks, seed: 5)
        let fullHistory = try Trainer(network: full, settings: Fixtures.settings(epochs: 5)).fit(train: train, validation: val)

        // Interrupted after epoch 2 (the checkpoint callback throws), then resumed in a new trainer.
        struct Stop: Error {}
        var saved: TrainerState?
        let first = HardSharingNetwork(inputs: 5, hidden: [16], dropout: 0.2, tasks: Fixtures.tasks, seed: 5)
        #expect(throws: Stop.self) {
            _ = try Trainer(network: first, settings: Fixtures.settings(epochs: 5)).fit(train: train, validation: val) { record, state in
                if record.epoch == 2 { saved = state(); throw Stop() }
            }
        }
        let resumed = HardSharingNetwork(inputs: 5, hidden: [16], dropout: 0.2, tasks: Fixtures.tasks, seed: 5)
        let trainer = Trainer(network: resumed, settings: Fixtures.settings(epochs: 5))
        try trainer.restore(try #require(saved))
        let resumedHistory = try trainer.fit(train: train, validation: val)
        #expect(Trainer.snapshot(resumed.parameters) == Trainer.snapshot(full.parameters))
        #expect(resumedHistory.bestEpoch == fullHistory.bestEpoch)
        #expect(resumedHistory.epochs.map(\.trainLoss) == fullHistory.epochs.map(\.trainLoss))
    }

    @Test func softTargetsTeachRowsThatHaveNoLabels() throws {
        // Task b's labels are all missing; its soft targets are the true classes (one-hot, smoothed).
        let train = Fixtures.problem(rows: 600, seed: 1), val = Fixtures.problem(rows: 200, seed: 2)
        var soft = Matrix(rows: 600, cols: 3, repeating: 0.05)
        let x = train.x
        for r in 0..<600 {
            let m = [x[r, 2], x[r, 3], x[r, 4]]
            soft[r, m.firstIndex(of: m.max()!)!] = 0.9
        }
        var targets = train.targets
        targets[1] = TaskTargets(labels: .classes([Int32](repeating: -1, count: 600)), soft: soft)
        let net = HardSharingNetwork(inputs: 5, hidden: [32], dropout: 0, tasks: Fixtures.tasks, seed: 3)
        var settings = Fixtures.settings(epochs: 25)
        settings.alpha = 1
        _ = try Trainer(network: net, settings: settings).fit(train: LabelledSet(x: train.x, targets: targets), validation: val)
        let metrics = try Trainer.validationMetrics(network: net, on: val)
        #expect(metrics[1] > 0.85, "task b accuracy from soft targets only: \(metrics[1])")
    }
}

@Suite struct NetworkTests {
    /// Finite differences through the whole multi-task network (trunk gradients summed from every head).
    @Test func hardSharingGradientsMatchFiniteDifferences() {
        var rng = RNG(seed: 1)
        let net = HardSharingNetwork(inputs: 4, hidden: [5, 3], dropout: 0, tasks: Fixtures.tasks, seed: 2)
        var x = Matrix(rows: 3, cols: 4)
        for i in 0..<x.count { x.storage[i] = rng.uniform(-1, 1) }
        let r = Fixtures.tasks.map { t -> Matrix in
            var m = Matrix(rows: 3, cols: t.outputs)
            for i in 0..<m.count { m.storage[i] = rng.uniform(-1, 1) }
            return m
        }
        func loss() -> Double {
            let y = net.forward(x, training: true)
            var s = 0.0
            for t in y.indices { for i in 0..<y[t].count { s += Double(y[t].storage[i]) * Double(r[t].storage[i]) } }
            return s
        }
        _ = net.forward(x, training: true)
        net.parameters.zeroGrads()
        net.backward(r)
        let eps: Float = 1e-2
        var worst: Float = 0
        for p in net.parameters {
            let g = p.grad
            for i in 0..<p.count {
                let v = p.value.storage[i]
                p.value.storage[i] = v + eps; let lp = loss()
                p.value.storage[i] = v - eps; let lm = loss()
                p.value.storage[i] = v
                let n = Float((lp - lm) / Double(2 * eps))
                worst = max(worst, abs(n - g.storage[i]) / max(abs(n), abs(g.storage[i]), 1e-2))
            }
        }
        #expect(worst < 1e-2, "max relative error \(worst)")
    }

    @Test func predictInBatchesEqualsOneForwardPass() {
        let net = HardSharingNetwork(inputs: 5, hidden: [8], dropout: 0.5, tasks: Fixtures.tasks, seed: 2)
        let x = Fixtures.problem(rows: 37, seed: 4).x
        let batched = net.predict(x, batchSize: 10)
        let whole = net.forward(x, training: false)
        #expect(batched == whole)
    }
}

@Suite struct EnsembleTests {
    let z1 = Matrix(rows: 1, cols: 2, storage: [0, 2])

    @Test func meanProbsAveragesTheMembersSoftmax() {
        let p = Ensemble.probabilities(memberLogits: [z1, Matrix(rows: 1, cols: 2, storage: [1, 0])], combine: .meanProbs, temperature: 1)
        // softmax([1,0]) = [0.7311, 0.2689] → mean with [0.1192, 0.8808] = [0.425131, 0.574869]
        #expect(abs(p[0, 0] - 0.425131) < 1e-5)
        #expect(abs(p[0, 1] - 0.574869) < 1e-5)
    }

    @Test func meanLogitsTakesTheSoftmaxOfTheMeanLogitAtTheTemperature() {
        // mean logits [0.5, 1]; at T = 2: softmax([0.25, 0.5]) = [0.437823, 0.562177]
        let p = Ensemble.probabilities(memberLogits: [z1, Matrix(rows: 1, cols: 2, storage: [1, 0])], combine: .meanLogits, temperature: 2)
        #expect(abs(p[0, 0] - 0.437823) < 1e-5)
        #expect(abs(p[0, 1] - 0.562177) < 1e-5)
    }

    @Test func higherTemperatureGivesSofterTargets() {
        let cold = Ensemble.probabilities(memberLogits: [z1], combine: .meanProbs, temperature: 1)
        let hot = Ensemble.probabilities(memberLogits: [z1], combine: .meanProbs, temperature: 4)
        #expect(hot[0, 1] < cold[0, 1])
        #expect(hot[0, 1] > 0.5)
    }
}

@Suite struct ModelSelectionTests {
    @Test func patienceStopsTrainingAfterThatManyEpochsWithoutABetterValidationLoss() throws {
        let train = Fixtures.problem(rows: 200, seed: 1), val = Fixtures.problem(rows: 100, seed: 2)
        let net = HardSharingNetwork(inputs: 5, hidden: [16], dropout: 0, tasks: Fixtures.tasks, seed: 3)
        var settings = Fixtures.settings(epochs: 200)
        settings.learningRate = 0.05
        settings.patience = 3
        let history = try Trainer(network: net, settings: settings).fit(train: train, validation: val)
        let ran = history.epochs.count
        #expect(ran < 200)
        #expect(ran - history.bestEpoch == 3)
        let losses = history.epochs.map(\.validationLoss)
        #expect(losses[history.bestEpoch - 1] == losses.min())
    }

    @Test func selectingByMetricKeepsTheLaterEpochOnTies() throws {
        let train = Fixtures.problem(rows: 200, seed: 1), val = Fixtures.problem(rows: 100, seed: 2)
        let net = HardSharingNetwork(inputs: 5, hidden: [16], dropout: 0, tasks: Fixtures.tasks, seed: 3)
        var settings = Fixtures.settings(epochs: 30)
        settings.selectBy = .metric
        let history = try Trainer(network: net, settings: settings).fit(train: train, validation: val)
        let scores = history.epochs.map(\.validationScore)
        let best = scores.max()!
        #expect(history.bestEpoch == scores.lastIndex(of: best)! + 1)
        #expect(scores.filter { $0 == best }.count >= 1)
    }

    @Test func theValidationLossIsTheMeanOverTasksOfTheHardLoss() throws {
        let val = Fixtures.problem(rows: 50, seed: 2)
        let net = HardSharingNetwork(inputs: 5, hidden: [8], dropout: 0, tasks: Fixtures.tasks, seed: 3)
        let (_, loss) = try Trainer.validate(network: net, on: val)
        // Independent: softmax cross-entropy per task from the network's outputs.
        let outputs = net.predict(val.x)
        var perTask: [Double] = []
        for t in Fixtures.tasks.indices {
            guard case .classes(let y) = val.targets[t].labels else { continue }
            var sum = 0.0, n = 0
            for r in 0..<outputs[t].rows where y[r] >= 0 {
                let z = (0..<outputs[t].cols).map { Double(outputs[t][r, $0]) }
                sum += Foundation.log(z.map { Foundation.exp($0) }.reduce(0, +)) - z[Int(y[r])]
                n += 1
            }
            perTask.append(sum / Double(n))
        }
        #expect(abs(loss - perTask.reduce(0, +) / Double(perTask.count)) < 1e-9)
    }
}
