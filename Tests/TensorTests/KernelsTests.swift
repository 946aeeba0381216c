import Testing
import Tensor

/// The C kernels against plain Swift reference loops (double-precision sums), in both of
/// their builds: AVX+FMA (where this processor has it) and baseline.
@Suite struct KernelsTests {
    /// Runs `check` with the default build and again with the baseline build.
    func inBothBuilds(_ check: (String) -> Void) {
        check(Kernels.usesAVXFMA ? "AVX+FMA" : "baseline")
        Kernels.withBaselineBuild { check("baseline") }
    }

    /// rows × cols, about `density` of the elements non-zero (some exactly 1, as one-hot).
    func sparseMatrix(_ rows: Int, _ cols: Int, density: Double, _ rng: inout RNG) -> Matrix {
        var x = Matrix(rows: rows, cols: cols)
        for i in 0..<x.count where rng.uniformDouble() < density {
            x.storage[i] = rng.uniformDouble() < 0.5 ? 1 : rng.normal()
        }
        return x
    }

    func randomMatrix(_ rows: Int, _ cols: Int, _ rng: inout RNG) -> Matrix {
        Matrix(rows: rows, cols: cols, storage: (0..<(rows * cols)).map { _ in rng.uniform(-1, 1) })
    }

    func maxRelativeError(_ a: Matrix, _ reference: [Double]) -> Double {
        zip(a.storage, reference).map { abs(Double($0) - $1) / max(1, abs($1)) }.max() ?? 0
    }

    @Test func nonZerosAreCollectedRowByRowWithNaNsAndTails() {
        var rng = RNG(seed: 1)
        for cols in [1, 7, 8, 13, 70] {
            var x = sparseMatrix(11, cols, density: 0.2, &rng)
            x[3, cols - 1] = .nan
            x[4, 0] = -0.0   // a zero: skipped
            inBothBuilds { build in
                var s = SparseRows()
                let collected = s.collect(from: x, maxDensity: 1)
                #expect(collected, "\(build)")
                var expected: [(Int, Int32, Float)] = []
                for r in 0..<x.rows { for c in 0..<cols where x[r, c] != 0 || x[r, c].isNaN { expected.append((r, Int32(c), x[r, c])) } }
                #expect(s.nonZeroCount == expected.count, "\(build) cols \(cols)")
                var got: [(Int, Int32, Float)] = []
                for r in 0..<x.rows {
                    for k in Int(s.rowStart[r])..<Int(s.rowStart[r + 1]) { got.append((r, s.columns[k], s.values[k])) }
                }
                #expect(got.map(\.0) == expected.map(\.0) && got.map(\.1) == expected.map(\.1), "\(build) cols \(cols)")
                #expect(zip(got, expected).allSatisfy { $0.2 == $1.2 || ($0.2.isNaN && $1.2.isNaN) }, "\(build)")
            }
        }
    }

    @Test func collectingRefusesTooDenseInputs() {
        var rng = RNG(seed: 2)
        let x = sparseMatrix(20, 30, density: 0.5, &rng)
        var s = SparseRows()
        let tooDense = s.collect(from: x, maxDensity: 0.25), allowed = s.collect(from: x, maxDensity: 0.9)
        let disabled = s.collect(from: x, maxDensity: 0)
        #expect(!tooDense && allowed && !disabled)
    }

    @Test func sparseProductMatchesDenseSums() {
        var rng = RNG(seed: 3)
        for n in [1, 7, 8, 9, 64, 70, 130, 256] {
            let x = sparseMatrix(13, 40, density: 0.15, &rng)
            let w = randomMatrix(40, n, &rng), bias = randomMatrix(1, n, &rng)
            var reference = [Double](repeating: 0, count: 13 * n)
            for r in 0..<13 {
                for j in 0..<n {
                    var sum = Double(bias.storage[j])
                    for k in 0..<40 { sum += Double(x[r, k]) * Double(w[k, j]) }
                    reference[r * n + j] = sum
                }
            }
            inBothBuilds { build in
                var s = SparseRows()
                let collected = s.collect(from: x, maxDensity: 1)
                #expect(collected)
                var out = Matrix.empty
                s.multiply(w, bias: bias, into: &out)
                #expect(out.rows == 13 && out.cols == n)
                #expect(maxRelativeError(out, reference) < 1e-5, "\(build) n \(n)")
            }
        }
    }

