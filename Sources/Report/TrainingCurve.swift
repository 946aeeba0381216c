import Artifacts

/// One network's training history, per epoch (or, for gradient-boosted trees, per boosting
/// round): what the curves of the HTML page draw.
public struct TrainingCurve: Equatable, Sendable {
    /// "kd", "species/member-0", …
    public var network: String
    /// "student" or "teacher" (the model file's role).
    public var role: String
    public var architecture: String
    /// "epoch", or "round" for gradient-boosted trees.
    public var unit: String = "epoch"
    /// 1-based epoch (or round) numbers.
    public var epochs: [Int]
    /// Mean weighted training loss per epoch.
    public var trainLoss: [Double]
    /// Mean of the per-task validation metrics per epoch (the selection criterion).
    public var validationScore: [Double]
    /// The network's tasks, in head order.
    public var tasks: [String]
    /// validationMetrics[t][e]: accuracy or R² of task t after epoch e (NaN without labels).
    public var validationMetrics: [[Double]]
    /// The epoch whose weights were kept (1-based; 0 when none was).
    public var bestEpoch: Int

    public init(network: String, model: ModelFile) {
        self.network = network
        role = model.role
        architecture = model.blueprint.architecture
        epochs = model.history.map(\.epoch)
        trainLoss = model.history.map(\.trainLoss)
        validationScore = model.history.map(\.validationScore)
        tasks = model.blueprint.tasks.map(\.name)
        validationMetrics = tasks.indices.map { t in model.history.map { t < $0.validationMetrics.count ? $0.validationMetrics[t] : .nan } }
        bestEpoch = model.bestEpoch
    }

    /// A gradient-boosted member's rounds as a curve: round r (1-based) is XGBoost's iteration
    /// r − 1; the training loss is the hard-label loss, the score the validation metric.
    public init(network: String, boosted file: GBDTMemberFile) {
        self.network = network
        role = file.role
        architecture = GBDTMemberFile.kind
        unit = "round"
        epochs = file.history.map { $0.iteration + 1 }
        trainLoss = file.history.map(\.trainLoss)
        validationScore = file.history.map(\.validationMetric)
        tasks = [file.blueprint.task.name]
        validationMetrics = [validationScore]
        bestEpoch = file.bestIteration + 1
    }

    /// The validation score of the best epoch, nil when that epoch is not in the history.
    public var bestScore: Double? {
        epochs.firstIndex(of: bestEpoch).map { validationScore[$0] }
    }
}

/// A cross-stitch student's learned mixing matrix A of one hidden layer (x̃_i = Σ_j A_ij x_j):
/// row i says how much task i's column takes from every column j.
public struct StitchMatrix: Equatable, Sendable {
    public var student: String
    /// The parameter's name in the model file, e.g. "stitch.0".
    public var parameter: String
    /// The hidden layer after which it mixes.
    public var layer: Int
    /// Row and column labels.
    public var tasks: [String]
    /// values[i][j] = A_ij; per-unit matrices are averaged over their units.
    public var values: [[Double]]
    /// 1 for a per-layer matrix, else the number of units averaged.
    public var units: Int

    /// The matrices among `model`'s parameters (named `stitch.<layer>`, shaped (T, T) or
    /// per unit (T, T·width)), in layer order; empty for other architectures.
    public static func all(student: String, model: ModelFile) -> [StitchMatrix] {
        let tasks = model.blueprint.tasks.map(\.name)
        let t = tasks.count
        var found: [StitchMatrix] = []
        for (index, p) in model.parameters.enumerated() where p.name.hasPrefix("stitch.") {
            let a = p.value
            guard t >= 1, a.rows == t, a.cols >= t, a.cols % t == 0 else { continue }
            let width = a.cols / t
            let values = (0..<t).map { i in
                (0..<t).map { j in (0..<width).reduce(0.0) { $0 + Double(a[i, j * width + $1]) } / Double(width) }
            }
            let layer = Int(p.name.dropFirst("stitch.".count)) ?? index
            found.append(StitchMatrix(student: student, parameter: p.name, layer: layer, tasks: tasks, values: values, units: width))
        }
        return found.sorted { $0.layer < $1.layer }
    }
}
