import Tensor

/// The random source shared by the stochastic layers of one network, so that one seed
/// (and one saved state) fixes every dropout mask.
public final class RandomSource {
    public var rng: RNG
    /// Data-parallel training: the layers see rows `offset ..< offset + their rows` of a batch of
    /// `total` rows. Masks are drawn for the whole batch (as one process would) and the share's
    /// rows used, so every rank's generator stays in step and a row's mask does not depend on
    /// how the batch was split. nil: the layers see the whole batch.
    public var share: (offset: Int, total: Int)?
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
        // This share's rows of the whole batch's masks (the whole batch when not data-parallel).
        let share = random.share ?? (offset: 0, total: x.rows)
        Kernels.dropout(x, rowsFrom: share.offset, ofBatch: share.total, probability: probability, rng: &random.rng,
                        mask: &scaleMask, out: &output)
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
