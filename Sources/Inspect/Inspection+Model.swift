import Artifacts
import Foundation
import MultiTask
import Tensor

/// What a model file (a teacher member or a student) means: its network, its parameters and
/// its training curve.
public struct ModelMeaning: Codable, Equatable, Sendable {
    public struct Task: Codable, Equatable, Sendable {
        public var name: String
        public var kind: String
        public var outputs: Int
    }

    public struct Parameter: Codable, Equatable, Sendable {
        public var name: String
        public var shape: [Int]
        public var count: Int
    }

    /// A cross-stitch matrix A (T×T): x̃_i = Σ_j A_ij x_j mixes the task columns after a hidden layer.
    public struct MixingMatrix: Codable, Equatable, Sendable {
        /// The parameter, e.g. "stitch.0".
        public var name: String
        /// Row i: how much of every task's column task i takes (rows start summing to 1).
        public var rows: [[Double]]
        /// True when the file holds one matrix per hidden unit and `rows` is their mean.
        public var meanOverUnits: Bool
    }

    public struct Epoch: Codable, Equatable, Sendable {
        public var epoch: Int
        public var trainLoss: Double
        public var validationScore: Double
        /// Per task, in task order.
        public var taskLosses: [Double]
        /// Per task: accuracy or R² on the validation split.
        public var validationMetrics: [Double]
    }

    /// "teacher" or "student".
    public var role: String
    /// "species/member-0", "kd", …
    public var name: String
    public var architecture: String
    public var inputs: Int
    public var hidden: [Int]
    public var dropout: Double
    public var seed: UInt64
    public var tasks: [Task]
    /// Cross-stitch: initial diagonal of the stitch matrices, and whether there is one per unit.
    public var alphaSame: Double?
    public var perUnit: Bool?
    /// Soft sharing: λ of the Frobenius coupling of the columns.
    public var lambda: Double?
    public var parameters: [Parameter]
    public var parameterCount: Int
    public var mixingMatrices: [MixingMatrix]
    public var history: [Epoch]
    /// 1-based epoch whose weights were kept (0 when no epoch was recorded).
    public var bestEpoch: Int
    /// The validation score at the best epoch.
    public var bestScore: Double?
    /// From raw CSV columns to inputs and from outputs to labels (nil in checkpoints).
    public var preprocessing: Preprocessing?
    /// The MPI ranks that trained the network data-parallel, when more than one (nil: one process).
    public var ranks: Int?

    public init(_ model: ModelFile) {
        role = model.role
        name = model.name
        architecture = model.blueprint.architecture
        inputs = model.blueprint.inputs
        hidden = model.blueprint.hidden
        dropout = model.blueprint.dropout
        seed = model.seed
        tasks = model.blueprint.tasks.map { Task(name: $0.name, kind: $0.kind.rawValue, outputs: $0.outputs) }
        if model.blueprint.architecture == CrossStitchNetwork.architecture {
            alphaSame = model.blueprint.alphaSame
            perUnit = model.blueprint.perUnit
        }
        if model.blueprint.architecture == SoftSharingNetwork.architecture { lambda = model.blueprint.lambda }
        parameters = model.parameters.map { Parameter(name: $0.name, shape: [$0.value.rows, $0.value.cols], count: $0.value.count) }
        parameterCount = model.parameterCount
        let taskCount = model.blueprint.tasks.count
        mixingMatrices = model.parameters.compactMap { ModelMeaning.mixingMatrix($0.name, $0.value, tasks: taskCount) }
        history = model.history.map {
            Epoch(epoch: $0.epoch, trainLoss: $0.trainLoss, validationScore: $0.validationScore,
                  taskLosses: $0.taskLosses, validationMetrics: $0.validationMetrics)
        }
        bestEpoch = model.bestEpoch
        bestScore = model.history.first { $0.epoch == model.bestEpoch }?.validationScore
        preprocessing = model.preprocessing
        ranks = model.ranks.flatMap { $0 > 1 ? $0 : nil }
    }