    @Test func sparseTransposedProductAddsIntoTheGradient() {
        var rng = RNG(seed: 4)
        for n in [3, 8, 64, 100, 256] {
            let x = sparseMatrix(17, 50, density: 0.1, &rng)
            let dy = randomMatrix(17, n, &rng), start = randomMatrix(50, n, &rng)
            var reference = start.storage.map(Double.init)
            for k in 0..<50 {
                for j in 0..<n {
                    for r in 0..<17 { reference[k * n + j] += Double(x[r, k]) * Double(dy[r, j]) }
                }
            }
            inBothBuilds { build in
                var s = SparseRows()
                let collected = s.collect(from: x, maxDensity: 1)
                #expect(collected)
                var dw = start
                s.addTransposedProduct(dy, into: &dw)
                #expect(maxRelativeError(dw, reference) < 1e-5, "\(build) n \(n)")
                // Twice: the scratch is reused and the sums add up.
                s.addTransposedProduct(dy, into: &dw)
                let twice = zip(reference, start.storage).map { 2 * $0 - Double($1) }
                #expect(maxRelativeError(dw, twice) < 1e-5, "\(build) n \(n)")
            }
        }
    }

    @Test func dropoutDrawsTheDocumentedMaskAndAdvancesTheGenerator() {
        var rng = RNG(seed: 5)
        for count in [1, 2, 9, 1000] {
            let x = randomMatrix(1, count, &rng)
            let p: Float = 0.3, keep = 1 / (1 - p)
            let threshold = UInt64(Double(p) * 16_777_216)
            inBothBuilds { build in
                // The rule written out: two 24-bit uniforms per 64-bit draw, high bits first.
                var reference = RNG(seed: 99)
                var mask = [Float]()
                while mask.count < count {
                    let r = reference.next()
                    mask.append((r >> 40) < threshold ? 0 : keep)
                    if mask.count < count { mask.append(((r >> 16) & 0xFF_FFFF) < threshold ? 0 : keep) }
                }
                var generator = RNG(seed: 99)
                var m = Matrix.empty, out = Matrix.empty
                Kernels.dropout(x, probability: p, rng: &generator, mask: &m, out: &out)
                #expect(m.storage == mask, "\(build) count \(count)")
                #expect(out.storage == zip(x.storage, mask).map { $0 * $1 }, "\(build)")
                #expect(generator == reference, "\(build): the generator continues where the draws ended")
            }
        }
        // About p of a large mask is zero.
        var g = RNG(seed: 6), m = Matrix.empty, out = Matrix.empty
        Kernels.dropout(Matrix(rows: 1, cols: 100_000, repeating: 1), probability: 0.1, rng: &g, mask: &m, out: &out)
        let dropped = Double(m.storage.filter { $0 == 0 }.count) / 100_000
        #expect(abs(dropped - 0.1) < 0.005)
    }

    @Test func advancingTheGeneratorEqualsDrawing() {
        for n in [0, 1, 255, 256, 257, 1000, 65_539, 1 << 20] {
            var drawn = RNG(seed: 17), skipped = RNG(seed: 17)
            for _ in 0..<n { _ = drawn.next() }
            skipped.advance(by: n)
            #expect(skipped == drawn, "n = \(n)")
            #expect(skipped.next() == drawn.next())
        }
    }

