import Foundation

extension Metrics {
    /// The fraction of labelled rows whose prediction equals the label
    /// (scikit-learn's `accuracy_score`). Nil if no row is labelled.
    /// - Parameters:
    ///   - predicted: (N) predicted classes.
    ///   - labels: (N) true classes, -1 where missing.
    public static func accuracy(predicted: [Int32], labels: [Int32]) -> Double? {
        precondition(predicted.count == labels.count, "accuracy: \(predicted.count) predictions for \(labels.count) labels")
        var labelled = 0
        var correct = 0
        for i in labels.indices where labels[i] >= 0 {
            labelled += 1
            if predicted[i] == labels[i] { correct += 1 }
        }
        return labelled == 0 ? nil : Double(correct) / Double(labelled)
    }

    /// Macro-averaged F1 (scikit-learn's `f1_score(average="macro")`): the mean, over the
    /// classes present among the labelled rows' labels or predictions, of
    /// F1 = 2·TP / (2·TP + FP + FN) (0 for a class never predicted correctly).
    /// Nil if no row is labelled.
    /// - Parameters:
    ///   - predicted: (N) predicted classes in 0..<classCount.
    ///   - labels: (N) true classes in 0..<classCount, -1 where missing.
    public static func macroF1(predicted: [Int32], labels: [Int32], classCount: Int) -> Double? {
        precondition(predicted.count == labels.count, "macroF1: \(predicted.count) predictions for \(labels.count) labels")
        precondition(classCount > 0, "macroF1: classCount must be positive")
        var truePositives = [Int](repeating: 0, count: classCount)
        var labelCounts = [Int](repeating: 0, count: classCount)      // TP + FN
        var predictedCounts = [Int](repeating: 0, count: classCount)  // TP + FP
        var labelled = 0
        for i in labels.indices where labels[i] >= 0 {
            let y = Int(labels[i]), p = Int(predicted[i])
            precondition(y < classCount, "macroF1: label \(y) outside 0..<\(classCount)")
            precondition(p >= 0 && p < classCount, "macroF1: prediction \(p) outside 0..<\(classCount)")
            labelled += 1
            labelCounts[y] += 1
            predictedCounts[p] += 1
            if y == p { truePositives[y] += 1 }
        }
        guard labelled > 0 else { return nil }
        var sum = 0.0
        var present = 0
        for c in 0..<classCount where labelCounts[c] + predictedCounts[c] > 0 {
            present += 1
            sum += 2 * Double(truePositives[c]) / Double(labelCounts[c] + predictedCounts[c])
        }
        return sum / Double(present)
    }

    /// Mean negative log-likelihood of the true class, in nats (scikit-learn's `log_loss`
    /// for rows that sum to 1). Probabilities are clipped below at 1e-7 so that a confident
    /// mistake costs at most -log(1e-7) ≈ 16.1. Nil if no row is labelled.
    /// - Parameters:
    ///   - probabilities: (N, classCount) row-major class probabilities.
    ///   - labels: (N) true classes in 0..<classCount, -1 where missing.
    public static func logLoss(probabilities: [Float], labels: [Int32], classCount: Int) -> Double? {
        precondition(classCount > 0, "logLoss: classCount must be positive")
        precondition(probabilities.count == labels.count * classCount,
                     "logLoss: \(probabilities.count) probabilities for \(labels.count) rows × \(classCount) classes")
        var sum = 0.0
        var labelled = 0
        for i in labels.indices where labels[i] >= 0 {
            let y = Int(labels[i])
            precondition(y < classCount, "logLoss: label \(y) outside 0..<\(classCount)")
            let p = Double(probabilities[i * classCount + y])
            sum -= log(max(p, 1e-7))
            labelled += 1
        }
        return labelled == 0 ? nil : sum / Double(labelled)
    }
}
