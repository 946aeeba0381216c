import Testing
import Tensor
@testable import NN

@Suite(.serialized) struct SparseInputTests {
    /// A one-hot-like batch: 2 numeric columns, then one 1 among 20 columns per row.
    func sparseBatch(_ rows: Int, _ rng: inout RNG) -> Matrix {
        var x = Matrix(rows: rows, cols: 22)
        for r in 0..<rows {
            x[r, 0] = rng.normal(); x[r, 1] = rng.normal()
            x[r, 2 + rng.int(below: 20)] = 1
        }
        return x
    }

    @Test func sparsePathGivesTheDenseResultsAndGradients() {
        var rng = RNG(seed: 1)
        let x = sparseBatch(9, &rng)
        let dense = Linear(name: "l", inFeatures: 22, outFeatures: 7, rng: &rng)
        let sparse = Linear(name: "l", inFeatures: 22, outFeatures: 7, rng: &rng)
        sparse.weight.value = dense.weight.value
        sparse.bias.value = dense.bias.value
        sparse.exploitsInputSparsity = true
        let dy = GradientCheck.randomMatrix(9, 7, &rng)
        let yd = dense.forward(x, training: true), ys = sparse.forward(x, training: true)
        #expect(yd.maxAbsDifference(ys) < 1e-5)
        _ = dense.backward(dy); _ = sparse.backward(dy)
        #expect(dense.weight.grad.maxAbsDifference(sparse.weight.grad) < 1e-5)
        #expect(dense.bias.grad == sparse.bias.grad)
    }

    @Test func sparsePathGradientsMatchFiniteDifferences() {
        var rng = RNG(seed: 2)
        let layer = Linear(name: "l", inFeatures: 22, outFeatures: 5, rng: &rng)
        layer.exploitsInputSparsity = true
        let x = sparseBatch(4, &rng)
        // Only the parameters: finite differences on x would make its zeros non-zero.
        let y = layer.forward(x, training: true)
        let r = GradientCheck.randomMatrix(y.rows, y.cols, &rng)
        layer.parameters.zeroGrads()
        _ = layer.backward(r)
        var worst: Float = 0
        for p in layer.parameters {
            let g = p.grad
            for i in 0..<p.count {
                let v = p.value.storage[i]
                p.value.storage[i] = v + 1e-2; let lp = GradientCheck.dot(layer.forward(x, training: false), r)
                p.value.storage[i] = v - 1e-2; let lm = GradientCheck.dot(layer.forward(x, training: false), r)
                p.value.storage[i] = v
                worst = max(worst, GradientCheck.relativeError(g.storage[i], Float((lp - lm) / 2e-2)))
            }
        }
        #expect(worst < 5e-3, "max relative error \(worst)")
    }

    @Test func denseInputsTakeTheDensePath() {
        var rng = RNG(seed: 3)
        let layer = Linear(name: "l", inFeatures: 6, outFeatures: 3, rng: &rng)
        let reference = Linear(name: "l", inFeatures: 6, outFeatures: 3, rng: &rng)
        reference.weight.value = layer.weight.value
        reference.bias.value = layer.bias.value
        layer.exploitsInputSparsity = true
        let x = GradientCheck.randomMatrix(5, 6, &rng)   // no zeros: above the density threshold
        #expect(layer.forward(x, training: false) == reference.forward(x, training: false))
    }
}
