import Foundation
import Testing
import NN
import Tensor
@testable import MultiTask

/// Central finite differences in float32 through a whole multi-task network.
///
/// The scalar checked is L = Σ_t Σ R_t ⊙ y_t + penalty, so dL/dy_t = R_t; the analytic side is
/// `backward(R)` then `addPenalty()`, as the Trainer does. The dropout generator is rewound
/// before every forward so each evaluation sees the same masks.
///
/// A ReLU whose pre-activation lies within the perturbation of 0 makes a central difference
/// meaningless (it straddles the kink). So every element is measured with ε and with ε/4 and
/// keeps the smaller error: a wrong analytic gradient disagrees with both steps, a kink only
/// with the larger one. How many elements the two steps disagree on is returned with the error.
enum NetworkFiniteDifferences {
    static let epsilon: Float = 1e-2

    static func randomMatrix(_ rows: Int, _ cols: Int, _ rng: inout RNG) -> Matrix {
        var m = Matrix(rows: rows, cols: cols)
        for i in 0..<m.count { m.storage[i] = rng.uniform(-1, 1) }
        return m
    }

    static func relativeError(_ analytic: Float, _ numeric: Float) -> Float {
        abs(analytic - numeric) / max(abs(analytic), abs(numeric), 1e-2)
    }

    struct Result: CustomStringConvertible {
        /// Largest relative error over every parameter scalar.
        var error: Float = 0
        /// The parameter where it occurred.
        var parameter = ""
        var checked = 0
        /// Elements whose differences at ε and ε/4 disagree by more than 1e-2 (a ReLU kink within ±ε).
        var kinks = 0
        var description: String {
            "max relative error \(error) in \(parameter) (\(checked) scalars, \(kinks) with a kink within ±ε)"
        }
    }

    static func maxError(_ net: MultiTaskNetwork, x: Matrix, rng: inout RNG,
                         penalty: @escaping () -> Double = { 0 }) -> Result {
        let dropoutState = net.random.rng
        let r = net.tasks.map { randomMatrix(x.rows, $0.outputs, &rng) }
        func loss() -> Double {
            net.random.rng = dropoutState
            let y = net.forward(x, training: true)
            var s = penalty()
            for t in y.indices { for i in 0..<y[t].count { s += Double(y[t].storage[i]) * Double(r[t].storage[i]) } }
            return s
        }
        net.random.rng = dropoutState
        _ = net.forward(x, training: true)
        net.parameters.zeroGrads()
        net.backward(r)
        _ = net.addPenalty()
        var result = Result()
        for p in net.parameters {
            let g = p.grad
            for i in 0..<p.count {
                let v = p.value.storage[i]
                func numeric(_ eps: Float) -> Float {
                    p.value.storage[i] = v + eps; let lp = loss()
                    p.value.storage[i] = v - eps; let lm = loss()
                    p.value.storage[i] = v
                    return Float((lp - lm) / Double(2 * eps))
                }
                let wide = numeric(epsilon), narrow = numeric(epsilon / 4)
                if relativeError(wide, narrow) > 1e-2 { result.kinks += 1 }
                let e = min(relativeError(g.storage[i], wide), relativeError(g.storage[i], narrow))
                if e > result.error { result.error = e; result.parameter = p.name }
                result.checked += 1
            }
        }
        return result
    }
}

extension Fixtures {
    /// Three tasks: the fixture's two classification tasks and a regression task.
    static let threeTasks = tasks + [TaskHead(name: "c", kind: .regression, outputs: 1)]
}

@Suite struct CrossStitchTests {
    @Test func gradientsOfEveryParameterMatchFiniteDifferencesWithThreeTasks() {
        var rng = RNG(seed: 11)
        let net = CrossStitchNetwork(inputs: 4, hidden: [5, 4], dropout: 0.2, tasks: Fixtures.threeTasks, seed: 12)
        // a mixing away from the initial one, so every entry of A matters
        for s in net.stitches { for k in 0..<s.matrix.count { s.matrix.value.storage[k] += rng.uniform(-0.3, 0.3) } }
        let x = NetworkFiniteDifferences.randomMatrix(3, 4, &rng)
        let result = NetworkFiniteDifferences.maxError(net, x: x, rng: &rng)
        #expect(result.checked == net.parameterCount)
        #expect(result.error < 2e-3, "\(result)")
    }

