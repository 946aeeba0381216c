import NN
import Tensor

/// How an ensemble's members are combined into one target distribution.
public enum EnsembleCombine: String, Equatable, Sendable, CaseIterable {
    /// mean_k softmax(z_k / T) — MT-DNN-KD.
    case meanProbs = "mean-probs"
    /// softmax(mean_k z_k / T) — TextBrewer.
    case meanLogits = "mean-logits"
}

public enum Ensemble {
    /// The ensemble's class probabilities at temperature T from K members' logits, each (N, C).
    public static func probabilities(memberLogits: [Matrix], combine: EnsembleCombine, temperature: Float) -> Matrix {
        precondition(!memberLogits.isEmpty, "an ensemble needs at least one member")
        let (n, c) = (memberLogits[0].rows, memberLogits[0].cols)
        var out = Matrix(rows: n, cols: c)
        switch combine {
        case .meanProbs:
            out = mean(memberLogits.map { Softmax.probabilities($0, temperature: temperature) })
        case .meanLogits:
            Softmax.probabilities(mean(memberLogits), temperature: temperature, into: &out)
        }
        return out
    }

    /// The members' mean of (N, 1) regression predictions.
    public static func meanPrediction(_ members: [Matrix]) -> Matrix { mean(members) }

    /// Element-wise mean of same-shaped matrices.
    static func mean(_ members: [Matrix]) -> Matrix {
        precondition(!members.isEmpty, "an ensemble needs at least one member")
        var out = Matrix(rows: members[0].rows, cols: members[0].cols)
        for m in members { out.add(m) }
        let inv = 1 / Float(members.count)
        for i in 0..<out.count { out.storage[i] *= inv }
        return out
    }
}
