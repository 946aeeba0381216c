import Testing
import Tensor
@testable import NN

@Suite struct CrossStitchUnitTests {
    /// Max relative error of dL/dx_j and dL/dA for L = Σ_i Σ R_i ⊙ y_i, by central differences.
    static func maxError(_ unit: CrossStitchUnit, rows: Int, rng: inout RNG) -> Float {
        let xs = (0..<unit.tasks).map { _ in GradientCheck.randomMatrix(rows, unit.width, &rng) }
        let r = (0..<unit.tasks).map { _ in GradientCheck.randomMatrix(rows, unit.width, &rng) }
        func loss(_ inputs: [Matrix]) -> Double {
            let y = unit.forward(inputs, training: true)
            return zip(y, r).reduce(0) { $0 + GradientCheck.dot($1.0, $1.1) }
        }
        _ = unit.forward(xs, training: true)
        unit.parameters.zeroGrads()
        let dx = unit.backward(r)
        let eps = GradientCheck.epsilon
        var worst: Float = 0
        var xp = xs
        for j in xp.indices {
            for k in 0..<xp[j].count {
                let v = xp[j].storage[k]
                xp[j].storage[k] = v + eps; let lp = loss(xp)
                xp[j].storage[k] = v - eps; let lm = loss(xp)
                xp[j].storage[k] = v
                worst = max(worst, GradientCheck.relativeError(dx[j].storage[k], Float((lp - lm) / Double(2 * eps))))
            }
        }
        let p = unit.matrix, analytic = p.grad
        for k in 0..<p.count {
            let v = p.value.storage[k]
            p.value.storage[k] = v + eps; let lp = loss(xs)
            p.value.storage[k] = v - eps; let lm = loss(xs)
            p.value.storage[k] = v
            worst = max(worst, GradientCheck.relativeError(analytic.storage[k], Float((lp - lm) / Double(2 * eps))))
        }
        return worst
    }

    /// A random mixing, so that off-diagonal and diagonal entries all matter.
    static func randomise(_ unit: CrossStitchUnit, _ rng: inout RNG) {
        for k in 0..<unit.matrix.count { unit.matrix.value.storage[k] = rng.uniform(-1, 1) }
    }

    @Test func perLayerGradientsMatchFiniteDifferences() {
        var rng = RNG(seed: 21)
        let unit = CrossStitchUnit(name: "s", tasks: 3, width: 4)
        Self.randomise(unit, &rng)
        let err = Self.maxError(unit, rows: 5, rng: &rng)
        #expect(err < 5e-3, "max relative error \(err)")
    }

    @Test func perUnitGradientsMatchFiniteDifferences() {
        var rng = RNG(seed: 22)
        let unit = CrossStitchUnit(name: "s", tasks: 3, width: 4, perUnit: true)
        Self.randomise(unit, &rng)
        let err = Self.maxError(unit, rows: 5, rng: &rng)
        #expect(err < 5e-3, "max relative error \(err)")
    }

    @Test func singleTaskGradientsMatchFiniteDifferences() {
        var rng = RNG(seed: 23)
        let unit = CrossStitchUnit(name: "s", tasks: 1, width: 3)
        let err = Self.maxError(unit, rows: 4, rng: &rng)
        #expect(err < 5e-3, "max relative error \(err)")
    }

    @Test func forwardMixesColumnsWithTheMatrixRows() {
        let unit = CrossStitchUnit(name: "s", tasks: 2, width: 2)
        unit.matrix.value = Matrix(rows: 2, cols: 2, storage: [0.5, 2, -1, 3])
        let x0 = Matrix(rows: 1, cols: 2, storage: [1, 2]), x1 = Matrix(rows: 1, cols: 2, storage: [10, 20])
        let y = unit.forward([x0, x1], training: false)
        // y0 = 0.5·x0 + 2·x1, y1 = −x0 + 3·x1
        #expect(y[0].storage == [20.5, 41])
        #expect(y[1].storage == [29, 58])
    }

    @Test func perUnitMixesEveryUnitWithItsOwnMatrix() {
        let unit = CrossStitchUnit(name: "s", tasks: 2, width: 2, perUnit: true)
        // row i = [A_i0[u0], A_i0[u1], A_i1[u0], A_i1[u1]]
        unit.matrix.value = Matrix(rows: 2, cols: 4, storage: [1, 0, 0, 1,
                                                               0, 2, 3, 0])
        let x0 = Matrix(rows: 1, cols: 2, storage: [1, 2]), x1 = Matrix(rows: 1, cols: 2, storage: [10, 20])
        let y = unit.forward([x0, x1], training: false)
        #expect(y[0].storage == [1, 20])
        #expect(y[1].storage == [30, 4])
        #expect(unit.mixing(unit: 1) == Matrix(rows: 2, cols: 2, storage: [0, 1, 2, 0]))
    }

    @Test func initialMatrixIsAlphaSameOnTheDiagonalWithRowsSummingToOne() {
        let a = CrossStitchUnit.initialMatrix(tasks: 4, alphaSame: 0.7)
        #expect(a.rows == 4 && a.cols == 4)
        for i in 0..<4 {
            #expect(a[i, i] == 0.7)
            for j in 0..<4 where j != i { #expect(abs(a[i, j] - 0.1) < 1e-7) }
            #expect(abs(a.row(i).reduce(0, +) - 1) < 1e-6)
        }
        #expect(CrossStitchUnit.initialMatrix(tasks: 1, alphaSame: 0.9) == Matrix(rows: 1, cols: 1, storage: [1]))
        let perUnit = CrossStitchUnit(name: "s", tasks: 3, width: 5, perUnit: true, alphaSame: 0.8)
        #expect(perUnit.matrix.value.rows == 3 && perUnit.matrix.value.cols == 15)
        for u in 0..<5 { #expect(perUnit.mixing(unit: u) == CrossStitchUnit.initialMatrix(tasks: 3, alphaSame: 0.8)) }
    }

    @Test func backwardAccumulatesIntoTheMatrixGradient() {
        var rng = RNG(seed: 24)
        let unit = CrossStitchUnit(name: "s", tasks: 2, width: 3)
        let xs = [GradientCheck.randomMatrix(4, 3, &rng), GradientCheck.randomMatrix(4, 3, &rng)]
        let dy = [GradientCheck.randomMatrix(4, 3, &rng), GradientCheck.randomMatrix(4, 3, &rng)]
        _ = unit.forward(xs, training: true); _ = unit.backward(dy)
        let once = unit.matrix.grad
        _ = unit.forward(xs, training: true); _ = unit.backward(dy)
        for i in 0..<once.count { #expect(abs(unit.matrix.grad.storage[i] - 2 * once.storage[i]) < 1e-5) }
    }
}