    @Test func perUnitGradientsOfEveryParameterMatchFiniteDifferencesWithThreeTasks() {
        var rng = RNG(seed: 13)
        let net = CrossStitchNetwork(inputs: 4, hidden: [5, 3], dropout: 0, tasks: Fixtures.threeTasks, perUnit: true, seed: 14)
        for s in net.stitches { for k in 0..<s.matrix.count { s.matrix.value.storage[k] += rng.uniform(-0.3, 0.3) } }
        let x = NetworkFiniteDifferences.randomMatrix(3, 4, &rng)
        let result = NetworkFiniteDifferences.maxError(net, x: x, rng: &rng)
        #expect(result.checked == net.parameterCount)
        #expect(result.error < 2e-3, "\(result)")
    }

    @Test func singleTaskNetworkHasAUnitStitchAndCorrectGradients() {
        var rng = RNG(seed: 15)
        let task = [Fixtures.tasks[0]]
        let net = CrossStitchNetwork(inputs: 4, hidden: [5, 3], dropout: 0, tasks: task, seed: 16)
        #expect(net.stitchMatrices == [Matrix(rows: 1, cols: 1, storage: [1]), Matrix(rows: 1, cols: 1, storage: [1])])
        let x = NetworkFiniteDifferences.randomMatrix(3, 4, &rng)
        let result = NetworkFiniteDifferences.maxError(net, x: x, rng: &rng)
        #expect(result.checked == net.parameterCount)
        #expect(result.error < 2e-3, "\(result)")
    }

