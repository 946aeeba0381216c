import ArgumentParser
import Foundation
import Metrics
import Tensor

/// `mtkd-bench bootstrap`: the paired bootstrap over test rows on a census-sized split
/// (99,762 rows), two models, every classification metric. A timing, not a test.
struct BootstrapSpeed: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bootstrap",
        abstract: "Time the paired bootstrap of two models (auc, accuracy, log_loss) on a census-sized test split.")

    @Option(help: "Test rows (the census test split has 99,762).")
    var rows = 99_762

    @Option(help: "Resamples.")
    var resamples = 1000

    @Option(help: "Runs per metric; the fastest is reported.")
    var repeats = 3

    func validate() throws {
        guard rows > 1, resamples > 0, repeats > 0 else { throw ValidationError("rows, resamples and repeats must be positive") }
    }

    func run() {
        // A binary task with ~24% positives and 1% missing labels; model b is a noisier a.
        var rng = RNG(seed: 2024)
        var labels: [Int32] = [], a: [Float] = [], b: [Float] = []
        for _ in 0..<rows {
            let y: Int32 = rng.uniform() < 0.24 ? 1 : 0
            labels.append(rng.uniform() < 0.01 ? -1 : y)
            let signal = Float(y) - 0.5
            let pa = 1 / (1 + exp(-(2.2 * signal + rng.normal())))
            let pb = 1 / (1 + exp(-(2.0 * signal + 1.1 * rng.normal())))
            a += [1 - pa, pa]
            b += [1 - pb, pb]
        }
        let bootstrap = PairedBootstrap(labels: labels, classCount: 2, resamples: resamples, seed: 1)
        print("Paired bootstrap, \(resamples) resamples of \(bootstrap.rowCount) labelled rows, 2 models, best of \(repeats):")
        for metric in [PairedBootstrap.Metric.auc, .accuracy, .logLoss] {
            var best = Double.infinity, cpu = 0.0
            var result: Statistics.Comparison?
            for _ in 0..<repeats {
                let watch = Stopwatch.start()
                result = bootstrap.difference(metric, a, b)
                if watch.wallSeconds < best { best = watch.wallSeconds; cpu = watch.cpuSeconds }
            }
            let c = result!
            let name = metric.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)
            print("  " + name + String(format: "%6.3f s wall (%.3f s CPU)   a − b = %.5f [%.5f, %.5f], p = %.3g", best, cpu,
                                       c.estimate, c.interval.low ?? .nan, c.interval.high ?? .nan, c.pValue ?? .nan))
        }
    }
}
