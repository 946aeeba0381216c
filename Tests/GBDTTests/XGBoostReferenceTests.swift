import Foundation
import GBDT
import Tensor
import Testing

/// The synthetic rows of `Reference/xgboost_reference.py`, built the same way (integer
/// arithmetic, then float32), so both sides hold identical bits.
enum ReferenceData {
    static let rows = 400, train = 280, validation = 80
    static let numeric = 4, categories = 3
    static var inputs: Int { numeric + categories }
    /// One-hot inputs: their zeros are missing to the booster.
    static var zeroIsMissing: [Bool] { (0..<inputs).map { $0 >= numeric } }

    /// (rows, inputs) features and the latent score the labels come from.
    static func make() -> (x: Matrix, score: [Double]) {
        var x = Matrix(rows: rows, cols: inputs)
        var score = [Double](repeating: 0, count: rows)
        for i in 0..<rows {
            for j in 0..<numeric {
                let h = (i * 2_654_435_761 + j * 40503 + 12345) % 1000
                x[i, j] = Float(h) / Float(1000) - Float(0.5)
            }
            let c = (i * 7 + i / 5) % categories
            x[i, numeric + c] = 1
            if i % 17 == 3 { x[i, 2] = .nan }
            let noise = Double((i * 7919) % 101) / 101 - 0.5
            let v = (0..<numeric).map { Double(x[i, $0]) }
            let v2 = x[i, 2].isNaN ? 0 : v[2]
            score[i] = v[0] + 2 * v[1] * v2 - v[3] + (c == 1 ? 0.4 : -0.2) + 0.5 * noise
        }
        return (x, score)
    }

    static func labels(_ score: [Double], _ objective: BoostingObjective) -> [Float] {
        switch objective {
        case .binaryLogistic: return score.map { $0 > 0 ? 1 : 0 }
        case .multiSoftprob: return score.map { $0 < -0.3 ? 0 : $0 < 0.3 ? 1 : 2 }
        case .squaredError: return score.map { Float($0) }
        }
    }

    /// Rows `range` of x as the booster gets them.
    static func input(_ x: Matrix, _ range: Range<Int>) -> BoosterInput {
        var input = BoosterInput(zeroIsMissing: zeroIsMissing)
        input.append(x.rows(range))
        return input
    }

    /// The settings of the Python reference, for `objective`.
    static func settings(_ objective: BoostingObjective) -> BoostingSettings {
        BoostingSettings(objective: objective, outputs: objective == .multiSoftprob ? 3 : objective == .binaryLogistic ? 2 : 1,
                         maxDepth: 3, learningRate: 0.3, rounds: 200, earlyStopping: 8, subsample: 0.8, colsample: 0.8,
                         minChildWeight: 1, lambda: 1, seed: 7)
    }

    /// Trains on rows 0..<280 with early stopping on rows 280..<360.
    static func fit(_ objective: BoostingObjective, settings: BoostingSettings? = nil) throws -> BoostingResult {
        let (x, score) = make()
        let y = labels(score, objective)
        let train = try DMatrix(input(x, 0..<Self.train), labels: Array(y[0..<Self.train]))
        let val = try DMatrix(input(x, Self.train..<(Self.train + validation)), labels: Array(y[Self.train..<(Self.train + validation)]))
        return try BoostingTrainer.fit(settings ?? Self.settings(objective), train: train, validation: val)
    }
}

/// A booster trained through mtkd's wrapper matches Python's `xgboost.train` with early
/// stopping on the same rows and settings (numbers printed by `Reference/xgboost_reference.py`).
@Suite("GBDT: against Python's xgboost")
struct XGBoostReferenceTests {
    struct Expected {
        var bestIteration: Int
        var rounds: Int
        var validationLoss: [Double]
        var margins: [[Double]]
    }

    // Printed by Reference/xgboost_reference.py (xgboost 1.7.4).
    // binary: binary:logistic
    static let binary = Expected(bestIteration: 16, rounds: 25,
        validationLoss: [0.4914228908717632, 0.3792102415114641, 0.31564818490296603],  // XGBoost's logloss, rounds 0-2
        margins: [
            [-2.792145252227783],
            [-3.888115644454956],
            [3.731140613555908],
            [3.7115581035614014],
            [-3.888115644454956],
            [-4.888508319854736],
            [4.526762008666992],
            [3.3162591457366943],
        ])
    // multiclass: multi:softprob
    static let multiclass = Expected(bestIteration: 13, rounds: 22,
        validationLoss: [0.8706346169114113, 0.7438431568443775, 0.6771048463881015],  // XGBoost's mlogloss, rounds 0-2
        margins: [
            [2.6637964248657227, 0.5324186682701111, -1.7410261631011963],
            [0.8381601572036743, 0.5776590704917908, -1.7410261631011963],
            [-1.7775475978851318, 1.5550087690353394, 0.29869455099105835],
            [-1.7775475978851318, 1.9294326305389404, -0.0039614662528038025],
            [0.1949879229068756, 1.4223984479904175, -1.7410261631011963],
            [2.829507827758789, -0.6889209747314453, -1.7410261631011963],
            [-1.7775475978851318, -0.04539709538221359, 3.0151615142822266],
            [-1.7775475978851318, 0.887322723865509, 0.29869455099105835],
        ])
    // regression: reg:squarederror
    static let regression = Expected(bestIteration: 7, rounds: 16,
        validationLoss: [0.5360368028302283, 0.38330061229998025, 0.2830435896009631],  // XGBoost's rmse, rounds 0-2
        margins: [
            [-0.5886312127113342],
            [-0.15944018959999084],
            [0.24423553049564362],
            [0.22856494784355164],
            [-0.18408560752868652],
            [-0.669278621673584],
            [0.748102605342865],
            [0.2409050017595291],
        ])

    static let cases: [(BoostingObjective, Expected)] = [(.binaryLogistic, binary), (.multiSoftprob, multiclass), (.squaredError, regression)]

    @Test(arguments: [0, 1, 2])
    func boosterMatchesPythonXGBoost(_ index: Int) throws {
        let (objective, expected) = Self.cases[index]
        let result = try ReferenceData.fit(objective)
        #expect(result.bestIteration == expected.bestIteration)
        #expect(try result.booster.rounds == expected.rounds)
        #expect(result.history.count == expected.rounds)
        for (i, loss) in expected.validationLoss.enumerated() {
            // The history keeps MSE for regression (XGBoost reports RMSE).
            let mine = objective == .squaredError ? result.history[i].validationLoss.squareRoot() : result.history[i].validationLoss
            #expect(abs(mine - loss) <= 1e-9 * max(1, abs(loss)), "round \(i): \(mine) vs \(loss)")
        }
        let (x, _) = ReferenceData.make()
        let start = ReferenceData.train + ReferenceData.validation
        let model = try BoostedModel(booster: result.booster, objective: objective, outputs: ReferenceData.settings(objective).outputs,
                                     bestIteration: result.bestIteration, zeroIsMissing: ReferenceData.zeroIsMissing)
        let logits = try model.logits(x.rows(start..<(start + expected.margins.count)))
        var worst = 0.0
        for (r, row) in expected.margins.enumerated() {
            // Two classes: logits [0, m].
            let mine = objective == .binaryLogistic ? [Double(logits[r, 1])] : (0..<logits.cols).map { Double(logits[r, $0]) }
            if objective == .binaryLogistic { #expect(logits[r, 0] == 0) }
            #expect(mine.count == row.count)
            for (a, b) in zip(mine, row) { worst = max(worst, abs(a - b)) }
        }
        #expect(worst <= 1e-5, "max |margin − python| = \(worst)")
    }
}