    @Test func stitchMatricesStartTaskByTaskWithAlphaSameOnTheDiagonalAndRowsSummingToOne() {
        for (T, alpha) in [(1, Float(0.9)), (2, Float(0.9)), (3, Float(0.8)), (4, Float(0.6))] {
            let tasks = (0..<T).map { TaskHead(name: "t\($0)", kind: .regression, outputs: 1) }
            let net = CrossStitchNetwork(inputs: 3, hidden: [4, 2], dropout: 0, tasks: tasks, alphaSame: alpha, seed: 1)
            #expect(net.stitchMatrices.count == 2)
            for a in net.stitchMatrices {
                #expect(a.rows == T && a.cols == T, "stitch is \(a.rows)×\(a.cols), expected \(T)×\(T)")
                for i in 0..<T {
                    #expect(a[i, i] == (T == 1 ? 1 : alpha))
                    if T > 1 { for j in 0..<T where j != i { #expect(abs(a[i, j] - (1 - alpha) / Float(T - 1)) < 1e-7) } }
                    #expect(abs(a.row(i).reduce(0, +) - 1) < 1e-6, "row \(i) of a \(T)×\(T) stitch sums to \(a.row(i).reduce(0, +))")
                }
            }
        }
        let two = CrossStitchNetwork(inputs: 3, hidden: [4], dropout: 0, tasks: Fixtures.tasks, seed: 1)
        #expect(two.stitchMatrices.count == 1)
        #expect(two.stitchMatrices[0].maxAbsDifference(Matrix(rows: 2, cols: 2, storage: [0.9, 0.1, 0.1, 0.9])) < 1e-7)
    }

    @Test func perUnitStitchesHoldOneInitialMatrixPerHiddenUnit() {
        let net = CrossStitchNetwork(inputs: 3, hidden: [4, 2], dropout: 0, tasks: Fixtures.threeTasks, perUnit: true, seed: 1)
        #expect(net.stitchMatrices.map(\.rows) == [3, 3])
        #expect(net.stitchMatrices.map(\.cols) == [12, 6])
        let a = CrossStitchUnit.initialMatrix(tasks: 3, alphaSame: 0.9)
        for (l, width) in [4, 2].enumerated() {
            for u in 0..<width { #expect(net.stitchMatrix(layer: l, unit: u) == a) }
        }
    }

    @Test func parametersHaveUniqueColumnStitchAndHeadNamesAndStitchesTheirOwnLearningRate() {
        let net = CrossStitchNetwork(inputs: 3, hidden: [4, 2], dropout: 0.1, tasks: Fixtures.threeTasks,
                                     stitchLearningRateScale: 50, seed: 1)
        let names = net.parameters.map(\.name)
        #expect(Set(names).count == names.count)
        #expect(names == ["column.a.0.weight", "column.a.0.bias", "column.a.1.weight", "column.a.1.bias",
                          "column.b.0.weight", "column.b.0.bias", "column.b.1.weight", "column.b.1.bias",
                          "column.c.0.weight", "column.c.0.bias", "column.c.1.weight", "column.c.1.bias",
                          "stitch.0", "stitch.1",
                          "head.a.weight", "head.a.bias", "head.b.weight", "head.b.bias", "head.c.weight", "head.c.bias"])
        for p in net.parameters { #expect(p.learningRateScale == (p.name.hasPrefix("stitch.") ? 50 : 1), "\(p.name)") }
        #expect(CrossStitchNetwork(inputs: 3, hidden: [4], dropout: 0, tasks: Fixtures.tasks, seed: 1)
            .stitches[0].matrix.learningRateScale == CrossStitchNetwork.defaultStitchLearningRateScale)
    }

    @Test func identityStitchesGiveIndependentSingleTaskNetworks() {
        let x = Fixtures.problem(rows: 20, seed: 9).x
        let net = CrossStitchNetwork(inputs: 5, hidden: [6, 4], dropout: 0, tasks: Fixtures.tasks, seed: 3)
        for s in net.stitches { s.matrix.value = Matrix(rows: 2, cols: 2, storage: [1, 0, 0, 1]) }
        let stitched = net.forward(x, training: false)
        let values = Trainer.snapshot(net.parameters)
        for (t, task) in Fixtures.tasks.enumerated() {
            let single = HardSharingNetwork(inputs: 5, hidden: [6, 4], dropout: 0, tasks: [task], seed: 100 + UInt64(t))
            for p in single.parameters {
                let source = p.name.replacingOccurrences(of: "trunk.", with: "column.\(task.name).")
                p.value.storage = values[source]!
            }
            let alone = single.forward(x, training: false)[0]
            #expect(stitched[t].rows == alone.rows && stitched[t].cols == alone.cols)
            #expect(stitched[t].maxAbsDifference(alone) < 1e-6, "task \(task.name) differs by \(stitched[t].maxAbsDifference(alone))")
        }
        // and the default mixing does not: the columns really are stitched together
        let mixed = CrossStitchNetwork(inputs: 5, hidden: [6, 4], dropout: 0, tasks: Fixtures.tasks, seed: 3)
        #expect(mixed.forward(x, training: false)[0].maxAbsDifference(stitched[0]) > 1e-4)
    }

    @Test func trainingMovesTheStitchesAndLearnsBothTasksAsWellAsHardSharing() throws {
        let train = Fixtures.problem(rows: 600, seed: 1), val = Fixtures.problem(rows: 200, seed: 2)
        let net = CrossStitchNetwork(inputs: 5, hidden: [32], dropout: 0.1, tasks: Fixtures.tasks, seed: 3)
        let initial = net.stitchMatrices
        let history = try Trainer(network: net, settings: Fixtures.settings(epochs: 25)).fit(train: train, validation: val)
        let metrics = try Trainer.validationMetrics(network: net, on: val)
        let hard = HardSharingNetwork(inputs: 5, hidden: [32], dropout: 0.1, tasks: Fixtures.tasks, seed: 3)
        _ = try Trainer(network: hard, settings: Fixtures.settings(epochs: 25)).fit(train: train, validation: val)
        let hardMetrics = try Trainer.validationMetrics(network: hard, on: val)
        #expect(metrics[0] > 0.93, "task a accuracy \(metrics[0]) (hard sharing \(hardMetrics[0]))")
        #expect(metrics[1] > 0.85, "task b accuracy \(metrics[1]) (hard sharing \(hardMetrics[1]))")
        #expect(abs(metrics[0] - hardMetrics[0]) < 0.05 && abs(metrics[1] - hardMetrics[1]) < 0.05,
                "cross-stitch \(metrics) vs hard sharing \(hardMetrics)")
        #expect(history.epochs.last!.trainLoss < history.epochs.first!.trainLoss)
        let moved = net.stitchMatrices[0].maxAbsDifference(initial[0])
        #expect(moved > 0.02, "stitch moved by \(moved): \(net.stitchMatrices[0].storage)")
    }

    @Test func predictInBatchesEqualsOneForwardPassWithoutDropout() {
        for perUnit in [false, true] {
            let net = CrossStitchNetwork(inputs: 5, hidden: [8, 4], dropout: 0.5, tasks: Fixtures.threeTasks, perUnit: perUnit, seed: 2)
            let x = Fixtures.problem(rows: 37, seed: 4).x
            let whole = net.forward(x, training: false)
            #expect(net.predict(x, batchSize: 10) == whole)
            _ = net.forward(x, training: true)   // a training pass in between changes nothing
            #expect(net.forward(x, training: false) == whole)
        }
    }

