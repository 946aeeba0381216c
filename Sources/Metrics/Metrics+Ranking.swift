extension Metrics {
    /// Area under the ROC curve for a binary task (scikit-learn's `roc_auc_score`).
    ///
    /// Computed as the Mann–Whitney statistic: the probability that a random positive row
    /// scores higher than a random negative one, ties counting one half (midranks).
    /// - Parameters:
    ///   - scores: (N) scores, higher meaning class 1 (e.g. P(class 1)).
    ///   - labels: (N) 0 or 1, -1 where missing.
    /// - Returns: nil unless both classes occur among the labelled rows, or if a labelled
    ///   row's score is NaN.
    /// - Complexity: O(n log n).
    public static func rocAUC(scores: [Float], labels: [Int32]) -> Double? {
        precondition(scores.count == labels.count, "rocAUC: \(scores.count) scores for \(labels.count) labels")
        // Sort keys: the score's bits mapped to an order-preserving unsigned integer in the
        // high half, the label in the low half; equal scores stay adjacent.
        var keys: [UInt64] = []
        keys.reserveCapacity(scores.count)
        var positives = 0
        for i in labels.indices where labels[i] >= 0 {
            let y = labels[i]
            precondition(y <= 1, "rocAUC: label \(y) is not 0 or 1")
            let score = scores[i]
            if score.isNaN { return nil }
            keys.append(UInt64(_orderedBits(score)) << 32 | UInt64(y))
            positives += Int(y)
        }
        let negatives = keys.count - positives
        guard positives > 0 && negatives > 0 else { return nil }
        keys.sort()
        // Sum of the positives' ranks (1-based), each tie group taking its mean rank.
        var rankSum = 0.0
        var i = 0
        while i < keys.count {
            let score = keys[i] >> 32
            var j = i
            var groupPositives = 0
            while j < keys.count && keys[j] >> 32 == score {
                groupPositives += Int(keys[j] & 1)
                j += 1
            }
            let midrank = Double(i + 1 + j) / 2  // mean of ranks i+1 … j
            rankSum += Double(groupPositives) * midrank
            i = j
        }
        let p = Double(positives), n = Double(negatives)
        return (rankSum - p * (p + 1) / 2) / (p * n)
    }

    /// The bits of a Float as an unsigned integer with the same order (-0 and +0 equal).
    @inline(__always)
    static func _orderedBits(_ x: Float) -> UInt32 {
        let bits = (x == 0 ? Float(0) : x).bitPattern
        return bits & 0x8000_0000 != 0 ? ~bits : bits | 0x8000_0000
    }
}
