/// One model's metric on the labelled rows, evaluated on a resample given by multiplicities:
/// row i counts w[i] times. With every w[i] = 1 the value equals the `Metrics` function's,
/// bit for bit (same operations in the same order).
protocol _ResampledMetric {
    /// The metric on the resample; nil where undefined.
    /// - Parameter w: (n) multiplicities of the labelled rows.
    /// - Complexity: O(n).
    func value(_ w: UnsafeBufferPointer<Int32>) -> Double?
}

/// Accuracy: Σ w·correct / Σ w (as `Metrics.accuracy`).
struct _ResampledAccuracy: _ResampledMetric {
    /// (n) 1 where the prediction is right.
    let correct: [UInt8]

    func value(_ w: UnsafeBufferPointer<Int32>) -> Double? {
        guard !correct.isEmpty else { return nil }
        var hits = 0, total = 0
        correct.withUnsafeBufferPointer { c in
            for i in 0..<c.count {
                hits &+= Int(w[i]) &* Int(c[i])
                total &+= Int(w[i])
            }
        }
        return Double(hits) / Double(total)
    }
}

/// A mean of per-row losses: Σ w·loss / Σ w (log loss, as `Metrics.logLoss`).
struct _ResampledMean: _ResampledMetric {
    /// (n) each row's loss.
    let losses: [Double]

    func value(_ w: UnsafeBufferPointer<Int32>) -> Double? {
        guard !losses.isEmpty else { return nil }
        var sum = 0.0
        var total = 0
        losses.withUnsafeBufferPointer { l in
            for i in 0..<l.count {
                sum += Double(w[i]) * l[i]
                total &+= Int(w[i])
            }
        }
        return sum / Double(total)
    }
}

/// RMSE: √(Σ w·(prediction − target)² / Σ w) (as `Metrics.rmse`).
struct _ResampledRMSE: _ResampledMetric {
    /// (n) squared errors.
    let squares: [Double]

    func value(_ w: UnsafeBufferPointer<Int32>) -> Double? {
        guard !squares.isEmpty else { return nil }
        var sum = 0.0
        var total = 0
        squares.withUnsafeBufferPointer { s in
            for i in 0..<s.count {
                sum += Double(w[i]) * s[i]
                total &+= Int(w[i])
            }
        }
        return (sum / Double(total)).squareRoot()
    }
}

/// R² = 1 − Σ w·(prediction − target)² / Σ w·(target − weighted mean)² (as `Metrics.r2`).
struct _ResampledR2: _ResampledMetric {
    /// (n) squared errors.
    let squares: [Double]
    /// (n) targets.
    let targets: [Double]

    func value(_ w: UnsafeBufferPointer<Int32>) -> Double? {
        var total = 0
        var targetSum = 0.0
        for i in 0..<targets.count {
            targetSum += Double(w[i]) * targets[i]
            total &+= Int(w[i])
        }
        guard total >= 2 else { return nil }
        let mean = targetSum / Double(total)
        var residual = 0.0, spread = 0.0
        for i in 0..<targets.count {
            let weight = Double(w[i])
            let t = targets[i]
            residual += weight * squares[i]
            spread += weight * ((t - mean) * (t - mean))
        }
        guard spread > 0 else { return nil }
        return 1 - residual / spread
    }
}

/// ROC AUC by midranks (as `Metrics.rocAUC`), a row of multiplicity w counting as w tied copies.
///
/// The rows are sorted by score once; each resample sweeps that order, summing the weights of
/// each tie group: O(n) per resample.
struct _ResampledAUC: _ResampledMetric {
    /// (n) labelled rows in increasing score order.
    let order: [Int32]
    /// (n) per position in `order`: bit 0 the label (1 = positive), bit 1 set on the last row
    /// of a group of equal scores.
    let flags: [UInt8]
    /// A labelled row's score is NaN: the AUC is undefined.
    let undefined: Bool

    /// - Parameters:
    ///   - scores: (n) the labelled rows' scores.
    ///   - labels: (n) their labels, 0 or 1.
    init(scores: [Float], labels: [Int32]) {
        precondition(scores.count == labels.count)
        undefined = scores.contains { $0.isNaN }
        // Keys as in Metrics.rocAUC (order-preserving score bits high), the row index low.
        var keys = scores.indices.map { UInt64(Metrics._orderedBits(scores[$0])) << 32 | UInt64($0) }
        keys.sort()
        order = keys.map { Int32(truncatingIfNeeded: $0) }
        flags = keys.indices.map { k in
            let y = labels[Int(keys[k] & 0xFFFF_FFFF)]
            precondition(y == 0 || y == 1, "rocAUC: label \(y) is not 0 or 1")
            let last = k == keys.count - 1 || keys[k] >> 32 != keys[k + 1] >> 32
            return UInt8(y) | (last ? 2 : 0)
        }
    }

    func value(_ w: UnsafeBufferPointer<Int32>) -> Double? {
        guard !undefined else { return nil }
        // Twice the sum over positives of their (weighted) midranks, in integers: a group
        // spanning ranks before+1 … end has midrank (before + 1 + end) / 2. Every partial sum
        // is below 2^53, so halving it gives Metrics.rocAUC's Double sum exactly.
        var twiceRankSum = 0
        var before = 0          // weight of the rows below the current group
        var groupWeight = 0, groupPositives = 0
        var positives = 0
        order.withUnsafeBufferPointer { order in
            flags.withUnsafeBufferPointer { flags in
                for k in 0..<order.count {
                    let weight = Int(w[Int(order[k])])
                    let f = flags[k]
                    groupWeight &+= weight
                    groupPositives &+= weight & -Int(f & 1)
                    if f & 2 != 0 {
                        let end = before &+ groupWeight
                        twiceRankSum &+= groupPositives &* (before &+ 1 &+ end)
                        positives &+= groupPositives
                        before = end
                        groupWeight = 0
                        groupPositives = 0
                    }
                }
            }
        }
        let negatives = before - positives
        guard positives > 0 && negatives > 0 else { return nil }
        let p = Double(positives), n = Double(negatives)
        return (Double(twiceRankSum) / 2 - p * (p + 1) / 2) / (p * n)
    }
}
