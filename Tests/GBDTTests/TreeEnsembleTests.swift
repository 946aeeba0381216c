import Foundation
import GBDT
import Tensor
import Testing

/// The trees read from XGBoost's JSON model are the booster: walked as `TreeEnsemble` says
/// (left when x < split_condition, default_left for a missing value, leaves summed per class
/// from the base margin), they give XGBoost's own margins of the kept rounds.
@Suite("GBDT: trees from the JSON model")
struct TreeEnsembleTests {
    /// (rows, groups) margins by walking every tree for every row; a NaN, or a 0 in an input
    /// `zeroIsMissing` marks, is missing.
    static func walk(_ e: TreeEnsemble, _ x: Matrix, zeroIsMissing: [Bool]) -> Matrix {
        var out = Matrix(rows: x.rows, cols: e.groups)
        for r in 0..<x.rows {
            for g in 0..<e.groups { out[r, g] = e.baseMargin }
            for t in 0..<e.trees {
                let start = e.treeStart[t]
                var n = start
                while !e.isLeaf(n) {
                    let f = Int(e.splitIndices[n])
                    let v = x[r, f]
                    let missing = v.isNaN || (v == 0 && zeroIsMissing[f])
                    let left = missing ? e.defaultLeft[n] : v < e.splitConditions[n]
                    n = start + Int(left ? e.leftChildren[n] : e.rightChildren[n])
                }
                out[r, e.treeGroup[t]] += e.splitConditions[n]
            }
        }
        return out
    }

    @Test(arguments: [BoostingObjective.binaryLogistic, .multiSoftprob, .squaredError])
    func walkingTheTreesGivesXGBoostsMarginsOfTheKeptRounds(_ objective: BoostingObjective) throws {
        let result = try ReferenceData.fit(objective)
        let kept = 0..<(result.bestIteration + 1)
        let trees = try result.booster.trees(rounds: kept)
        let groups = objective == .multiSoftprob ? 3 : 1
        #expect(trees.objective == objective && trees.groups == groups && trees.features == ReferenceData.inputs)
        #expect(trees.trees == groups * kept.count)
        #expect(trees.treeGroup == (0..<trees.trees).map { $0 % groups })   // tree i adds to class i % K
        #expect(trees.trees == (try result.booster.slice(kept).treeCounts()).trees)
        #expect(trees.baseMargin == (objective == .binaryLogistic ? 0 : 0.5))   // base_score 0.5; logit(0.5) = 0
        let (x, _) = ReferenceData.make()
        let all = 0..<ReferenceData.rows
        let expected = try result.booster.margins(try DMatrix(ReferenceData.input(x, all)), rounds: kept)
        let walked = Self.walk(trees, x.rows(all), zeroIsMissing: ReferenceData.zeroIsMissing)
        #expect(walked.rows == expected.rows && walked.cols == expected.cols)
        let worst = zip(walked.storage, expected.storage).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst <= 1e-6, "max |walked − XGBoost| = \(worst)")
        // The rows with a NaN input (every 17th) and every row's one-hot zeros took the default direction.
        #expect((0..<ReferenceData.rows).contains { x[$0, 2].isNaN })
    }

    @Test func aLeafIsItsValueAndASplitHasTwoChildren() throws {
        let trees = try ReferenceData.fit(.binaryLogistic).booster.trees(rounds: 0..<3)
        #expect(trees.treeStart.count == trees.trees + 1 && trees.treeStart.last == trees.nodes)
        for n in 0..<trees.nodes {
            #expect((trees.leftChildren[n] < 0) == (trees.rightChildren[n] < 0))
        }
        #expect((0..<trees.nodes).filter(trees.isLeaf).count == (try ReferenceData.fit(.binaryLogistic).booster.slice(0..<3).treeCounts()).leaves)
    }

    @Test func anObjectiveMtkdDoesNotBoostWithIsRefusedNamingIt() throws {
        let json = String(decoding: try ReferenceData.fit(.multiSoftprob).booster.save(format: .json), as: UTF8.self)
            .replacingOccurrences(of: "\"name\":\"multi:softprob\"", with: "\"name\":\"multi:softmax\"")
        #expect(throws: XGBoostError(operation: "read the booster's JSON model",
                                     message: "objective 'multi:softmax' is not one mtkd boosts with (binary:logistic, multi:softprob, reg:squarederror)")) {
            try TreeEnsemble(json: Array(json.utf8))
        }
    }
}
