extension Metrics {
    /// Root mean squared error over rows with a target (scikit-learn's
    /// `root_mean_squared_error`). Nil if no row has a target.
    /// - Parameters:
    ///   - predicted: (N) predictions.
    ///   - targets: (N) true values, NaN where missing.
    public static func rmse(predicted: [Double], targets: [Double]) -> Double? {
        _rmse(predicted, targets)
    }

    /// `rmse` for single-precision arrays (computed in double precision).
    @_disfavoredOverload  // array literals pick the Double version
    public static func rmse(predicted: [Float], targets: [Float]) -> Double? {
        _rmse(predicted, targets)
    }

    /// Coefficient of determination 1 − SS_res / SS_tot over rows with a target
    /// (scikit-learn's `r2_score`). Nil if fewer than 2 rows have a target or if the
    /// targets are all equal (SS_tot = 0).
    /// - Parameters:
    ///   - predicted: (N) predictions.
    ///   - targets: (N) true values, NaN where missing.
    public static func r2(predicted: [Double], targets: [Double]) -> Double? {
        _r2(predicted, targets)
    }

    /// `r2` for single-precision arrays (computed in double precision).
    @_disfavoredOverload  // array literals pick the Double version
    public static func r2(predicted: [Float], targets: [Float]) -> Double? {
        _r2(predicted, targets)
    }

    static func _rmse<T: BinaryFloatingPoint>(_ predicted: [T], _ targets: [T]) -> Double? {
        precondition(predicted.count == targets.count, "rmse: \(predicted.count) predictions for \(targets.count) targets")
        var sum = 0.0
        var n = 0
        for i in targets.indices where !targets[i].isNaN {
            let d = Double(predicted[i]) - Double(targets[i])
            sum += d * d
            n += 1
        }
        return n == 0 ? nil : (sum / Double(n)).squareRoot()
    }

    static func _r2<T: BinaryFloatingPoint>(_ predicted: [T], _ targets: [T]) -> Double? {
        precondition(predicted.count == targets.count, "r2: \(predicted.count) predictions for \(targets.count) targets")
        var n = 0
        var targetSum = 0.0
        for t in targets where !t.isNaN {
            targetSum += Double(t)
            n += 1
        }
        guard n >= 2 else { return nil }
        let mean = targetSum / Double(n)
        var residual = 0.0
        var total = 0.0
        for i in targets.indices where !targets[i].isNaN {
            let t = Double(targets[i])
            let d = Double(predicted[i]) - t
            residual += d * d
            total += (t - mean) * (t - mean)
        }
        guard total > 0 else { return nil }
        return 1 - residual / total
    }
}
