import Tensor

/// A trained booster used as a teacher: the margins of its kept rounds as logits (or, for
/// regression, as the standardised prediction), for rows given the way it was trained.
public struct BoostedModel: @unchecked Sendable {
    public let booster: Booster
    public let objective: BoostingObjective
    /// Classes, or 1 for regression.
    public let outputs: Int
    /// Rounds 0...bestIteration predict.
    public let bestIteration: Int
    /// Per input: whether a 0 is missing to the booster (see `BoosterInput`).
    public let zeroIsMissing: [Bool]

    /// - Parameter booster: gets `nthread` 1 (prediction on the calling thread only).
    public init(booster: Booster, objective: BoostingObjective, outputs: Int, bestIteration: Int, zeroIsMissing: [Bool]) throws {
        try booster.set("nthread", "1")
        self.booster = booster; self.objective = objective; self.outputs = outputs
        self.bestIteration = bestIteration; self.zeroIsMissing = zeroIsMissing
    }

    /// Logits (rows, classes) — for two classes [0, m] with m the booster's margin, so that
    /// softmax gives its probabilities — or the standardised prediction (rows, 1).
    /// - Parameter x: (rows, inputs) dense rows as every network gets them.
    public func logits(_ x: Matrix) throws -> Matrix {
        var input = BoosterInput(zeroIsMissing: zeroIsMissing)
        input.append(x)
        return try logits(DMatrix(input))
    }

    /// As `logits(_:)` for rows already in XGBoost's form.
    public func logits(_ data: DMatrix) throws -> Matrix {
        let margins = try booster.margins(data, rounds: 0..<(bestIteration + 1))
        switch objective {
        case .binaryLogistic:
            var out = Matrix(rows: margins.rows, cols: 2)
            for r in 0..<margins.rows { out[r, 1] = margins.storage[r] }
            return out
        case .multiSoftprob, .squaredError:
            precondition(margins.cols == outputs, "the booster gives \(margins.cols) margins per row, expected \(outputs)")
            return margins
        }
    }
}
