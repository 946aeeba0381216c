import Tensor

/// A trainable tensor and its gradient, shared by the layer that owns it and the optimizer.
public final class Parameter {
    /// Stable name within its network, e.g. "trunk.0.weight"; used as the key in model files.
    public let name: String
    public var value: Matrix
    /// Accumulated gradient of the loss; layers add into it, `zeroGrad` clears it.
    public var grad: Matrix
    /// Multiplies the optimizer's learning rate for this parameter (e.g. cross-stitch units).
    public var learningRateScale: Float = 1
    /// Whether the optimizer's weight decay applies (not to mixing matrices, which decay would pull to 0).
    public var decays = true

    public init(name: String, value: Matrix) {
        self.name = name
        self.value = value
        self.grad = Matrix(rows: value.rows, cols: value.cols)
    }

    public var count: Int { value.count }

    public func zeroGrad() { grad.fill(0) }
}

extension Array where Element == Parameter {
    /// Total number of scalars.
    public var scalarCount: Int { reduce(0) { $0 + $1.count } }

    public func zeroGrads() { for p in self { p.zeroGrad() } }
}
