import Foundation
import Testing
@testable import MultiTask
import Tensor

@Suite struct ScheduleTests {
    @Test func cosineWarmsUpLinearlyThenDecaysTowardsZero() {
        let s = LearningRateSchedule.cosine(warmupEpochs: 2)
        let f = (1...10).map { s.factor(epoch: $0, epochs: 10) }
        #expect(f[0] == 0.5 && f[1] == 1 && f[2] == 1)
        // Independent: 0.5·(1 + cos(π·k/8)) for k = 0…7 after the warm-up.
        for k in 0..<8 { #expect(abs(f[2 + k] - 0.5 * (1 + cos(Double.pi * Double(k) / 8))) < 1e-15) }
        #expect(zip(f[2...], f[3...]).allSatisfy { $0 > $1 } && f[9] > 0)
    }

    @Test func stepMultipliesByGammaEveryStepEpochs() {
        let s = LearningRateSchedule.step(every: 3, gamma: 0.5)
        #expect((1...7).map { s.factor(epoch: $0, epochs: 7) } == [1, 1, 1, 0.5, 0.5, 0.5, 0.25])
        #expect(LearningRateSchedule.constant.factor(epoch: 5, epochs: 9) == 1)
    }

    @Test func teacherAnnealingGoesFromTeachersToLabels() {
        #expect((1...5).map { AlphaSchedule.linear.alpha(base: 0.5, epoch: $0, epochs: 5) } == [1, 0.75, 0.5, 0.25, 0])
        #expect(AlphaSchedule.constant.alpha(base: 0.3, epoch: 4, epochs: 5) == 0.3)
    }

    @Test func theValidationObjectiveIncludesTheSoftTermAtTheTemperature() throws {
        let net = HardSharingNetwork(inputs: 5, hidden: [8], dropout: 0, tasks: [Fixtures.tasks[1]], seed: 4)
        var set = Fixtures.problem(rows: 40, seed: 9)
        set = LabelledSet(x: set.x, targets: [set.targets[1]])
        var q = Matrix(rows: 40, cols: 3)
        for r in 0..<40 { let a = Float(r % 5 + 1); q[r, 0] = a / (a + 3); q[r, 1] = 1 / (a + 3); q[r, 2] = 2 / (a + 3) }
        set.targets[0].soft = q
        let (alpha, T) = (Float(0.7), Float(2))
        let hardOnly = try Trainer.validate(network: net, on: set).loss
        let combined = try Trainer.validate(network: net, on: set, alpha: alpha, temperature: T).loss
        // Independent: KL(q ‖ softmax(z/T)) per row, averaged, times T², mixed with the hard loss.
        let z = net.predict(set.x)[0]
        var kl = 0.0
        for r in 0..<40 {
            let s = (0..<3).map { Double(z[r, $0]) / Double(T) }
            let lse = log(s.map { exp($0) }.reduce(0, +))
            for k in 0..<3 { let qk = Double(q[r, k]); kl += qk * (log(qk) - (s[k] - lse)) }
        }
        kl /= 40
        let expected = (1 - Double(alpha)) * hardOnly + Double(alpha) * Double(T * T) * kl
        #expect(abs(combined - expected) < 1e-9)
    }
}
