import MultiTask
import NN
import Tensor

/// Measure 2: the training step's achieved GFLOP/s against OpenBLAS sgemm's rate on the
/// step's own products, measured in this process at one thread.
///
/// FLOPs count what mtkd actually computes: per Linear layer 2·m·n·k for the forward x·W, the
/// weight gradient xᵀ·dy and, except for the first layer (its input is data), dy·Wᵀ. The sgemm
/// rate is those products called alone through `BLAS.gemm`, with the layers' shapes, transposes
/// and β. When the step falls short, a step rebuilt from the public layer, loss and optimizer
/// calls is timed phase by phase, and sgemm's share is subtracted from forward and backward.
enum StepRate: Measure {
    static let name = "step-rate"
    static let summary = "training step GFLOP/s as a share of sgemm's rate on the step's own products"
    static let isSlow = false
    static let goal = 0.70

    enum Phase: String { case forward, backward }

    /// One matrix product of a training step, as `Linear` calls `BLAS.gemm`.
    struct Product {
        var name: String
        var phase: Phase
        /// c (m×n) = op(a) (m×k) · op(b) (k×n)
        var m: Int, n: Int, k: Int
        var transposeA = false, transposeB = false
        var beta: Float = 0
        var flops: Double { 2 * Double(m) * Double(n) * Double(k) }
        var shape: String { "(\(m)×\(k))·(\(k)×\(n))" }
    }

    /// The products of one step of `network` on `batch` rows, in the order a step calls them.
    static func products(of network: HardSharingNetwork, batch: Int) -> [Product] {
        let trunk = network.trunk.layers.compactMap { $0 as? Linear }
        let layers = trunk.enumerated().map { ("trunk.\($0.offset)", $0.element) }
            + zip(network.tasks, network.heads).map { ("head.\($0.name)", $1) }
        let forward = layers.map { name, l in
            Product(name: "\(name) x·W", phase: .forward, m: batch, n: l.outFeatures, k: l.inFeatures)
        }
        let backward = layers.reversed().flatMap { name, l -> [Product] in
            var p = [Product(name: "\(name) xᵀ·dy", phase: .backward, m: l.inFeatures, n: l.outFeatures, k: batch,
                             transposeA: true, beta: 1)]
            if l.computesInputGradient {
                p.append(Product(name: "\(name) dy·Wᵀ", phase: .backward, m: batch, n: l.inFeatures, k: l.outFeatures,
                                 transposeB: true))
            }
            return p
        }
        return forward + backward
    }