    @Test func factoryRebuildsTheSameNetworkFromItsBlueprint() throws {
        for perUnit in [false, true] {
            let net = CrossStitchNetwork(inputs: 5, hidden: [6, 3], dropout: 0.25, tasks: Fixtures.threeTasks, alphaSame: 0.7,
                                         perUnit: perUnit, stitchLearningRateScale: 30, seed: 42)
            let json = try JSONEncoder().encode(net.blueprint)
            let blueprint = try JSONDecoder().decode(NetworkBlueprint.self, from: json)
            #expect(blueprint == net.blueprint)
            let rebuilt = try NetworkFactory.make(blueprint, seed: 42)
            #expect(rebuilt is CrossStitchNetwork)
            #expect(rebuilt.blueprint == net.blueprint)
            #expect(rebuilt.parameters.map(\.name) == net.parameters.map(\.name))
            #expect(rebuilt.parameters.map(\.value) == net.parameters.map(\.value))
            #expect(rebuilt.parameters.map(\.learningRateScale) == net.parameters.map(\.learningRateScale))
            #expect(rebuilt.random.rng == net.random.rng)
            let other = try NetworkFactory.make(blueprint, seed: 43)
            #expect(other.parameters.map(\.value) != net.parameters.map(\.value))
        }
    }
}

@Suite struct NetworkBlueprintCompatibilityTests {
    @Test func jsonWithoutTheArchitectureFieldsDecodesWithTheDefaults() throws {
        let old = #"{"architecture":"hard-sharing","dropout":0.1,"hidden":[8],"inputs":5,"#
            + #""tasks":[{"kind":"classification","name":"a","outputs":2}]}"#
        let blueprint = try JSONDecoder().decode(NetworkBlueprint.self, from: Data(old.utf8))
        #expect(blueprint == NetworkBlueprint(architecture: "hard-sharing", inputs: 5, hidden: [8], dropout: 0.1,
                                              tasks: [TaskHead(name: "a", kind: .classification, outputs: 2)]))
        #expect(blueprint.alphaSame == Double(CrossStitchNetwork.defaultAlphaSame))
        #expect(blueprint.perUnit == false)
        #expect(blueprint.stitchLearningRateScale == Double(CrossStitchNetwork.defaultStitchLearningRateScale))
        #expect(blueprint.lambda == Double(SoftSharingNetwork.defaultLambda))
        // an old cross-stitch description rebuilds with the defaults
        let stitch = old.replacingOccurrences(of: "hard-sharing", with: "cross-stitch")
        let net = try NetworkFactory.make(try JSONDecoder().decode(NetworkBlueprint.self, from: Data(stitch.utf8)), seed: 1)
        #expect((net as? CrossStitchNetwork)?.stitches[0].matrix.learningRateScale == CrossStitchNetwork.defaultStitchLearningRateScale)
    }

    @Test func hardSharingBlueprintEncodesOnlyItsOwnFields() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let hard = HardSharingNetwork(inputs: 5, hidden: [8], dropout: 0, tasks: [Fixtures.tasks[0]], seed: 1).blueprint
        let json = String(decoding: try encoder.encode(hard), as: UTF8.self)
        #expect(json == #"{"architecture":"hard-sharing","dropout":0,"hidden":[8],"inputs":5,"#
                + #""tasks":[{"kind":"classification","name":"a","outputs":2}]}"#)
        let stitch = CrossStitchNetwork(inputs: 5, hidden: [8], dropout: 0, tasks: Fixtures.tasks, seed: 1).blueprint
        let stitchJSON = String(decoding: try encoder.encode(stitch), as: UTF8.self)
        for key in ["alphaSame", "perUnit", "stitchLearningRateScale"] { #expect(stitchJSON.contains("\"\(key)\""), "\(key) in \(stitchJSON)") }
        #expect(!stitchJSON.contains("\"lambda\""))
        // a non-default value survives even on an architecture that ignores it
        var odd = hard
        odd.lambda = 0.5
        #expect(try JSONDecoder().decode(NetworkBlueprint.self, from: encoder.encode(odd)) == odd)
    }

    @Test func unknownArchitectureIsRejectedByName() {
        let blueprint = NetworkBlueprint(architecture: "cross stitch", inputs: 2, hidden: [], dropout: 0, tasks: [Fixtures.tasks[0]])
        #expect(throws: NetworkFactory.UnknownArchitecture.self) { try NetworkFactory.make(blueprint, seed: 1) }
    }
}