    /// The T×T matrix of a cross-stitch parameter ("stitch.<ℓ>"): stored (T, T) per layer, or
    /// (T, T·width) per unit, whose units are averaged. Nil for any other parameter.
    static func mixingMatrix(_ name: String, _ value: Matrix, tasks t: Int) -> MixingMatrix? {
        guard name.hasPrefix("stitch"), t >= 1, value.rows == t, value.cols >= t, value.cols % t == 0 else { return nil }
        let width = value.cols / t
        let rows = (0..<t).map { i in
            (0..<t).map { j in (0..<width).reduce(0.0) { $0 + Double(value[i, j * width + $1]) } / Double(width) }
        }
        return MixingMatrix(name: name, rows: rows, meanOverUnits: width > 1)
    }

    /// The headline for a folder listing: `4,675 parameters, best epoch 31 of 60`.
    static func headline(parameters: Int?, bestEpoch: Int?, epochs: Int?) -> String {
        var parts: [String] = []
        if let p = parameters { parts.append("\(Format.count(p)) parameters") }
        if let b = bestEpoch { parts.append("best epoch \(b)" + (epochs.map { " of \($0)" } ?? "")) }
        return parts.joined(separator: ", ")
    }

    /// At most this many epochs are listed in the text view (the JSON has them all).
    static let shownEpochs = 10

    /// The epochs the text table lists: all of a short run; else evenly spread ones plus the
    /// first, the best and the last.
    func shownEpochIndices() -> [Int] {
        let count = history.count
        if count <= Self.shownEpochs { return Array(0..<count) }
        var chosen = Set((0..<(Self.shownEpochs - 2)).map { $0 * (count - 1) / (Self.shownEpochs - 3) })
        chosen.insert(count - 1)
        if let best = history.firstIndex(where: { $0.epoch == bestEpoch }) { chosen.insert(best) }
        return chosen.sorted()
    }

    // MARK: - Text

    func sections(style: TextStyle, checkpoint: CheckpointMeaning?) -> [[String]] {
        var overview = TextTable([.left, .left])
        overview.add("network", "\(role) \(name)")
        overview.add("architecture", "\(architecture): \(inputs) inputs → hidden \(Format.list(hidden.map(String.init), limit: 8)) → "
                     + "\(tasks.count) head\(tasks.count == 1 ? "" : "s"), dropout \(Format.compact(dropout)), seed \(seed)"
                     + (alphaSame.map { ", stitches start at α_same \(Format.compact($0))" + (perUnit == true ? " per unit" : " per layer") } ?? "")
                     + (lambda.map { ", coupling λ \(Format.compact($0))" } ?? ""))
        if let ranks {
            // A checkpoint resumes, and a file counts as current, only with the same number of ranks.
            overview.add("trained by", "\(ranks) MPI ranks, data-parallel (same bytes only with \(ranks) ranks again)")
        }
        for task in tasks {
            overview.add("task \(task.name)", "\(task.kind), \(task.outputs) output\(task.outputs == 1 ? "" : "s")")
        }
        var out = [overview.render(indent: 2)]
        if let c = checkpoint { out.append(c.lines(style: style)) }
        if let p = preprocessing { out.append(Self.preprocessingLines(p, style: style)) }

        var layers = [style.heading("parameters") + "  \(Format.count(parameterCount)) in \(parameters.count) tensors"]
        var table = TextTable([.left, .right, .right])
        for p in parameters { table.add(p.name, Format.matrixShape(p.shape), Format.count(p.count)) }
        table.add([TextTable.Cell("total", paint: style.bold), TextTable.Cell(""),
                   TextTable.Cell(Format.count(parameterCount), paint: style.bold)])
        layers += table.render(indent: 2)
        out.append(layers)

        for m in mixingMatrices {
            var lines = [style.heading("cross-stitch \(m.name)") + "  A, row i: how much task i takes from each column"
                         + (m.meanOverUnits ? " (mean over units)" : "")]
            var matrix = TextTable([.left] + tasks.map { _ in .right })
            matrix.add([TextTable.Cell("")] + tasks.map { TextTable.Cell($0.name, paint: style.dim) })
            for (i, row) in m.rows.enumerated() {
                matrix.add([TextTable.Cell(i < tasks.count ? tasks[i].name : String(i), paint: style.dim)]
                           + row.map { TextTable.Cell(Format.fixed($0, 3)) })
            }
            lines += matrix.render(indent: 2)
            out.append(lines)
        }
        out.append(curveLines(style: style))
        return out
    }

