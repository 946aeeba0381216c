#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Tensor

/// A loss over one batch: the mean over the `count` rows that took part.
public struct LossValue: Equatable, Sendable {
    public var mean: Double
    /// Rows that contributed (rows with a missing label do not).
    public var count: Int
    public init(mean: Double, count: Int) { self.mean = mean; self.count = count }
}

/// Losses with their gradients. Each takes the network's raw outputs, returns the mean
/// loss over the rows that take part, and *adds* `scale · ∂mean/∂outputs` into `grad`
/// (which must already have the outputs' shape), so a caller can sum weighted losses.
public enum Loss {
    /// Cross-entropy of integer labels; a label of −1 means missing (no loss, no gradient).
    ///
    /// - Parameters:
    ///   - logits: (N, C)
    ///   - labels: N labels in 0..<C or −1
    ///   - scratch: reused buffer for the probabilities
    public static func crossEntropy(logits: Matrix, labels: ArraySlice<Int32>, scale: Float,
                                    grad: inout Matrix, scratch: inout Matrix) -> LossValue {
        precondition(labels.count == logits.rows, "\(labels.count) labels for \(logits.rows) rows")
        precondition(grad.rows == logits.rows && grad.cols == logits.cols, "gradient shape mismatch")
        Softmax.probabilities(logits, into: &scratch)
        let c = logits.cols
        var count = 0
        for y in labels where y >= 0 { count += 1 }
        guard count > 0 else { return LossValue(mean: 0, count: 0) }
        let g = scale / Float(count)
        var total: Double = 0
        scratch.storage.withUnsafeBufferPointer { p in
            grad.storage.withUnsafeMutableBufferPointer { d in
                var r = 0
                for y in labels {
                    defer { r += 1 }
                    guard y >= 0 else { continue }
                    precondition(Int(y) < c, "label \(y) outside 0..<\(c)")
                    let o = r * c
                    total -= Double(logf(max(p[o + Int(y)], 1e-30)))
                    for j in 0..<c { d[o + j] += g * p[o + j] }
                    d[o + Int(y)] -= g
                }
            }
        }
        return LossValue(mean: total / Double(count), count: count)
    }

    /// Soft cross-entropy against target distributions at temperature T.
    ///
    /// The loss value reported is KL(q ‖ p_T) (≥ 0; same gradient as the cross-entropy):
    /// mean over rows of Σ_c q_c (log q_c − log p_T,c), where p_T = softmax(z / T).
    /// Gradient of the mean w.r.t. z: (p_T − q) / (T · N). Rows whose `rowMask` is false are skipped.
    ///
    /// - Parameters:
    ///   - logits: (N, C)
    ///   - targets: (N, C) probabilities, rows summing to 1
    public static func softCrossEntropy(logits: Matrix, targets: Matrix, temperature: Float, scale: Float,
                                        grad: inout Matrix, scratch: inout Matrix, rowMask: [Bool]? = nil) -> LossValue {
        precondition(targets.rows == logits.rows && targets.cols == logits.cols, "targets shape mismatch")
        precondition(grad.rows == logits.rows && grad.cols == logits.cols, "gradient shape mismatch")
        Softmax.logProbabilities(logits, temperature: temperature, into: &scratch)
        let c = logits.cols
        let n = rowMask.map { $0.lazy.filter { $0 }.count } ?? logits.rows
        guard n > 0 else { return LossValue(mean: 0, count: 0) }
        let g = scale / (temperature * Float(n))
        var total: Double = 0
        scratch.storage.withUnsafeBufferPointer { lp in
            targets.storage.withUnsafeBufferPointer { q in
                grad.storage.withUnsafeMutableBufferPointer { d in
                    for r in 0..<logits.rows {
                        if let mask = rowMask, !mask[r] { continue }
                        let o = r * c
                        for j in 0..<c {
                            let qj = q[o + j]
                            if qj > 0 { total += Double(qj) * (Double(logf(qj)) - Double(lp[o + j])) }
                            d[o + j] += g * (expf(lp[o + j]) - qj)
                        }
                    }
                }
            }
        }
        return LossValue(mean: total / Double(n), count: n)
    }

    /// Mean squared error of (N, 1) predictions against targets; NaN targets are missing.
    /// Gradient of the mean: 2 (ŷ − y) / N.
    public static func meanSquaredError(predictions: Matrix, targets: ArraySlice<Float>, scale: Float,
                                        grad: inout Matrix) -> LossValue {
        precondition(predictions.cols == 1 && predictions.rows == targets.count, "mse expects (N, 1) predictions for N targets")
        precondition(grad.rows == predictions.rows && grad.cols == 1, "gradient shape mismatch")
        var count = 0
        for t in targets where !t.isNaN { count += 1 }
        guard count > 0 else { return LossValue(mean: 0, count: 0) }
        let g = 2 * scale / Float(count)
        var total: Double = 0
        predictions.storage.withUnsafeBufferPointer { p in
            grad.storage.withUnsafeMutableBufferPointer { d in
                var r = 0
                for t in targets {
                    defer { r += 1 }
                    guard !t.isNaN else { continue }
                    let e = p[r] - t
                    total += Double(e) * Double(e)
                    d[r] += g * e
                }
            }
        }
        return LossValue(mean: total / Double(count), count: count)
    }
}
