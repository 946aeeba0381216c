import Foundation
import Testing
import NN
import Tensor
@testable import MultiTask

@Suite struct SoftSharingTests {
    /// Sets the hidden weights of column t, layer ℓ to `values` (row-major).
    static func set(_ net: SoftSharingNetwork, column t: Int, layer l: Int, _ values: [Float]) {
        net.hiddenLayers[t][l].weight.value.storage = values
    }

    @Test func penaltyEqualsTheHandComputedSumOverLayersAndPairs() {
        // T = 3, inputs 1, hidden [2, 1]: W⁰ is (1, 2), W¹ is (2, 1).
        let net = SoftSharingNetwork(inputs: 1, hidden: [2, 1], dropout: 0, tasks: Fixtures.threeTasks, lambda: 0.25, seed: 1)
        Self.set(net, column: 0, layer: 0, [1, 2]); Self.set(net, column: 1, layer: 0, [0, 0]); Self.set(net, column: 2, layer: 0, [3, -1])
        Self.set(net, column: 0, layer: 1, [1, 0]); Self.set(net, column: 1, layer: 1, [0, 1]); Self.set(net, column: 2, layer: 1, [1, 1])
        // layer 0: ‖a−b‖² = 1+4 = 5, ‖a−c‖² = 4+9 = 13, ‖b−c‖² = 9+1 = 10 → 28
        // layer 1: 1+1 = 2, 0+1 = 1, 1+0 = 1 → 4;   λ·32 = 8
        #expect(abs(net.columnDistance() - 32) < 1e-9)
        #expect(abs(net.penaltyValue() - 8) < 1e-9)
        net.parameters.zeroGrads()
        #expect(abs(net.addPenalty() - 8) < 1e-9)
        // ∂/∂W_a = 2λ·Σ_{b≠a}(W_a − W_b): layer 0, column a: 0.5·((1,2) + (−2,3)) = (−0.5, 2.5)
        func close(_ p: Parameter, _ expected: [Float]) -> Bool {
            zip(p.grad.storage, expected).allSatisfy { abs($0 - $1) < 1e-6 }
        }
        #expect(close(net.hiddenLayers[0][0].weight, [-0.5, 2.5]))
        #expect(close(net.hiddenLayers[1][0].weight, [-2, -0.5]))   // 0.5·((−1,−2) + (−3,1))
        #expect(close(net.hiddenLayers[2][0].weight, [2.5, -2]))    // 0.5·((2,−3) + (3,−1))
        #expect(close(net.hiddenLayers[0][1].weight, [0.5, -1]))    // 0.5·((1,−1) + (0,−1))
        #expect(close(net.hiddenLayers[2][1].weight, [0.5, 0.5]))   // 0.5·((0,1) + (1,0))
        // biases and heads are not coupled
        for p in net.parameters where !p.name.hasSuffix(".weight") || p.name.hasPrefix("head.") {
            #expect(p.grad.storage.allSatisfy { $0 == 0 }, "\(p.name) got a penalty gradient")
        }
    }

    @Test func lambdaZeroGivesNoPenaltyAndNoGradient() {
        let net = SoftSharingNetwork(inputs: 4, hidden: [5, 3], dropout: 0, tasks: Fixtures.threeTasks, lambda: 0, seed: 2)
        #expect(net.columnDistance() > 0)
        #expect(net.penaltyValue() == 0)
        net.parameters.zeroGrads()
        #expect(net.addPenalty() == 0)
        for p in net.parameters { #expect(p.grad.storage.allSatisfy { $0 == 0 }, "\(p.name)") }
    }

    @Test func singleTaskHasNoPenalty() {
        let net = SoftSharingNetwork(inputs: 4, hidden: [5], dropout: 0, tasks: [Fixtures.tasks[0]], lambda: 1, seed: 2)
        net.parameters.zeroGrads()
        #expect(net.columnDistance() == 0 && net.penaltyValue() == 0 && net.addPenalty() == 0)
        for p in net.parameters { #expect(p.grad.storage.allSatisfy { $0 == 0 }) }
    }

    @Test func penaltyGradientMatchesFiniteDifferencesForEveryWeight() {
        let net = SoftSharingNetwork(inputs: 4, hidden: [5, 3], dropout: 0, tasks: Fixtures.threeTasks, lambda: 0.3, seed: 3)
        net.parameters.zeroGrads()
        _ = net.addPenalty()
        let eps = NetworkFiniteDifferences.epsilon
        var worst: Float = 0, name = "", checked = 0
        for p in net.parameters {
            let g = p.grad
            for i in 0..<p.count {
                let v = p.value.storage[i]
                p.value.storage[i] = v + eps; let lp = net.penaltyValue()
                p.value.storage[i] = v - eps; let lm = net.penaltyValue()
                p.value.storage[i] = v
                let e = NetworkFiniteDifferences.relativeError(g.storage[i], Float((lp - lm) / Double(2 * eps)))
                if e > worst { worst = e; name = p.name }
                checked += 1
            }
        }
        #expect(checked == net.parameterCount)
        #expect(worst < 1e-3, "max relative error \(worst) in \(name)")
    }

    @Test func networkAndPenaltyGradientsMatchFiniteDifferences() {
        var rng = RNG(seed: 6)
        let net = SoftSharingNetwork(inputs: 4, hidden: [5, 4], dropout: 0.2, tasks: Fixtures.threeTasks, lambda: 0.2, seed: 7)
        let x = NetworkFiniteDifferences.randomMatrix(3, 4, &rng)
        let result = NetworkFiniteDifferences.maxError(net, x: x, rng: &rng, penalty: { net.penaltyValue() })
        #expect(result.checked == net.parameterCount)
        #expect(result.error < 2e-3, "\(result)")
    }

    @Test func parametersHaveUniqueColumnAndHeadNames() {
        let net = SoftSharingNetwork(inputs: 3, hidden: [4], dropout: 0.1, tasks: Fixtures.tasks, seed: 1)
        #expect(net.parameters.map(\.name) == ["column.a.0.weight", "column.a.0.bias", "column.b.0.weight", "column.b.0.bias",
                                               "head.a.weight", "head.a.bias", "head.b.weight", "head.b.bias"])
        #expect(net.lambda == SoftSharingNetwork.defaultLambda)
    }

