import MultiTask
import NN
import Tensor

/// Measure 2: the training step's achieved GFLOP/s against OpenBLAS sgemm's rate on the step's
/// own products, measured in this process at one thread.
///
/// The products are what mtkd's `Linear` layers call, per layer: forward x·W, the weight gradient
/// xᵀ·dy and, except for the first layer (its input is data), dy·Wᵀ; 2·m·n·k FLOPs each. The
/// sgemm rate is those products alone through `BLAS.gemm` with the layers' shapes, transposes and β.
///
/// The input layer skips the zeros of one-hot inputs (`Linear.exploitsInputSparsity`), so mtkd
/// as it runs does far fewer FLOPs than the dense products. Two rows therefore:
///   - as mtkd runs: the dense products' FLOPs over the step time ("dense-equivalent": the step
///     against the time sgemm alone needs for its products; above 100% is possible);
///   - dense input layer (`Linear.sparseDensityThreshold = 0`): FLOPs actually computed, the
///     plain efficiency of the step around sgemm.
/// Where the time goes: the step rebuilt from the layers' public calls, timed layer by layer.
enum StepRate: Measure {
    static let name = "step-rate"
    static let summary = "training step GFLOP/s as a share of sgemm's rate on the step's own products"
    static let isSlow = false
    static let goal = 0.70

    enum Phase: String { case forward, backward }

    /// One matrix product of a training step, as `Linear` calls `BLAS.gemm`.
    struct Product {
        /// "trunk.0", "head.income"
        var layer: String
        var name: String
        var phase: Phase
        /// c (m×n) = op(a) (m×k) · op(b) (k×n)
        var m: Int, n: Int, k: Int
        var transposeA = false, transposeB = false
        var beta: Float = 0
        /// Done over the input's non-zeros instead (one-hot input layer, as mtkd runs it).
        var sparse = false
        var flops: Double { 2 * Double(m) * Double(n) * Double(k) }
        var shape: String { "(\(m)×\(k))·(\(k)×\(n))" }
    }

