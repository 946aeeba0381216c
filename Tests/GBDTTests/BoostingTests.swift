import Foundation
import GBDT
import Tensor
import Testing

@Suite("GBDT: boosting")
struct BoostingTests {
    @Test func sameSeedGivesTheSameBytesAndAnotherSeedOtherTrees() throws {
        let a = try ReferenceData.fit(.binaryLogistic).booster.save()
        let b = try ReferenceData.fit(.binaryLogistic).booster.save()
        #expect(a == b)
        var settings = ReferenceData.settings(.binaryLogistic)
        settings.seed = 8
        let c = try ReferenceData.fit(.binaryLogistic, settings: settings).booster.save()
        #expect(a != c)
    }

    @Test(arguments: [BoostingObjective.binaryLogistic, .multiSoftprob, .squaredError])
    func earlyStoppingKeepsTheFirstLowestValidationLossAndStopsPatienceRoundsLater(_ objective: BoostingObjective) throws {
        let result = try ReferenceData.fit(objective)
        let losses = result.history.map(\.validationLoss)
        let lowest = losses.min()!
        #expect(result.bestIteration == losses.firstIndex(of: lowest)!)
        #expect(result.history.count == result.bestIteration + 1 + ReferenceData.settings(objective).earlyStopping)
        #expect(result.history.map(\.iteration) == Array(0..<result.history.count))
        #expect(try result.booster.attribute("best_iteration") == String(result.bestIteration))
    }

    @Test func withoutEarlyStoppingEveryRoundIsBoosted() throws {
        var settings = ReferenceData.settings(.binaryLogistic)
        settings.rounds = 12
        settings.earlyStopping = 1000
        let result = try ReferenceData.fit(.binaryLogistic, settings: settings)
        #expect(try result.booster.rounds == 12)
        #expect(result.history.count == 12)
    }

    @Test func validationMetricIsAccuracyOrRSquared() throws {
        let (x, score) = ReferenceData.make()
        let range = ReferenceData.train..<(ReferenceData.train + ReferenceData.validation)
        for objective in [BoostingObjective.binaryLogistic, .squaredError] {
            let result = try ReferenceData.fit(objective)
            let model = try BoostedModel(booster: result.booster, objective: objective, outputs: objective == .squaredError ? 1 : 2,
                                         bestIteration: result.bestIteration, zeroIsMissing: ReferenceData.zeroIsMissing)
            let logits = try model.logits(x.rows(range))
            let y = ReferenceData.labels(score, objective)[range]
            let kept = result.history[result.bestIteration].validationMetric
            if objective == .binaryLogistic {
                let correct = zip(0..<logits.rows, y).filter { r, label in (logits[r, 1] > 0 ? 1 : 0) == Int(label) }.count
                #expect(abs(kept - Double(correct) / Double(y.count)) < 1e-12)
            } else {
                let values = y.map(Double.init)
                let mean = values.reduce(0, +) / Double(values.count)
                let total = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
                let residual = zip(0..<logits.rows, values).reduce(0.0) { $0 + pow(Double(logits[$1.0, 0]) - $1.1, 2) }
                #expect(abs(kept - (1 - residual / total)) < 1e-5)
            }
        }
    }

    @Test func savedBoosterPredictsTheSameAfterLoading() throws {
        let result = try ReferenceData.fit(.multiSoftprob)
        let (x, _) = ReferenceData.make()
        let rows = x.rows(360..<400)
        let before = try BoostedModel(booster: result.booster, objective: .multiSoftprob, outputs: 3,
                                      bestIteration: result.bestIteration, zeroIsMissing: ReferenceData.zeroIsMissing).logits(rows)
        for format in [Booster.ModelFormat.ubj, .json] {
            let loaded = try Booster(model: try result.booster.save(format: format))
            #expect(try loaded.rounds == result.booster.rounds)
            #expect(try loaded.attribute("best_iteration") == String(result.bestIteration))
            let after = try BoostedModel(booster: loaded, objective: .multiSoftprob, outputs: 3, bestIteration: result.bestIteration,
                                         zeroIsMissing: ReferenceData.zeroIsMissing).logits(rows)
            #expect(after == before)
        }
    }

