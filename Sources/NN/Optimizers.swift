#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Tensor

/// The saved state of an optimizer: step count and one slot array per parameter and kind
/// (keys like "trunk.0.weight/m"), enough to continue training bit for bit.
public struct OptimizerState: Equatable, Sendable {
    public var step: Int
    public var slots: [String: [Float]]
    public init(step: Int, slots: [String: [Float]]) { self.step = step; self.slots = slots }
}

/// Updates parameters from their accumulated gradients.
public protocol Optimizer: AnyObject {
    var learningRate: Float { get set }
    /// Applies one update to every parameter (each scaled by its `learningRateScale`).
    func step(_ parameters: [Parameter])
    /// One update of elements `ranges[i]` of parameter i alone (a data-parallel rank's share);
    /// the other elements and their slots stay as they are. Every element updated gets the
    /// bits a whole-parameter `step` gives it.
    func step(_ parameters: [Parameter], ranges: [Range<Int>])
    var state: OptimizerState { get }
    /// Restores a state saved from an optimizer over the same parameters.
    func restore(_ state: OptimizerState, parameters: [Parameter]) throws
}

public struct OptimizerStateError: Error, CustomStringConvertible {
    public var description: String
}

/// Adam (Kingma & Ba) with PyTorch's conventions: bias-corrected moments, ε outside the
/// square root, L2 weight decay added to the gradient.
public final class Adam: Optimizer {
    public var learningRate: Float
    public let beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float
    private var t = 0
    private var m: [ObjectIdentifier: [Float]] = [:]
    private var v: [ObjectIdentifier: [Float]] = [:]
    private var names: [ObjectIdentifier: String] = [:]

    public init(learningRate: Float, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 0) {
        self.learningRate = learningRate; self.beta1 = beta1; self.beta2 = beta2
        self.epsilon = epsilon; self.weightDecay = weightDecay
    }

    /// The per-parameter rule, a pure function of (parameter, gradient, moments, step).
    /// `step` is the 1-based count including this update.
    @inline(__always)
    public static func update(value: UnsafeMutableBufferPointer<Float>, grad: UnsafeBufferPointer<Float>,
                              m: UnsafeMutableBufferPointer<Float>, v: UnsafeMutableBufferPointer<Float>,
                              step: Int, learningRate lr: Float, beta1 b1: Float, beta2 b2: Float,
                              epsilon eps: Float, weightDecay wd: Float) {
        let c1 = 1 - powf(b1, Float(step))
        let c2 = 1 - powf(b2, Float(step))
        let stepSize = lr / c1
        let invSqrtC2 = 1 / c2.squareRoot()
        Kernels.adamUpdate(value: value, grad: grad, m: m, v: v, beta1: b1, beta2: b2, weightDecay: wd,
                           stepSize: stepSize, invSqrtC2: invSqrtC2, epsilon: eps)
    }

    public func step(_ parameters: [Parameter]) { step(parameters, ranges: parameters.map { 0..<$0.count }) }

    public func step(_ parameters: [Parameter], ranges: [Range<Int>]) {
        precondition(ranges.count == parameters.count, "one range per parameter")
        t += 1
        for (p, range) in zip(parameters, ranges) {
            let id = ObjectIdentifier(p)
            if m[id] == nil {
                m[id] = [Float](repeating: 0, count: p.count)
                v[id] = [Float](repeating: 0, count: p.count)
                names[id] = p.name
            }
            guard !range.isEmpty else { continue }
            let lr = learningRate * p.learningRateScale
            p.value.storage.withUnsafeMutableBufferPointer { value in
                p.grad.storage.withUnsafeBufferPointer { grad in
                    m[id]!.withUnsafeMutableBufferPointer { mm in
                        v[id]!.withUnsafeMutableBufferPointer { vv in
                            Adam.update(value: .init(rebasing: value[range]), grad: .init(rebasing: grad[range]),
                                        m: .init(rebasing: mm[range]), v: .init(rebasing: vv[range]), step: t, learningRate: lr,
                                        beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: p.decays ? weightDecay : 0)
                        }
                    }
                }
            }
        }
    }