    static func run(in bench: Bench) throws -> [Measurement] {
        BLAS.setThreads(1)
        let inputs = try bench.trainingInputs()
        let loadBefore = LoadAverage.now()
        let network = HardSharingNetwork(inputs: inputs.x.cols, hidden: StudentRecipe.hidden, dropout: StudentRecipe.dropout,
                                         tasks: inputs.heads, seed: StudentRecipe.seed)
        let batch = StudentRecipe.batchSize
        let products = products(of: network, batch: batch)
        let stepFlops = products.reduce(0) { $0 + $1.flops }
        let perCall = products.map { sgemmSeconds($0) }
        let sgemmStep = perCall.reduce(0, +)
        let sgemmRate = stepFlops / sgemmStep
        for (p, s) in zip(products, perCall) {
            bench.log("  sgemm \(p.name) \(p.shape): \(Format.number(p.flops / s / 1e9)) GFLOP/s")
        }

        let epoch: TrainingThroughput.Epoch
        if let e = bench.trainingEpoch {
            epoch = e
        } else {
            epoch = try (1...bench.options.repeats).map { _ in try TrainingThroughput.mtkdEpoch(inputs) }.min { $0.seconds < $1.seconds }!
        }
        // FLOPs grow linearly with the batch, so an epoch's are those of a full batch per 256 rows.
        let epochFlops = stepFlops / Double(batch) * Double(epoch.examples)
        let achieved = epochFlops / epoch.seconds
        let share = achieved / sgemmRate
        bench.log("  trainer: \(Format.number(achieved / 1e9)) GFLOP/s = \(Format.percent(share)) of sgemm's \(Format.number(sgemmRate / 1e9))")

        // Where an epoch's time goes: a step rebuilt from the same public calls, phase by phase.
        let phases = StepPhases.time(inputs: inputs)
        let gemmPerStep: [Phase: Double] = Dictionary(grouping: zip(products, perCall), by: { $0.0.phase })
            .mapValues { $0.reduce(0) { $0 + $1.1 } }
        let scale = Double(epoch.examples) / Double(batch)   // full-batch equivalents in the epoch
        var rows: [(String, Double)] = []
        for (phase, seconds) in phases.seconds {
            switch phase {
            case "forward", "backward":
                let gemm = (gemmPerStep[Phase(rawValue: phase)!] ?? 0) * scale
                rows.append(("\(phase): sgemm", gemm))
                rows.append(("\(phase): the rest (bias, ReLU, dropout, copies)", seconds - gemm))
            default:
                rows.append((phase, seconds))
            }
        }
        let rebuilt = phases.seconds.reduce(0) { $0 + $1.1 }
        rows.append(("Trainer overhead (its epoch − the rebuilt step loop)", epoch.seconds - rebuilt))
        var notes = ["where a Trainer epoch's \(Format.number(epoch.seconds)) s go (\(phases.steps) steps; "
                     + "sgemm at its standalone rate, the rest by subtraction):"]
        for (label, seconds) in rows {
            notes.append("    \(label.padding(toLength: 58, withPad: " ", startingAt: 0)) "
                         + "\(String(format: "%7.3f s  %5.1f%%  %6.0f µs/step", seconds, 100 * seconds / epoch.seconds, 1e6 * seconds / Double(phases.steps)))")
        }

        return [Measurement(
            measure: name, key: "share", title: "training step (GFLOP/s)", unit: "GFLOP/s",
            mtkd: achieved / 1e9, reference: sgemmRate / 1e9, referenceLabel: "OpenBLAS sgemm, same products",
            ratioLabel: "step rate / sgemm rate", ratio: share, goal: .shareAtLeast(goal),
            cpuOverWall: epoch.cpuOverWall, loadBefore: loadBefore, loadAfter: LoadAverage.now(),
            details: ["batch": .number(Double(batch)), "step_gflop": .number(stepFlops / 1e9),
                      "products": .array(zip(products, perCall).map { p, s in
                          ["name": .string(p.name), "phase": .string(p.phase.rawValue), "m": .number(Double(p.m)),
                           "n": .number(Double(p.n)), "k": .number(Double(p.k)), "transpose_a": .bool(p.transposeA),
                           "transpose_b": .bool(p.transposeB), "beta": .number(Double(p.beta)),
                           "gflop": .number(p.flops / 1e9), "seconds_per_call": .number(s),
                           "gflops": .number(p.flops / s / 1e9)]
                      }),
                      "sgemm_seconds_per_step": .number(sgemmStep),
                      "trainer_epoch_seconds": .number(epoch.seconds), "trainer_examples": .number(Double(epoch.examples)),
                      "trainer_seconds_per_step": .number(epoch.seconds / scale),
                      "epoch_breakdown_seconds": .object(rows.map { (key: $0.0, value: .number($0.1)) })],
            notes: notes)]
    }

