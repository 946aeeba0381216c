import MultiTask
import Tensor

/// Measure 1: student training throughput (examples/s) of mtkd's `Trainer` against the same
/// loop in PyTorch CPU (bench/torch_step.py), on identical arrays, at one thread.
///
/// Each side trains a fresh kd student for one epoch per round (701 full batches of 256 and one
/// of 115 on the census split), without validation; rounds alternate the two sides so both meet
/// the same load, and each side's best round counts. Data loading is outside the timing on both
/// sides; gathering each batch's rows is inside (both do it).
enum TrainingThroughput: Measure {
    static let name = "training"
    static let summary = "student training throughput (examples/s), mtkd Trainer vs the same loop in PyTorch CPU"
    static let isSlow = false
    static let goal = 1.5

    /// One timed epoch of mtkd.
    struct Epoch {
        /// The trainer's own epoch time (the batch loop and an empty validation).
        var seconds: Double
        /// CPU and wall seconds of the whole `fit` call (CPU/wall ≈ 1 when it had a core to itself).
        var fitCPUSeconds: Double
        var fitWallSeconds: Double
        var examples: Int
        var examplesPerSecond: Double { Double(examples) / seconds }
        var cpuOverWall: Double { fitCPUSeconds / fitWallSeconds }
    }

    static func run(in bench: Bench) throws -> [Measurement] {
        BLAS.setThreads(1)
        let inputs = try bench.trainingInputs()
        let loadBefore = LoadAverage.now()
        // Rounds of one mtkd epoch then one PyTorch epoch, so both sides meet the same load.
        var epochs: [Epoch] = [], torchRuns: [JSONValue] = []
        for r in 1...bench.options.repeats {
            let e = try mtkdEpoch(inputs)
            epochs.append(e)
            bench.log("  mtkd epoch \(r): \(Format.number(e.seconds)) s, \(Format.number(e.examplesPerSecond)) ex/s, "
                      + "CPU/wall \(String(format: "%.2f", e.cpuOverWall))")
            let last = r == bench.options.repeats   // torch's matrix-product rates once, at the end
            torchRuns.append(try bench.pythonJSON("torch_step.py", ["--inputs", inputs.folder, "--epochs", "1", "--repeats", "1",
                                                                    "--threads", "1"] + (last ? [] : ["--no-gemm"])
                                                                   + StudentRecipe.torchArguments))
        }
        let best = epochs.min { $0.seconds < $1.seconds }!
        let torchRates = try torchRuns.map { run -> Double in
            guard let rate = run["examples_per_second"]?.double else { throw BenchError("torch_step.py gave no examples_per_second") }
            return rate
        }
        let torchRate = torchRates.max()!
        let torchVersion = torchRuns.last?["torch"]?.string ?? "?"
        return [Measurement(
            measure: name, key: "throughput", title: "student training (ex/s, 1 thread)", unit: "ex/s",
            mtkd: best.examplesPerSecond, reference: torchRate,
            referenceLabel: "PyTorch \(torchVersion) CPU, same loop", ratioLabel: "mtkd / PyTorch",
            ratio: best.examplesPerSecond / torchRate, goal: .ratioAtLeast(goal),
            cpuOverWall: best.cpuOverWall, loadBefore: loadBefore, loadAfter: LoadAverage.now(),
            details: ["recipe": StudentRecipe.json, "inputs": inputs.json, "epochs_per_repeat": 1,
                      "order": "rounds of one mtkd epoch then one PyTorch epoch (each in a fresh process after 50 warm-up steps)",
                      "mtkd": ["epoch_seconds": .numbers(epochs.map(\.seconds)),
                               "cpu_over_wall": .numbers(epochs.map(\.cpuOverWall)),
                               "examples_per_epoch": .number(Double(best.examples)),
                               "examples_per_second": .numbers(epochs.map(\.examplesPerSecond))],
                      "pytorch": ["examples_per_second": .numbers(torchRates), "runs": .array(torchRuns)]])]
    }

    /// Trains a fresh kd student for one epoch with mtkd's Trainer.
    static func mtkdEpoch(_ inputs: TrainingInputs) throws -> Epoch {
        let network = HardSharingNetwork(inputs: inputs.x.cols, hidden: StudentRecipe.hidden, dropout: StudentRecipe.dropout,
                                         tasks: inputs.heads, seed: StudentRecipe.seed)
        let settings = TrainerSettings(epochs: 1, batchSize: StudentRecipe.batchSize, learningRate: StudentRecipe.learningRate,
                                       optimizer: .adam, alpha: StudentRecipe.alpha, temperature: StudentRecipe.temperature,
                                       taskWeights: inputs.tasks.map { _ in 1 }, seed: StudentRecipe.seed)
        let trainer = Trainer(network: network, settings: settings)
        let watch = Stopwatch.start()
        let history = try trainer.fit(train: inputs.trainingSet, validation: inputs.emptySet)
        let cpu = watch.cpuSeconds, wall = watch.wallSeconds
        return Epoch(seconds: history.epochs[0].seconds, fitCPUSeconds: cpu, fitWallSeconds: wall, examples: inputs.rows)
    }
}