    private func curveLines(style: TextStyle) -> [String] {
        guard !history.isEmpty else { return [style.heading("training") + "  no epochs recorded"] }
        var lines = [style.heading("training") + "  \(history.count) epoch\(history.count == 1 ? "" : "s"), best epoch \(bestEpoch)"
                     + (bestScore.map { " (validation score \(Format.metric($0)))" } ?? "")]
        let scores = history.map(\.validationScore).filter(\.isFinite)
        let range = scores.min().map { " " + style.dim("\(Format.metric($0)) … \(Format.metric(scores.max()!))") } ?? ""
        lines.append("  validation score  " + style.cyan(sparkline(history.map(\.validationScore))) + range)
        var table = TextTable([.left, .right, .right, .right] + tasks.map { _ in .right })
        table.add([TextTable.Cell(""), TextTable.Cell("epoch", paint: style.dim), TextTable.Cell("train loss", paint: style.dim),
                   TextTable.Cell("val score", paint: style.dim)] + tasks.map { TextTable.Cell($0.name, paint: style.dim) })
        let indices = shownEpochIndices()
        for i in indices {
            let e = history[i]
            let best = e.epoch == bestEpoch
            let paint: ((String) -> String)? = best ? style.green : nil
            table.add([TextTable.Cell(best ? "best" : "", paint: style.green), TextTable.Cell(String(e.epoch), paint: paint),
                       TextTable.Cell(Format.fixed(e.trainLoss, 4), paint: paint),
                       TextTable.Cell(Format.metric(e.validationScore), paint: paint)]
                      + e.validationMetrics.map { TextTable.Cell(Format.metric($0), paint: paint) })
        }
        lines += table.render(indent: 2)
        if indices.count < history.count {
            lines.append("  " + style.dim("\(indices.count) of \(history.count) epochs shown (evenly spread, with the best and the last); --json has all"))
        }
        return lines
    }
}

/// The resume state of a training checkpoint.
public struct CheckpointMeaning: Codable, Equatable, Sendable {
    /// Epochs completed.
    public var epoch: Int
    public var optimizerStep: Int
    public var bestEpoch: Int
    public var bestScore: Double
    /// Optimizer moment arrays stored ("<param>/m", …).
    public var optimizerSlots: [String]
    /// Training continues at this epoch.
    public var resumesAt: Int { epoch < Int.max ? epoch + 1 : epoch }

    public init(_ state: TrainerState) {
        epoch = state.epoch
        optimizerStep = state.optimizerStep
        bestEpoch = state.bestEpoch
        bestScore = state.bestScore
        optimizerSlots = state.optimizerSlots.keys.sorted()
    }

    /// The headline for a folder listing: `species/member-0 after epoch 12, resumes at epoch 13`.
    static func headline(name: String?, epoch: Int?) -> String {
        let who = name.map { "\($0) " } ?? ""
        guard let e = epoch else { return "\(who)in progress" }
        return "\(who)after epoch \(e), resumes at epoch \(e < Int.max ? e + 1 : e)"
    }

    func lines(style: TextStyle) -> [String] {
        var table = TextTable([.left, .left])
        table.add([TextTable.Cell("checkpoint"),
                   TextTable.Cell("\(epoch) epoch\(epoch == 1 ? "" : "s") done, optimizer step \(Format.count(optimizerStep)); resumes at epoch \(resumesAt)",
                                  paint: style.yellow)])
        table.add("best so far", "epoch \(bestEpoch) (validation score \(Format.metric(bestScore)))")
        table.add("optimizer", "\(optimizerSlots.count) moment array\(optimizerSlots.count == 1 ? "" : "s")")
        return table.render(indent: 2)
    }
}
