import Tensor

/// The random source shared by the stochastic layers of one network, so that one seed
/// (and one saved state) fixes every dropout mask.
public final class RandomSource {
    public var rng: RNG
    public init(_ rng: RNG) { self.rng = rng }
}

/// Inverted dropout: while training, zero each unit with probability p and scale the rest by 1/(1-p).
public final class Dropout: Layer {
    public let probability: Float
    private let random: RandomSource
    private var scaleMask = Matrix.empty  // 0 or 1/(1-p) per element
    private var output = Matrix.empty
    private var dInput = Matrix.empty
    private var active = false

    public init(probability: Float, random: RandomSource) {
        precondition(probability >= 0 && probability < 1, "dropout probability must be in [0, 1)")
        self.probability = probability
        self.random = random
    }

    public func forward(_ x: Matrix, training: Bool) -> Matrix {
        active = training && probability > 0
        guard active else { return x }
        scaleMask.resize(rows: x.rows, cols: x.cols)
        output.resize(rows: x.rows, cols: x.cols)
        let keep = 1 / (1 - probability)
        let p = probability
        var rng = random.rng
        // Two 24-bit uniforms from each 64-bit draw (the mask only needs 24 bits each).
        let threshold = UInt64(Double(p) * 16_777_216)
        scaleMask.storage.withUnsafeMutableBufferPointer { m in
            let n = m.count
            var i = 0
            while i + 1 < n {
                let r = rng.next()
                m[i] = (r >> 40) < threshold ? 0 : keep
                m[i + 1] = ((r >> 16) & 0xFF_FFFF) < threshold ? 0 : keep
                i += 2
            }
            if i < n { m[i] = (rng.next() >> 40) < threshold ? 0 : keep }
        }
        random.rng = rng
        x.storage.withUnsafeBufferPointer { s in
            scaleMask.storage.withUnsafeBufferPointer { m in
                output.storage.withUnsafeMutableBufferPointer { y in
                    for i in s.indices { y[i] = s[i] * m[i] }
                }
            }
        }
        return output
    }

    public func backward(_ dy: Matrix) -> Matrix {
        guard active else { return dy }
        dInput.resize(rows: dy.rows, cols: dy.cols)
        dy.storage.withUnsafeBufferPointer { d in
            scaleMask.storage.withUnsafeBufferPointer { m in
                dInput.storage.withUnsafeMutableBufferPointer { dx in
                    for i in d.indices { dx[i] = d[i] * m[i] }
                }
            }
        }
        return dInput
    }

    public var parameters: [Parameter] { [] }
}
