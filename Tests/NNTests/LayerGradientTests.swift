import Testing
import Tensor
@testable import NN

@Suite struct LayerGradientTests {
    @Test func linearGradientsMatchFiniteDifferences() {
        var rng = RNG(seed: 1)
        let layer = Linear(name: "l", inFeatures: 5, outFeatures: 4, rng: &rng)
        let x = GradientCheck.randomMatrix(3, 5, &rng)
        let err = GradientCheck.maxError(layer: layer, x: x, rng: &rng)
        #expect(err < 5e-3, "max relative error \(err)")
    }

    @Test func reluGradientMatchesFiniteDifferencesAwayFromZero() {
        var rng = RNG(seed: 2)
        var x = GradientCheck.randomMatrix(4, 6, &rng)
        // keep inputs away from the kink so central differences are valid
        for i in 0..<x.count where abs(x.storage[i]) < 0.05 { x.storage[i] = 0.3 }
        let err = GradientCheck.maxError(layer: ReLU(), x: x, rng: &rng)
        #expect(err < 5e-3, "max relative error \(err)")
    }

    @Test func dropoutGradientMatchesFiniteDifferencesForAFixedMask() {
        var rng = RNG(seed: 3)
        let source = RandomSource(RNG(seed: 99))
        let layer = Dropout(probability: 0.4, random: source)
        let x = GradientCheck.randomMatrix(5, 6, &rng)
        let err = GradientCheck.maxError(layer: layer, x: x, rng: &rng, reset: { source.rng = RNG(seed: 99) })
        #expect(err < 5e-3, "max relative error \(err)")
    }

    @Test func dropoutZeroesAboutPAndKeepsTheExpectation() {
        let layer = Dropout(probability: 0.25, random: RandomSource(RNG(seed: 4)))
        let x = Matrix(rows: 200, cols: 100, repeating: 1)
        let y = layer.forward(x, training: true)
        let zeros = y.storage.filter { $0 == 0 }.count
        #expect(abs(Double(zeros) / 20_000 - 0.25) < 0.01)
        let mean = y.storage.reduce(0, +) / 20_000
        #expect(abs(mean - 1) < 0.02)
        #expect(layer.forward(x, training: false) == x)
    }

    @Test func mlpGradientsMatchFiniteDifferences() {
        var rng = RNG(seed: 5)
        let net = Sequential([
            Linear(name: "a", inFeatures: 4, outFeatures: 6, rng: &rng), ReLU(),
            Linear(name: "b", inFeatures: 6, outFeatures: 3, rng: &rng),
        ])
        let x = GradientCheck.randomMatrix(3, 4, &rng)
        let err = GradientCheck.maxError(layer: net, x: x, rng: &rng)
        #expect(err < 1e-2, "max relative error \(err)")
    }

    @Test func backwardAccumulatesParameterGradients() {
        var rng = RNG(seed: 6)
        let layer = Linear(name: "l", inFeatures: 3, outFeatures: 2, rng: &rng)
        let x = GradientCheck.randomMatrix(4, 3, &rng)
        let dy = GradientCheck.randomMatrix(4, 2, &rng)
        _ = layer.forward(x, training: true); _ = layer.backward(dy)
        let once = layer.weight.grad
        _ = layer.forward(x, training: true); _ = layer.backward(dy)
        for i in 0..<once.count { #expect(abs(layer.weight.grad.storage[i] - 2 * once.storage[i]) < 1e-6) }
    }
}

@Suite struct LossGradientTests {
    @Test func crossEntropyGradientMatchesFiniteDifferencesWithMissingLabels() {
        var rng = RNG(seed: 10)
        let z = GradientCheck.randomMatrix(5, 4, &rng, scale: 2)
        let labels: [Int32] = [0, 3, -1, 2, 1]
        var scratch = Matrix.empty
        let err = GradientCheck.maxLossError(z) { logits, grad in
            Loss.crossEntropy(logits: logits, labels: labels[...], scale: 1.5, grad: &grad, scratch: &scratch).mean * 1.5
        }
        #expect(err < 5e-3, "max relative error \(err)")
    }

    @Test func crossEntropyIgnoresRowsWithMissingLabels() {
        var rng = RNG(seed: 11)
        let z = GradientCheck.randomMatrix(3, 3, &rng)
        var grad = Matrix(rows: 3, cols: 3), scratch = Matrix.empty
        let value = Loss.crossEntropy(logits: z, labels: [1, -1, 0], scale: 1, grad: &grad, scratch: &scratch)
        #expect(value.count == 2)
        #expect(grad.row(1).allSatisfy { $0 == 0 })
    }

    @Test func crossEntropyOfAllMissingLabelsIsZeroWithNoGradient() {
        let z = Matrix(rows: 2, cols: 3, repeating: 0.5)
        var grad = Matrix(rows: 2, cols: 3), scratch = Matrix.empty
        let value = Loss.crossEntropy(logits: z, labels: [-1, -1], scale: 1, grad: &grad, scratch: &scratch)
        #expect(value == LossValue(mean: 0, count: 0))
        #expect(grad.storage.allSatisfy { $0 == 0 })
    }

    @Test(arguments: [Float(1), 2, 4])
    func softCrossEntropyGradientMatchesFiniteDifferences(temperature: Float) {
        var rng = RNG(seed: 12)
        let z = GradientCheck.randomMatrix(4, 3, &rng, scale: 2)
        let q = Softmax.probabilities(GradientCheck.randomMatrix(4, 3, &rng, scale: 2))
        var scratch = Matrix.empty
        let err = GradientCheck.maxLossError(z) { logits, grad in
            Loss.softCrossEntropy(logits: logits, targets: q, temperature: temperature, scale: 1,
                                  grad: &grad, scratch: &scratch).mean
        }
        #expect(err < 5e-3, "max relative error \(err)")
    }

    @Test func softCrossEntropyIsZeroWhenStudentMatchesTargets() {
        var rng = RNG(seed: 13)
        let z = GradientCheck.randomMatrix(3, 4, &rng)
        let q = Softmax.probabilities(z, temperature: 2)
        var grad = Matrix(rows: 3, cols: 4), scratch = Matrix.empty
        let v = Loss.softCrossEntropy(logits: z, targets: q, temperature: 2, scale: 1, grad: &grad, scratch: &scratch)
        #expect(abs(v.mean) < 1e-6)
        #expect(grad.storage.allSatisfy { abs($0) < 1e-6 })
    }

    @Test func meanSquaredErrorGradientMatchesFiniteDifferencesWithMissingTargets() {
        var rng = RNG(seed: 14)
        let p = GradientCheck.randomMatrix(5, 1, &rng)
        let t: [Float] = [0.5, .nan, -1, 2, .nan]
        let err = GradientCheck.maxLossError(p) { pred, grad in
            Loss.meanSquaredError(predictions: pred, targets: t[...], scale: 1, grad: &grad).mean
        }
        #expect(err < 5e-3, "max relative error \(err)")
    }
}