    @Test func treeCountsOfTheKeptRounds() throws {
        let result = try ReferenceData.fit(.multiSoftprob)
        let kept = try result.booster.slice(0..<(result.bestIteration + 1)).treeCounts()
        #expect(kept.trees == 3 * (result.bestIteration + 1))  // one tree per class and round
        #expect(kept.leaves > kept.trees && kept.nodes == 2 * kept.leaves - kept.trees)  // binary trees
        #expect(kept.nodes <= kept.trees * 15)  // depth 3
    }

    @Test func errorsCarryXGBoostsMessage() throws {
        #expect(throws: XGBoostError.self) { try Booster(model: [1, 2, 3]) }
        let (x, score) = ReferenceData.make()
        let train = try DMatrix(ReferenceData.input(x, 0..<10), labels: ReferenceData.labels(Array(score[0..<10]), .binaryLogistic))
        let booster = try Booster(cache: [train])
        do {
            try booster.set("max_depth", "deep")  // XGBoost checks parameters when training starts
            try booster.update(round: 0, train: train)
            Issue.record("a non-numeric max_depth was accepted")
        } catch let error as XGBoostError {
            #expect(error.operation == "boost round 0")
            #expect(error.message.contains("max_depth"), "\(error.message)")
            #expect(!error.message.contains("\n") && !error.message.hasPrefix("["))
        }
    }

    @Test func inputLeavesOutNaNAndTheZerosOfOneHotInputs() {
        var input = BoosterInput(zeroIsMissing: [false, true, true])
        input.append(Matrix(rows: 3, cols: 3, storage: [0, 1, 0,  .nan, 0, 1,  2, 0, 0]))
        #expect(input.rows == 3)
        #expect(input.rowStart == [0, 2, 3, 4])
        #expect(input.columns == [0, 1, 2, 0])
        #expect(input.values == [0, 1, 1, 2])
    }

    @Test func stridedInputKeepsEveryKthRow() {
        var input = BoosterInput(zeroIsMissing: [false, true])
        input.append(Matrix(rows: 5, cols: 2, storage: [1, 0,  2, 1,  3, 0,  4, 1,  5, 0]))
        let every2 = input.strided(2)
        #expect(every2.rows == 3)
        #expect(every2.rowStart == [0, 1, 2, 3])
        #expect(every2.values == [1, 3, 5])
        #expect(input.strided(1).values == input.values)
    }

    @Test func trainingLossMayBeTakenOnASampleWithoutChangingTheTrees() throws {
        let (x, score) = ReferenceData.make()
        let y = ReferenceData.labels(score, .binaryLogistic)
        let trainInput = ReferenceData.input(x, 0..<ReferenceData.train)
        let train = try DMatrix(trainInput, labels: Array(y[0..<ReferenceData.train]))
        let range = ReferenceData.train..<(ReferenceData.train + ReferenceData.validation)
        let val = try DMatrix(ReferenceData.input(x, range), labels: Array(y[range]))
        let sample = try DMatrix(trainInput.strided(3), labels: Array(stride(from: 0, to: ReferenceData.train, by: 3).map { y[$0] }))
        let settings = ReferenceData.settings(.binaryLogistic)
        let full = try BoostingTrainer.fit(settings, train: train, validation: val)
        let sampled = try BoostingTrainer.fit(settings, train: train, validation: val, trainLossRows: sample)
        #expect(try full.booster.save() == sampled.booster.save())
        #expect(full.history.map(\.validationLoss) == sampled.history.map(\.validationLoss))
        #expect(full.history.map(\.trainLoss) != sampled.history.map(\.trainLoss))
    }
}