    /// Seconds per call of `p` through `BLAS.gemm`: the best of 5 rounds of ~40 ms after a warm-up.
    static func sgemmSeconds(_ p: Product) -> Double {
        var rng = RNG(seed: 7)
        func random(_ rows: Int, _ cols: Int) -> Matrix {
            Matrix(rows: rows, cols: cols, storage: (0..<(rows * cols)).map { _ in rng.uniform(-1, 1) })
        }
        let a = p.transposeA ? random(p.k, p.m) : random(p.m, p.k)
        let b = p.transposeB ? random(p.n, p.k) : random(p.k, p.n)
        var c = Matrix(rows: p.m, cols: p.n)
        func call() { BLAS.gemm(a, transposeA: p.transposeA, b, transposeB: p.transposeB, into: &c, beta: p.beta) }
        for _ in 0..<10 { call() }
        let probe = Stopwatch.start()
        for _ in 0..<10 { call() }
        let calls = max(10, Int(0.04 / max(probe.wallSeconds / 10, 1e-7)))
        var best = Double.infinity
        for _ in 0..<5 {
            let w = Stopwatch.start()
            for _ in 0..<calls { call() }
            best = min(best, w.wallSeconds / Double(calls))
        }
        return best
    }
}

/// A training step rebuilt from the public calls `Trainer` makes, timed phase by phase over one epoch.
enum StepPhases {
    struct Result {
        /// Phase name → seconds over the epoch, in step order.
        var seconds: [(String, Double)]
        var steps: Int
    }

    static func time(inputs: TrainingInputs) -> Result {
        let network = HardSharingNetwork(inputs: inputs.x.cols, hidden: StudentRecipe.hidden, dropout: StudentRecipe.dropout,
                                         tasks: inputs.heads, seed: StudentRecipe.seed)
        let parameters = network.parameters
        let adam = Adam(learningRate: StudentRecipe.learningRate)
        let alpha = StudentRecipe.alpha, T = StudentRecipe.temperature
        let tasks = inputs.tasks.indices
        var rng = RNG(seed: StudentRecipe.seed)
        let order = rng.permutation(inputs.rows)
        var x = Matrix.empty, scratch = Matrix.empty
        var soft = tasks.map { _ in Matrix.empty }, grads = tasks.map { _ in Matrix.empty }
        var classes = tasks.map { _ in [Int32]() }
        let names = ["batch rows (gather x, labels, soft targets)", "zero gradients", "forward", "losses", "backward", "Adam"]
        var totals = [UInt64](repeating: 0, count: names.count)
        var steps = 0

        func step(_ idx: ArraySlice<Int>, timed: Bool) {
            var t = [UInt64](repeating: 0, count: names.count + 1)
            t[0] = Stopwatch.monotonicNanoseconds()
            inputs.x.gatherRows(idx, into: &x)
            for task in tasks {
                inputs.soft[task].gatherRows(idx, into: &soft[task])
                classes[task].removeAll(keepingCapacity: true)
                for i in idx { classes[task].append(inputs.labels[task][i]) }
            }
            t[1] = Stopwatch.monotonicNanoseconds()
            parameters.zeroGrads()
            t[2] = Stopwatch.monotonicNanoseconds()
            let outputs = network.forward(x, training: true)
            t[3] = Stopwatch.monotonicNanoseconds()
            for task in tasks {
                grads[task].resize(rows: outputs[task].rows, cols: outputs[task].cols)
                grads[task].fill(0)
                _ = Loss.crossEntropy(logits: outputs[task], labels: classes[task][...], scale: 1 - alpha,
                                      grad: &grads[task], scratch: &scratch)
                _ = Loss.softCrossEntropy(logits: outputs[task], targets: soft[task], temperature: T, scale: alpha * T * T,
                                          grad: &grads[task], scratch: &scratch)
            }
            t[4] = Stopwatch.monotonicNanoseconds()
            network.backward(grads)
            t[5] = Stopwatch.monotonicNanoseconds()
            adam.step(parameters)
            t[6] = Stopwatch.monotonicNanoseconds()
            guard timed else { return }
            for i in names.indices { totals[i] += t[i + 1] - t[i] }
            steps += 1
        }

        let b = StudentRecipe.batchSize
        for start in stride(from: 0, to: min(20 * b, order.count), by: b) { step(order[start..<min(start + b, order.count)], timed: false) }
        for start in stride(from: 0, to: order.count, by: b) { step(order[start..<min(start + b, order.count)], timed: true) }
        return Result(seconds: zip(names, totals).map { ($0, Double($1) * 1e-9) }, steps: steps)
    }
}