    public var state: OptimizerState {
        var slots: [String: [Float]] = [:]
        for (id, name) in names {
            slots["\(name)/m"] = m[id]
            slots["\(name)/v"] = v[id]
        }
        return OptimizerState(step: t, slots: slots)
    }

    public func restore(_ state: OptimizerState, parameters: [Parameter]) throws {
        t = state.step
        m = [:]; v = [:]; names = [:]
        guard state.step > 0 else { return }
        for p in parameters {
            guard let mm = state.slots["\(p.name)/m"], let vv = state.slots["\(p.name)/v"],
                  mm.count == p.count, vv.count == p.count else {
                throw OptimizerStateError(description: "optimizer state has no matching moments for parameter '\(p.name)'")
            }
            let id = ObjectIdentifier(p)
            m[id] = mm; v[id] = vv; names[id] = p.name
        }
    }
}

/// SGD with momentum, PyTorch's form: b ← μ·b + g (g with L2 decay), θ ← θ − lr·b.
public final class SGD: Optimizer {
    public var learningRate: Float
    public let momentum: Float, weightDecay: Float
    private var t = 0
    private var buffers: [ObjectIdentifier: [Float]] = [:]
    private var names: [ObjectIdentifier: String] = [:]

    public init(learningRate: Float, momentum: Float = 0.9, weightDecay: Float = 0) {
        self.learningRate = learningRate; self.momentum = momentum; self.weightDecay = weightDecay
    }

    /// The per-parameter rule. On the first step the buffer starts as the gradient (PyTorch).
    @inline(__always)
    public static func update(value: UnsafeMutableBufferPointer<Float>, grad: UnsafeBufferPointer<Float>,
                              buffer: UnsafeMutableBufferPointer<Float>, firstStep: Bool,
                              learningRate lr: Float, momentum mu: Float, weightDecay wd: Float) {
        for i in value.indices {
            let g = wd == 0 ? grad[i] : grad[i] + wd * value[i]
            let b = mu == 0 ? g : (firstStep ? g : mu * buffer[i] + g)
            buffer[i] = b
            value[i] -= lr * b
        }
    }

    public func step(_ parameters: [Parameter]) { step(parameters, ranges: parameters.map { 0..<$0.count }) }

    public func step(_ parameters: [Parameter], ranges: [Range<Int>]) {
        precondition(ranges.count == parameters.count, "one range per parameter")
        t += 1
        for (p, range) in zip(parameters, ranges) {
            let id = ObjectIdentifier(p)
            let first = buffers[id] == nil
            if first {
                buffers[id] = [Float](repeating: 0, count: p.count)
                names[id] = p.name
            }
            guard !range.isEmpty else { continue }
            let lr = learningRate * p.learningRateScale
            p.value.storage.withUnsafeMutableBufferPointer { value in
                p.grad.storage.withUnsafeBufferPointer { grad in
                    buffers[id]!.withUnsafeMutableBufferPointer { b in
                        SGD.update(value: .init(rebasing: value[range]), grad: .init(rebasing: grad[range]),
                                   buffer: .init(rebasing: b[range]), firstStep: first,
                                   learningRate: lr, momentum: momentum, weightDecay: p.decays ? weightDecay : 0)
                    }
                }
            }
        }
    }

    public var state: OptimizerState {
        var slots: [String: [Float]] = [:]
        for (id, name) in names { slots["\(name)/momentum"] = buffers[id] }
        return OptimizerState(step: t, slots: slots)
    }

    public func restore(_ state: OptimizerState, parameters: [Parameter]) throws {
        t = state.step
        buffers = [:]; names = [:]
        guard state.step > 0 else { return }
        for p in parameters {
            guard let b = state.slots["\(p.name)/momentum"], b.count == p.count else {
                throw OptimizerStateError(description: "optimizer state has no momentum buffer for parameter '\(p.name)'")
            }
            let id = ObjectIdentifier(p)
            buffers[id] = b; names[id] = p.name
        }
    }
}
