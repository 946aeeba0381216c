import Foundation

extension Metrics {
    /// The most probable class of each row; the first maximum wins ties.
    /// - Parameter probabilities: (N, classCount) row-major.
    /// - Returns: (N) classes.
    public static func argmax(probabilities: [Float], classCount: Int) -> [Int32] {
        precondition(classCount > 0, "argmax: classCount must be positive")
        precondition(probabilities.count % classCount == 0,
                     "argmax: \(probabilities.count) values do not make rows of \(classCount)")
        let rows = probabilities.count / classCount
        return [Int32](unsafeUninitializedCapacity: rows) { out, initialized in
            probabilities.withUnsafeBufferPointer { p in
                for r in 0..<rows {
                    let row = p.baseAddress! + r * classCount
                    var best = 0
                    var bestValue = row[0]
                    for c in 1..<classCount where row[c] > bestValue || (bestValue.isNaN && !row[c].isNaN) {
                        best = c
                        bestValue = row[c]
                    }
                    out[r] = Int32(best)
                }
            }
            initialized = rows
        }
    }

    /// The mean over rows of the entropy −Σ p·log p of each row's distribution, in nats
    /// (0·log 0 = 0). 0 when there are no rows.
    /// - Parameter probabilities: (N, classCount) row-major.
    public static func meanEntropy(probabilities: [Float], classCount: Int) -> Double {
        precondition(classCount > 0, "meanEntropy: classCount must be positive")
        precondition(probabilities.count % classCount == 0,
                     "meanEntropy: \(probabilities.count) values do not make rows of \(classCount)")
        let rows = probabilities.count / classCount
        guard rows > 0 else { return 0 }
        var sum = 0.0
        for value in probabilities where value > 0 {
            let p = Double(value)
            sum -= p * log(p)
        }
        return sum / Double(rows)
    }

    /// The fraction of rows on which all ensemble members predict the same class.
    /// - Parameter predictions: K arrays of N predicted classes, one per member.
    /// - Returns: nil if there are no members or no rows.
    public static func agreement(predictions: [[Int32]]) -> Double? {
        guard let first = predictions.first, !first.isEmpty else { return nil }
        for member in predictions {
            precondition(member.count == first.count,
                         "agreement: members predict \(member.count) and \(first.count) rows")
        }
        var agreeing = 0
        for i in first.indices where predictions.allSatisfy({ $0[i] == first[i] }) {
            agreeing += 1
        }
        return Double(agreeing) / Double(first.count)
    }
}
