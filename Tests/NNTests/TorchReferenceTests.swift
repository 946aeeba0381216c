import Testing
import Tensor
@testable import NN

/// Values and optimizer trajectories compared with PyTorch (numbers printed by
/// Reference/torch_reference.py; PyTorch in float64, mtkd in float32).
@Suite struct TorchReferenceTests {
    let x = Matrix(rows: 3, cols: 4, storage: [0.5, -1.0, 2.0, 0.25, 1.5, 0.0, -0.5, -2.0, -0.75, 1.25, 0.5, 1.0])
    let w = Matrix(rows: 4, cols: 3, storage: [0.1, -0.2, 0.3, 0.4, 0.5, -0.6, -0.7, 0.8, 0.9, 0.05, -0.15, 0.25])
    let b = Matrix(rows: 1, cols: 3, storage: [0.01, -0.02, 0.03])
    let labels: [Int32] = [2, 0, 1]
    let q = Matrix(rows: 3, cols: 3, storage: [0.2, 0.3, 0.5, 0.6, 0.3, 0.1, 0.1, 0.1, 0.8])

    func linear() -> Linear {
        var rng = RNG(seed: 0)
        let l = Linear(name: "l", inFeatures: 4, outFeatures: 3, rng: &rng)
        l.weight.value = w
        l.bias.value = b
        return l
    }

    func expectClose(_ a: [Float], _ b: [Double], _ tol: Double, _ what: String) {
        #expect(a.count == b.count)
        let worst = zip(a, b).map { abs(Double($0) - $1) }.max() ?? 0
        #expect(worst < tol, "\(what): max difference \(worst)")
    }

    @Test func lossesMatchPyTorch() {
        let z = linear().forward(x, training: false)
        expectClose(z.storage, [-1.7275, 0.9425, 2.6425, 0.41, -0.42, -0.47, 0.135, 1.005, -0.245], 1e-6, "logits")
        var g = Matrix(rows: 3, cols: 3), s = Matrix.empty
        #expect(abs(Loss.crossEntropy(logits: z, labels: labels[...], scale: 1, grad: &g, scratch: &s).mean - 0.442631461737) < 1e-6)
        #expect(abs(Loss.softCrossEntropy(logits: z, targets: q, temperature: 2, scale: 1, grad: &g, scratch: &s).mean - 0.29479177056) < 1e-6)
        var p = Matrix(rows: 3, cols: 1, storage: [z[0, 0], z[1, 0], z[2, 0]])
        var gp = Matrix(rows: 3, cols: 1)
        #expect(abs(Loss.meanSquaredError(predictions: p, targets: [0.5, -0.25, 1.0], scale: 1, grad: &gp).mean - 2.04852708333) < 1e-5)
        p.fill(0)
    }

    /// 3 steps on 0.5·CE + 0.5·T²·KL (T = 2), as the student's loss combines them.
    func train(_ optimizer: Optimizer) -> Linear {
        let l = linear()
        var g = Matrix.empty, s = Matrix.empty
        for _ in 0..<3 {
            l.parameters.zeroGrads()
            let z = l.forward(x, training: true)
            g.resize(rows: 3, cols: 3); g.fill(0)
            _ = Loss.crossEntropy(logits: z, labels: labels[...], scale: 0.5, grad: &g, scratch: &s)
            _ = Loss.softCrossEntropy(logits: z, targets: q, temperature: 2, scale: 0.5 * 4, grad: &g, scratch: &s)
            _ = l.backward(g)
            optimizer.step(l.parameters)
        }
        return l
    }

    @Test func adamStepsMatchPyTorch() {
        let l = train(Adam(learningRate: 0.01, weightDecay: 0.001))
        expectClose(l.weight.value.storage, [0.129952381, -0.229197792, 0.270023428, 0.370014811, 0.469990936, -0.570009277,
                                             -0.729782123, 0.770088375, 0.929857211, 0.0200538111, -0.122163346, 0.279967759], 2e-6, "adam weight")
        expectClose(l.bias.value.storage, [0.0398955274, -0.0499008208, 0.0599093804], 2e-6, "adam bias")
    }

    @Test func sgdWithMomentumStepsMatchPyTorch() {
        let l = train(SGD(learningRate: 0.1, momentum: 0.9, weightDecay: 0.001))
        expectClose(l.weight.value.storage, [0.254335264, -0.210416585, 0.155969131, 0.306039796, 0.474971601, -0.481179683,
                                             -0.716456952, 0.774858235, 0.941037765, -0.135215071, -0.144883937, 0.430014865], 2e-6, "sgd weight")
        expectClose(l.bias.value.storage, [0.0425267872, -0.0750458749, 0.0525078686], 2e-6, "sgd bias")
    }

    @Test func optimizerStateRestoredContinuesIdentically() throws {
        let a = linear(), b = linear()
        let optA = Adam(learningRate: 0.01)
        var g = Matrix(rows: 3, cols: 3), s = Matrix.empty
        func step(_ l: Linear, _ o: Optimizer) {
            l.parameters.zeroGrads()
            let z = l.forward(x, training: true)
            g.fill(0)
            _ = Loss.crossEntropy(logits: z, labels: labels[...], scale: 1, grad: &g, scratch: &s)
            _ = l.backward(g)
            o.step(l.parameters)
        }
        step(a, optA); step(a, optA)
        b.weight.value = a.weight.value; b.bias.value = a.bias.value
        let optB = Adam(learningRate: 0.01)
        try optB.restore(optA.state, parameters: b.parameters)
        step(a, optA); step(b, optB)
        #expect(a.weight.value == b.weight.value)
        #expect(a.bias.value == b.bias.value)
    }
}