    /// The products of one step of `network` on `batch` rows, in the order a step calls them.
    /// `inputDensity` (non-zeros per element of the data) decides whether the input layer's
    /// sparse path applies.
    static func products(of network: HardSharingNetwork, batch: Int, inputDensity: Double) -> [Product] {
        let trunk = network.trunk.layers.compactMap { $0 as? Linear }
        let layers = trunk.enumerated().map { ("trunk.\($0.offset)", $0.element) }
            + zip(network.tasks, network.heads).map { ("head.\($0.name)", $1) }
        func sparse(_ l: Linear) -> Bool {
            l === trunk.first && l.exploitsInputSparsity && inputDensity <= Linear.sparseDensityThreshold
        }
        let forward = layers.map { name, l in
            Product(layer: name, name: "\(name) x·W", phase: .forward, m: batch, n: l.outFeatures, k: l.inFeatures,
                    beta: 1, sparse: sparse(l))
        }
        let backward = layers.reversed().flatMap { name, l -> [Product] in
            var p = [Product(layer: name, name: "\(name) xᵀ·dy", phase: .backward, m: l.inFeatures, n: l.outFeatures, k: batch,
                             transposeA: true, beta: 1, sparse: sparse(l))]
            if l.computesInputGradient {
                p.append(Product(layer: name, name: "\(name) dy·Wᵀ", phase: .backward, m: batch, n: l.inFeatures,
                                 k: l.outFeatures, transposeB: true))
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
        let products = products(of: network, batch: batch, inputDensity: inputs.density)
        let usesSparse = products.contains { $0.sparse }
        let stepFlops = products.reduce(0) { $0 + $1.flops }
        let sparseFlops = 2 * inputs.density * products.filter(\.sparse).reduce(0) { $0 + $1.flops / 2 }
        let computedFlops = products.filter { !$0.sparse }.reduce(0) { $0 + $1.flops } + sparseFlops
        let perCall = products.map { sgemmSeconds($0) }
        let sgemmStep = perCall.reduce(0, +)
        let sgemmRate = stepFlops / sgemmStep
        for (p, s) in zip(products, perCall) {
            bench.log("  sgemm \(p.name) \(p.shape): \(Format.number(p.flops / s / 1e9)) GFLOP/s")
        }
        bench.log("  sgemm on the step's products: \(Format.number(sgemmRate / 1e9)) GFLOP/s, \(Format.number(sgemmStep * 1e6)) µs per step")

        // Trainer epochs as mtkd runs and with a dense input layer, alternating so both meet the same load.
        var asRunEpochs: [TrainingThroughput.Epoch] = [], denseEpochs: [TrainingThroughput.Epoch] = []
        for _ in 1...bench.options.repeats {
            asRunEpochs.append(try TrainingThroughput.mtkdEpoch(inputs))
            denseEpochs.append(try withDenseInputLayer { try TrainingThroughput.mtkdEpoch(inputs) })
        }
        let asRun = asRunEpochs.min { $0.seconds < $1.seconds }!, dense = denseEpochs.min { $0.seconds < $1.seconds }!
        let fullBatches = Double(asRun.examples) / Double(batch)   // FLOPs grow linearly with the batch
        let asRunRate = stepFlops * fullBatches / asRun.seconds
        let denseRate = stepFlops * fullBatches / dense.seconds
        bench.log("  trainer as run: \(Format.number(asRunRate / 1e9)) GFLOP/s dense-equivalent (\(Format.percent(asRunRate / sgemmRate)) of sgemm); "
                  + "dense input layer: \(Format.number(denseRate / 1e9)) GFLOP/s (\(Format.percent(denseRate / sgemmRate)))")

        let phases = StepPhases.time(inputs: inputs)
        let densePhases = withDenseInputLayer { StepPhases.time(inputs: inputs) }
        let notes = breakdownNotes(products: products, perCall: perCall, asRun: (asRun, phases), dense: (dense, densePhases),
                                   usesSparse: usesSparse)

        let productsJSON: JSONValue = .array(zip(products, perCall).map { p, s in
            ["name": .string(p.name), "phase": .string(p.phase.rawValue), "m": .number(Double(p.m)),
             "n": .number(Double(p.n)), "k": .number(Double(p.k)), "transpose_a": .bool(p.transposeA),
             "transpose_b": .bool(p.transposeB), "beta": .number(Double(p.beta)), "sparse_in_mtkd": .bool(p.sparse),
             "gflop": .number(p.flops / 1e9), "sgemm_seconds_per_call": .number(s), "sgemm_gflops": .number(p.flops / s / 1e9)]
        })
        let shared: JSONValue = [
            "batch": .number(Double(batch)), "input_density": .number(inputs.density),
            "sparse_density_threshold": .number(Linear.sparseDensityThreshold),
            "step_dense_gflop": .number(stepFlops / 1e9), "step_computed_gflop_as_run": .number(computedFlops / 1e9),
            "products": productsJSON, "sgemm_seconds_per_step": .number(sgemmStep), "sgemm_gflops": .number(sgemmRate / 1e9),
            "trainer_as_run": ["epoch_seconds": .numbers(asRunEpochs.map(\.seconds)), "examples": .number(Double(asRun.examples)),
                               "seconds_per_step": .number(asRun.seconds / fullBatches),
                               "dense_equivalent_gflops": .number(asRunRate / 1e9),
                               "computed_gflops": .number(computedFlops * fullBatches / asRun.seconds / 1e9),
                               "rebuilt_step_phases_seconds": phases.json],
            "trainer_dense_input_layer": ["epoch_seconds": .numbers(denseEpochs.map(\.seconds)), "seconds_per_step": .number(dense.seconds / fullBatches),
                                          "gflops": .number(denseRate / 1e9), "rebuilt_step_phases_seconds": densePhases.json],
        ]
        var rows = [Measurement(
            measure: name, key: "dense", title: "training step, dense input layer (GFLOP/s)", unit: "GFLOP/s",
            mtkd: denseRate / 1e9, reference: sgemmRate / 1e9, referenceLabel: "OpenBLAS sgemm alone, same products",
            ratioLabel: "step rate / sgemm rate", ratio: denseRate / sgemmRate, goal: .shareAtLeast(goal),
            cpuOverWall: dense.cpuOverWall, loadBefore: loadBefore, loadAfter: LoadAverage.now(), details: shared, notes: notes)]
        if usesSparse {
            rows.insert(Measurement(
                measure: name, key: "as-run", title: "training step as run (GFLOP/s dense-equiv.)", unit: "GFLOP/s",
                mtkd: asRunRate / 1e9, reference: sgemmRate / 1e9, referenceLabel: "OpenBLAS sgemm alone, same products",
                ratioLabel: "dense products' FLOPs per step time / sgemm rate", ratio: asRunRate / sgemmRate, goal: .shareAtLeast(goal),
                cpuOverWall: asRun.cpuOverWall, loadBefore: loadBefore, loadAfter: LoadAverage.now(),
                details: ["see": "the dense row's details"]), at: 0)
        }
        return rows
    }

    /// `body` with the input layer's sparse path off (`Linear.sparseDensityThreshold = 0`).
    static func withDenseInputLayer<T>(_ body: () throws -> T) rethrows -> T {
        let saved = Linear.sparseDensityThreshold
        Linear.sparseDensityThreshold = 0
        defer { Linear.sparseDensityThreshold = saved }
        return try body()
    }

    /// The per-layer table: µs per step as run and with a dense input layer, and sgemm's share.
    static func breakdownNotes(products: [Product], perCall: [Double],
                               asRun: (TrainingThroughput.Epoch, StepPhases.Result),
                               dense: (TrainingThroughput.Epoch, StepPhases.Result), usesSparse: Bool) -> [String] {
        func sgemm(_ phase: StepPhases.Phase) -> Double? {
            guard let layer = phase.layer, let direction = phase.direction else { return nil }
            let s = zip(products, perCall).filter { $0.0.phase == direction && ($0.0.layer == layer || (layer == "heads" && $0.0.layer.hasPrefix("head."))) }
            return s.isEmpty ? nil : s.reduce(0) { $0 + $1.1 }
        }
        func us(_ seconds: Double, _ steps: Int) -> String { String(format: "%8.0f", 1e6 * seconds / Double(steps)) }
        let (a, ap) = asRun, (d, dp) = dense
        var out = ["where a step's time goes (µs per step; the step rebuilt from the layers' public calls, one epoch; "
                   + "sgemm alone = the dense products of that phase at sgemm's standalone rate):",
                   "    " + "phase".padding(toLength: 36, withPad: " ", startingAt: 0)
                   + (usesSparse ? "   as run" : "") + "  dense in.  sgemm alone"]
        for (i, phase) in dp.phases.enumerated() {
            let asRunCell = usesSparse ? " " + us(ap.phases[i].seconds, ap.steps) : ""
            out.append("    " + phase.name.padding(toLength: 36, withPad: " ", startingAt: 0) + asRunCell
                       + "   " + us(phase.seconds, dp.steps) + "    " + (sgemm(phase).map { String(format: "%8.0f", 1e6 * $0) } ?? "       —"))
        }
        let rebuilt = { (r: StepPhases.Result) in r.phases.reduce(0) { $0 + $1.seconds } }
        out.append("    " + "rebuilt step, total".padding(toLength: 36, withPad: " ", startingAt: 0)
                   + (usesSparse ? " " + us(rebuilt(ap), ap.steps) : "") + "   " + us(rebuilt(dp), dp.steps)
                   + "    " + String(format: "%8.0f", 1e6 * perCall.reduce(0, +)))
        out.append("    " + "Trainer's epoch per step".padding(toLength: 36, withPad: " ", startingAt: 0)
                   + (usesSparse ? " " + us(a.seconds, ap.steps) : "") + "   " + us(d.seconds, dp.steps))
        return out
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

/// A training step rebuilt from the public calls `Trainer` and `HardSharingNetwork` make, timed
/// layer by layer over one epoch (after 20 warm-up steps).
enum StepPhases {
    struct Phase {
        var name: String
        /// The layer ("trunk.1", or "heads") and direction, for matching sgemm products.
        var layer: String?
        var direction: StepRate.Phase?
        var seconds: Double = 0
    }

    struct Result {
        var phases: [Phase]
        var steps: Int
        var json: JSONValue { .object(phases.map { (key: $0.name, value: .number($0.seconds)) }) }
    }

    static func time(inputs: TrainingInputs) -> Result {
        let network = HardSharingNetwork(inputs: inputs.x.cols, hidden: StudentRecipe.hidden, dropout: StudentRecipe.dropout,
                                         tasks: inputs.heads, seed: StudentRecipe.seed)
        let parameters = network.parameters
        let adam = Adam(learningRate: StudentRecipe.learningRate)
        let alpha = StudentRecipe.alpha, T = StudentRecipe.temperature
        let tasks = inputs.tasks.indices
        let layers = network.trunk.layers
        var linearIndex = 0
        let layerNames = layers.map { layer -> (String, String?) in
            guard layer is Linear else { return ("\(type(of: layer))", nil) }
            defer { linearIndex += 1 }
            return ("Linear trunk.\(linearIndex)", "trunk.\(linearIndex)")
        }
        // Phase indices: rows, zero, forward per trunk layer, heads forward, losses, heads backward, backward per trunk layer, Adam.
        var phases = [Phase(name: "batch rows (x, labels, soft targets)"), Phase(name: "zero gradients")]
        phases += layerNames.map { Phase(name: "forward \($0.0)", layer: $0.1, direction: $0.1 == nil ? nil : .forward) }
        phases.append(Phase(name: "forward heads", layer: "heads", direction: .forward))
        phases.append(Phase(name: "losses (CE + soft CE per task)"))
        phases.append(Phase(name: "backward heads (+ sum into trunk)", layer: "heads", direction: .backward))
        phases += layerNames.reversed().map { Phase(name: "backward \($0.0)", layer: $0.1, direction: $0.1 == nil ? nil : .backward) }
        phases.append(Phase(name: "Adam"))

        var rng = RNG(seed: StudentRecipe.seed)
        let order = rng.permutation(inputs.rows)
        var x = Matrix.empty, scratch = Matrix.empty, dTrunk = Matrix.empty
        var soft = tasks.map { _ in Matrix.empty }, grads = tasks.map { _ in Matrix.empty }
        var classes = tasks.map { _ in [Int32]() }
        var totals = [UInt64](repeating: 0, count: phases.count)
        var steps = 0

        func step(_ idx: ArraySlice<Int>, timed: Bool) {
            var p = 0
            var last = Stopwatch.monotonicNanoseconds()
            func lap() {
                let now = Stopwatch.monotonicNanoseconds()
                if timed { totals[p] += now - last }
                p += 1
                last = now
            }
            inputs.x.gatherRows(idx, into: &x)
            for t in tasks {
                inputs.soft[t].gatherRows(idx, into: &soft[t])
                classes[t].removeAll(keepingCapacity: true)
                for i in idx { classes[t].append(inputs.labels[t][i]) }
            }
            lap()
            parameters.zeroGrads()
            lap()
            var h = x
            for layer in layers {
                h = layer.forward(h, training: true)
                lap()
            }
            let outputs = network.heads.map { $0.forward(h, training: true) }
            lap()
            for t in tasks {
                grads[t].resize(rows: outputs[t].rows, cols: outputs[t].cols)
                grads[t].fill(0)
                _ = Loss.crossEntropy(logits: outputs[t], labels: classes[t][...], scale: 1 - alpha, grad: &grads[t], scratch: &scratch)
                _ = Loss.softCrossEntropy(logits: outputs[t], targets: soft[t], temperature: T, scale: alpha * T * T,
                                          grad: &grads[t], scratch: &scratch)
            }
            lap()
            for (t, head) in network.heads.enumerated() {
                let d = head.backward(grads[t])
                if t == 0 {   // as HardSharingNetwork: copied into a buffer of its own
                    dTrunk.resize(rows: d.rows, cols: d.cols)
                    dTrunk.storage.withUnsafeMutableBufferPointer { dst in
                        d.storage.withUnsafeBufferPointer { src in _ = dst.update(fromContentsOf: src) }
                    }
                } else {
                    dTrunk.add(d)
                }
            }
            lap()
            var d = dTrunk
            for layer in layers.reversed() {
                d = layer.backward(d)
                lap()
            }
            adam.step(parameters)
            lap()
            if timed { steps += 1 }
        }

        let b = StudentRecipe.batchSize
        for start in stride(from: 0, to: min(20 * b, order.count), by: b) { step(order[start..<min(start + b, order.count)], timed: false) }
        for start in stride(from: 0, to: order.count, by: b) { step(order[start..<min(start + b, order.count)], timed: true) }
        for i in phases.indices { phases[i].seconds = Double(totals[i]) * 1e-9 }
        return Result(phases: phases, steps: steps)
    }
}