    /// A share of a batch's rows gets exactly those rows of the whole batch's masks, and leaves
    /// the generator where the whole batch would: odd widths put shares on odd elements, halfway
    /// through a draw.
    @Test func dropoutOfAShareIsThoseRowsOfTheWholeBatchsMasks() {
        var rng = RNG(seed: 8)
        for (rows, cols) in [(7, 5), (10, 33), (64, 256), (3, 1)] {
            let x = randomMatrix(rows, cols, &rng)
            inBothBuilds { build in
                var whole = RNG(seed: 21), wholeMask = Matrix.empty, wholeOut = Matrix.empty
                Kernels.dropout(x, probability: 0.25, rng: &whole, mask: &wholeMask, out: &wholeOut)
                for cuts in [[0, rows], [0, rows / 2, rows], [0, 1, rows / 3, rows - 1, rows]] where cuts == cuts.sorted() {
                    for (a, b) in zip(cuts, cuts.dropFirst()) {
                        var g = RNG(seed: 21), m = Matrix.empty, out = Matrix.empty
                        Kernels.dropout(x.rows(a..<b), rowsFrom: a, ofBatch: rows, probability: 0.25, rng: &g, mask: &m, out: &out)
                        #expect(m.storage == wholeMask.rows(a..<b).storage, "\(build) \(rows)×\(cols) rows \(a)..<\(b)")
                        #expect(out.storage == wholeOut.rows(a..<b).storage)
                        #expect(g == whole, "\(build) \(rows)×\(cols) rows \(a)..<\(b): the generator ends where the whole batch's does")
                    }
                }
            }
        }
    }

    @Test func adamUpdateFollowsTheFormula() {
        var rng = RNG(seed: 7)
        for count in [1, 8, 21] {
            let value = randomMatrix(1, count, &rng).storage, grad = randomMatrix(1, count, &rng).storage
            let m0 = randomMatrix(1, count, &rng).storage, v0 = randomMatrix(1, count, &rng).storage.map { $0 * $0 }
            let (b1, b2, wd, step, c2, eps): (Float, Float, Float, Float, Float, Float) = (0.9, 0.999, 0.01, 0.002, 3.1, 1e-8)
            var expected = value, em = m0, ev = v0
            for i in 0..<count {
                let g = Double(grad[i]) + Double(wd) * Double(value[i])
                let m = Double(b1) * Double(m0[i]) + Double(1 - b1) * g
                let v = Double(b2) * Double(v0[i]) + Double(1 - b2) * g * g
                em[i] = Float(m); ev[i] = Float(v)
                expected[i] = Float(Double(value[i]) - Double(step) * m / (v.squareRoot() * Double(c2) + Double(eps)))
            }
            inBothBuilds { build in
                var p = value, m = m0, v = v0
                p.withUnsafeMutableBufferPointer { pp in
                    grad.withUnsafeBufferPointer { pg in
                        m.withUnsafeMutableBufferPointer { pm in
                            v.withUnsafeMutableBufferPointer { pv in
                                Kernels.adamUpdate(value: pp, grad: pg, m: pm, v: pv, beta1: b1, beta2: b2, weightDecay: wd,
                                                   stepSize: step, invSqrtC2: c2, epsilon: eps)
                            }
                        }
                    }
                }
                for i in 0..<count {
                    #expect(abs(p[i] - expected[i]) <= 1e-6 * max(1, abs(expected[i])), "\(build) θ[\(i)]")
                    #expect(abs(m[i] - em[i]) <= 1e-6 && abs(v[i] - ev[i]) <= 1e-6, "\(build) moments[\(i)]")
                }
            }
        }
    }

    @Test func rowsAreGatheredSummedAndFilled() {
        var rng = RNG(seed: 8)
        let src = randomMatrix(50, 37, &rng)
        let idx = [49, 0, 7, 7, 23, 1]
        var out = Matrix.empty
        src.gatherRows(idx[...], into: &out)
        #expect(out.rows == 6 && out.cols == 37)
        for (i, r) in idx.enumerated() { #expect(Array(out.row(i)) == Array(src.row(r))) }
        src.gatherRows(idx[3..<3], into: &out)
        #expect(out.rows == 0)

        for n in [1, 8, 19, 256] {
            let x = randomMatrix(9, n, &rng)
            let start = randomMatrix(1, n, &rng)
            let reference = (0..<n).map { j in (0..<9).reduce(Double(start.storage[j])) { $0 + Double(x[$1, j]) } }
            inBothBuilds { build in
                var sums = start
                Kernels.addColumnSums(of: x, into: &sums)
                #expect(maxRelativeError(sums, reference) < 1e-6, "\(build) n \(n)")
            }
            var filled = Matrix.empty
            Kernels.fillRows(&filled, rows: 4, with: start)
            #expect(filled.rows == 4 && (0..<4).allSatisfy { Array(filled.row($0)) == start.storage })
        }
    }
}
