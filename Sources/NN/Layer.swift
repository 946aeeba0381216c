import Tensor

/// A differentiable function with an explicit backward pass (llm.c style).
///
/// `forward` caches what `backward` needs (only when `training`); `backward` takes
/// dL/d(output), *adds* parameter gradients into `Parameter.grad`, releases the cache and
/// returns dL/d(input). Returned matrices are the layer's own buffers, valid until its next call.
public protocol Layer: AnyObject {
    /// x (B, in) → y (B, out)
    func forward(_ x: Matrix, training: Bool) -> Matrix
    /// dy (B, out) → dx (B, in)
    func backward(_ dy: Matrix) -> Matrix
    /// Trainable parameters, in a stable order.
    var parameters: [Parameter] { get }
}

/// Layers applied one after another.
public final class Sequential: Layer {
    public let layers: [Layer]

    public init(_ layers: [Layer]) { self.layers = layers }

    public func forward(_ x: Matrix, training: Bool) -> Matrix {
        var h = x
        for layer in layers { h = layer.forward(h, training: training) }
        return h
    }

    public func backward(_ dy: Matrix) -> Matrix {
        var d = dy
        for layer in layers.reversed() { d = layer.backward(d) }
        return d
    }

    public var parameters: [Parameter] { layers.flatMap { $0.parameters } }
}