    @Test func penaltyPullsTheColumnsTogetherDuringTraining() throws {
        let train = Fixtures.problem(rows: 600, seed: 1), val = Fixtures.problem(rows: 200, seed: 2)
        let initial = SoftSharingNetwork(inputs: 5, hidden: [32], dropout: 0.1, tasks: Fixtures.tasks, seed: 3).columnDistance()
        var distances: [Double] = []
        for lambda: Float in [0, 1e-3, 1e-2] {
            let net = SoftSharingNetwork(inputs: 5, hidden: [32], dropout: 0.1, tasks: Fixtures.tasks, lambda: lambda, seed: 3)
            #expect(net.columnDistance() == initial)
            _ = try Trainer(network: net, settings: Fixtures.settings(epochs: 25)).fit(train: train, validation: val)
            let metrics = try Trainer.validationMetrics(network: net, on: val)
            #expect(metrics[0] > 0.93, "λ = \(lambda): task a accuracy \(metrics[0])")
            #expect(metrics[1] > 0.85, "λ = \(lambda): task b accuracy \(metrics[1])")
            distances.append(net.columnDistance())
        }
        // λ = 0 lets the columns drift apart; each tenfold λ at least halves their distance,
        // and λ = 1e-2 ties them closer than they started.
        #expect(distances[1] < 0.5 * distances[0], "distances for λ = 0, 1e-3, 1e-2: \(distances) (initial \(initial))")
        #expect(distances[2] < 0.5 * distances[1], "distances for λ = 0, 1e-3, 1e-2: \(distances) (initial \(initial))")
        #expect(distances[2] < initial, "distances for λ = 0, 1e-3, 1e-2: \(distances) (initial \(initial))")
    }

    @Test func predictInBatchesEqualsOneForwardPassWithoutDropout() {
        let net = SoftSharingNetwork(inputs: 5, hidden: [8, 4], dropout: 0.5, tasks: Fixtures.threeTasks, seed: 2)
        let x = Fixtures.problem(rows: 37, seed: 4).x
        #expect(net.predict(x, batchSize: 10) == net.forward(x, training: false))
    }

    @Test func factoryRebuildsTheSameNetworkFromItsBlueprint() throws {
        let net = SoftSharingNetwork(inputs: 5, hidden: [6, 3], dropout: 0.25, tasks: Fixtures.threeTasks, lambda: 0.05, seed: 42)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = try encoder.encode(net.blueprint)
        #expect(String(decoding: json, as: UTF8.self).contains("\"lambda\""))
        let blueprint = try JSONDecoder().decode(NetworkBlueprint.self, from: json)
        #expect(blueprint == net.blueprint)
        let rebuilt = try #require(try NetworkFactory.make(blueprint, seed: 42) as? SoftSharingNetwork)
        #expect(rebuilt.blueprint == net.blueprint)
        #expect(rebuilt.lambda == net.lambda)
        #expect(rebuilt.parameters.map(\.name) == net.parameters.map(\.name))
        #expect(rebuilt.parameters.map(\.value) == net.parameters.map(\.value))
        #expect(rebuilt.penaltyValue() == net.penaltyValue())
    }
}
