import Artifacts
import Foundation

/// A validated pipeline file: which data, which tasks, which teachers, which students.
///
/// Built only by `PipelineSpec.load(path:)` / `PipelineSpec.parse(yaml:file:)`, which check
/// everything before any stage runs. Every value here is already valid: stages do not re-check.
/// Paths are absolute (resolved against the pipeline file's folder).
public struct PipelineSpec: Equatable, Sendable {
    /// Name of the pipeline; artifacts go to `<artifactsRoot>/<name>/`.
    public var name: String
    /// The pipeline file this spec was read from (absolute).
    public var file: String
    /// Folder that holds `<name>/`; `artifacts` next to the pipeline's project by default.
    public var artifactsRoot: String
    /// The seed that fixes every random choice of the run.
    public var seed: UInt64
    public var data: DataSpec
    /// Tasks in file order; a task's index is its position here.
    public var tasks: [TaskSpec]
    /// The groups of teacher members, in task order (a task's groups in file order): one per
    /// task with a teacher ensemble, or several when its ensemble mixes kinds or settings.
    public var teachers: [TeacherSpec]
    public var softTargets: SoftTargetSpec
    /// The transfer set, when the file has `transfer:` (and teachers).
    public var transfer: TransferSpec?
    /// Student variants in file order (names are unique).
    public var students: [StudentSpec]
    /// Set when the teachers are another pipeline's (`teachers: {from: other.yaml}`): then
    /// `teachers` are that pipeline's groups (of the tasks taken), read from its artifacts
    /// folder and never trained here.
    public var teacherSource: TeacherSource?
    /// Where training units run (`executor:`); `mtkd run --executor` overrides it. Not fingerprinted.
    public var executor = ExecutorSpec()

    public init(name: String, file: String, artifactsRoot: String, seed: UInt64, data: DataSpec,
                tasks: [TaskSpec], teachers: [TeacherSpec], softTargets: SoftTargetSpec, students: [StudentSpec]) {
        self.name = name; self.file = file; self.artifactsRoot = artifactsRoot; self.seed = seed
        self.data = data; self.tasks = tasks; self.teachers = teachers
        self.softTargets = softTargets; self.students = students
    }

    /// `<artifactsRoot>/<name>`
    public var artifactsDirectory: String { (artifactsRoot as NSString).appendingPathComponent(name) }

    /// The artifacts folder whose `teachers/` holds the members: this pipeline's, or that of
    /// the pipeline it takes its teachers from.
    public var teachersDirectory: String { teacherSource?.pipeline.artifactsDirectory ?? artifactsDirectory }

    /// The file of one teacher member (in `teachersDirectory`).
    public func teacherMemberFile(task: String, member: Int) -> String {
        ArtifactLayout(root: teachersDirectory).teacherMember(task: task, member: member)
    }

    /// The first group of the task's teacher ensemble (nil: the task has no teacher).
    public func teacher(for task: String) -> TeacherSpec? { teachers.first { $0.task == task } }

    /// Tasks with a teacher ensemble, in task order.
    public var teacherTasks: [String] {
        tasks.map(\.name).filter { name in teachers.contains { $0.task == name } }
    }

    /// Every member of every teacher ensemble with its group, in task order and member order.
    public var teacherMembers: [(teacher: TeacherSpec, member: Int)] {
        teachers.flatMap { t in t.memberIndices.map { (t, $0) } }
    }
}

/// Where the rows come from and how columns become features.
public struct DataSpec: Equatable, Sendable {
    public enum Source: Equatable, Sendable {
        /// One CSV (plain or .gz), split by `split` fractions with the pipeline seed.
        case single(path: String, split: SplitFractions)
        /// Given files per split; `val` may be nil, then `valFraction` of train is held out.
        case files(train: String, val: String?, test: String, valFraction: Double)
    }
    public var source: Source
    /// Whether the CSV files have a header line. Without one, columns are named by
    /// `columnNames` when given, else `c0`, `c1`, … .
    public var header: Bool
    /// Column names when `header` is false (may be empty: then `c<i>`).
    public var columnNames: [String]
    /// Field separator, "," by default.
    public var delimiter: Character
    /// Cell values (after trimming surrounding white space) that mean "missing". Default ["", "NA", "?"].
    public var missingValues: [String]
    /// Feature columns, in file order of declaration.
    public var features: [FeatureSpec]
    /// What to do with a row whose *feature* is missing (labels are masked, never dropped).
    public var missingFeatures: MissingFeaturePolicy
    /// Optional cap on categories per categorical feature: rarer ones go to "<other>". nil = no cap.
    public var maxCategories: Int?

    public init(source: Source, header: Bool = true, columnNames: [String] = [], delimiter: Character = ",",
                missingValues: [String] = ["", "NA", "?"], features: [FeatureSpec],
                missingFeatures: MissingFeaturePolicy = .dropRow, maxCategories: Int? = nil) {
        self.source = source; self.header = header; self.columnNames = columnNames; self.delimiter = delimiter
        self.missingValues = missingValues; self.features = features
        self.missingFeatures = missingFeatures; self.maxCategories = maxCategories
    }
}

public struct SplitFractions: Equatable, Sendable {
    public var train: Double, val: Double, test: Double
    public init(train: Double, val: Double, test: Double) { self.train = train; self.val = val; self.test = test }
}

public enum MissingFeaturePolicy: String, Equatable, Sendable, CaseIterable {
    /// Drop the row from every split.
    case dropRow = "drop-row"
    /// Numeric: the training mean (0 after standardisation; in the transformed units for the other
    /// scalings); categorical: all zeros.
    case imputeMean = "impute-mean"
}

public struct FeatureSpec: Equatable, Sendable {
    public enum Kind: String, Equatable, Sendable, CaseIterable { case numeric, categorical }
    public var column: String
    public var kind: Kind
    /// Numeric: how the column is scaled (`features.scaling`, or its group's); categorical: `.standard`, unused.
    public var scaling: NumericScaling
    public init(column: String, kind: Kind, scaling: NumericScaling = .standard) {
        self.column = column; self.kind = kind; self.scaling = scaling
    }
}

public struct TaskSpec: Equatable, Sendable {
    public enum Kind: String, Equatable, Sendable, CaseIterable { case classification, regression }
    public var name: String
    /// CSV column holding the label (defaults to `name`).
    public var column: String
    public var kind: Kind
    /// Classification only: a label is positive/true when the cell equals one of these
    /// (turns any column into a binary task, e.g. marital status == "Never married").
    /// Empty: classes are the distinct values seen in the training split, sorted.
    public var positiveValues: [String]
    public init(name: String, column: String, kind: Kind, positiveValues: [String] = []) {
        self.name = name; self.column = column; self.kind = kind; self.positiveValues = positiveValues
    }
}

/// Settings shared by every network the pipeline trains.
public struct TrainingSpec: Equatable, Sendable {
    public enum Optimizer: String, Equatable, Sendable, CaseIterable { case adam, sgd }
    public var epochs: Int
    /// A budget of optimizer steps instead of `epochs` (nil: `epochs` holds): the network trains
    /// ⌈steps / steps per epoch⌉ epochs, steps per epoch = ⌈rows it learns from / batch_size⌉, so one
    /// setting means the same amount of training on a small dataset and on a large one.
    public var steps: Int?
    public var batchSize: Int
    public var learningRate: Double
    public var optimizer: Optimizer
    /// SGD momentum (ignored by Adam).
    public var momentum: Double
    /// L2 weight decay added to gradients (0 = off).
    public var weightDecay: Double
    /// What picks the epoch whose weights are kept: validation `loss` (default) or `metric`.
    public var selectBy: SelectBy
    /// Stop after this many epochs without a better validation number (nil: run every epoch).
    public var patience: Int?
    public enum SelectBy: String, Equatable, Sendable, CaseIterable { case loss, metric }
    /// How the learning rate moves over the epochs.
    public var lrSchedule: LRSchedule = .constant
    /// Cosine: epochs of linear warm-up before the decay.
    public var warmupEpochs: Int = 0
    /// Step: multiply the rate by `stepGamma` every `stepEpochs` epochs.
    public var stepEpochs: Int = 10
    public var stepGamma: Double = 0.1
    public enum LRSchedule: String, Equatable, Sendable, CaseIterable { case constant, cosine, step }

    public init(epochs: Int, batchSize: Int, learningRate: Double, optimizer: Optimizer = .adam,
                momentum: Double = 0.9, weightDecay: Double = 0, selectBy: SelectBy = .loss, patience: Int? = nil) {
        self.epochs = epochs; self.batchSize = batchSize; self.learningRate = learningRate
        self.optimizer = optimizer; self.momentum = momentum; self.weightDecay = weightDecay
        self.selectBy = selectBy; self.patience = patience
    }
}

/// Another pipeline whose teacher members this one uses (`teachers: {from: other.yaml, tasks: […]}`).
///
/// Its prepare stage has this pipeline's parameters and data (checked when the file is read),
/// so its members learned from the dataset this pipeline prepares.
public struct TeacherSource: Equatable, Sendable {
    /// The other pipeline, as read from its file (with the same `--artifacts` override, if any).
    public var pipeline: PipelineSpec { box.spec }
    /// Tasks whose teachers are taken, in task order (all of the other's by default).
    public var tasks: [String]
    /// The other pipeline file as a user types it for `mtkd run` (relative to the working
    /// directory when inside it), with ` --artifacts …` when an override was given.
    public var command: String
    /// Where `from:` is in this pipeline file, for errors found when the stages run.
    public var file: String, line: Int?

    private let box: Box

    public init(pipeline: PipelineSpec, tasks: [String], command: String, file: String, line: Int?) {
        box = Box(pipeline); self.tasks = tasks; self.command = command; self.file = file; self.line = line
    }

    /// A bad-input error at `teachers.from` of this pipeline file.
    public func error(_ message: String) -> SpecError { SpecError(file: file, line: line, key: "teachers.from", message: message) }

    public static func == (a: TeacherSource, b: TeacherSource) -> Bool {
        a.pipeline == b.pipeline && a.tasks == b.tasks && a.command == b.command && a.file == b.file && a.line == b.line
    }

    /// A spec held by reference: a struct cannot hold a value of its own type.
    private final class Box: Sendable {
        let spec: PipelineSpec
        init(_ spec: PipelineSpec) { self.spec = spec }
    }
}

/// A group of `members` single-task models of one task's teacher ensemble, differing by seed:
/// MLPs, or gradient-boosted trees (which differ by row and column subsampling too). A task's
/// ensemble is one group, or several (`teachers: {task: [group, group, …]}`), which may mix kinds.
public struct TeacherSpec: Equatable, Sendable {
    public enum Kind: String, Equatable, Sendable, CaseIterable {
        /// Multi-layer perceptrons trained by mtkd's trainer.
        case mlp
        /// Gradient-boosted trees through XGBoost.
        case gbdt
    }
    public var task: String
    public var kind: Kind
    /// Members of this group.
    public var members: Int
    /// The task's member number of this group's first member: members are numbered across
    /// the groups of a task (`member-0` … in file order).
    public var firstMember: Int
    /// This group's position in the task's list of groups; nil when the task's teacher is one
    /// mapping (then its settings are `teachers.<task>.*`, else `teachers.<task>[g].*`).
    public var group: Int?
    /// MLP teachers only.
    public var hidden: [Int]
    public var dropout: Double
    public var training: TrainingSpec
    /// GBDT teachers only.
    public var boosting: BoostingSpec
    public init(task: String, kind: Kind = .mlp, members: Int, hidden: [Int], dropout: Double, training: TrainingSpec,
                boosting: BoostingSpec = BoostingSpec(), firstMember: Int = 0, group: Int? = nil) {
        self.task = task; self.kind = kind; self.members = members; self.hidden = hidden; self.dropout = dropout
        self.training = training; self.boosting = boosting; self.firstMember = firstMember; self.group = group
    }

    /// The task's member numbers of this group.
    public var memberIndices: Range<Int> { firstMember..<(firstMember + members) }

    /// `teachers.species`, or `teachers.species[1]` for a group of a list.
    public var key: String { "teachers.\(task)" + (group.map { "[\($0)]" } ?? "") }
}

/// How a GBDT teacher's members are boosted (XGBoost, `hist` trees, one thread each).
public struct BoostingSpec: Equatable, Sendable {
    public var maxDepth: Int
    /// XGBoost's eta.
    public var learningRate: Double
    /// Boosting rounds at most.
    public var rounds: Int
    /// Rounds without a lower validation loss before boosting stops (the best round is kept).
    public var earlyStopping: Int
    /// Fraction of the training rows each tree sees, 0 < subsample <= 1.
    public var subsample: Double
    /// Fraction of the inputs each tree sees (XGBoost's colsample_bytree), 0 < colsample <= 1.
    public var colsample: Double
    public var minChildWeight: Double
    /// L2 penalty on leaf weights.
    public var lambda: Double
    public init(maxDepth: Int = 6, learningRate: Double = 0.05, rounds: Int = 1000, earlyStopping: Int = 50,
                subsample: Double = 0.8, colsample: Double = 0.8, minChildWeight: Double = 1, lambda: Double = 1) {
        self.maxDepth = maxDepth; self.learningRate = learningRate; self.rounds = rounds; self.earlyStopping = earlyStopping
        self.subsample = subsample; self.colsample = colsample; self.minChildWeight = minChildWeight; self.lambda = lambda
    }
}

public struct SoftTargetSpec: Equatable, Sendable {
    public enum Combine: String, Equatable, Sendable, CaseIterable {
        /// Average the members' class probabilities (MT-DNN-KD).
        case meanProbs = "mean-probs"
        /// Average the members' logits, then softmax (TextBrewer).
        case meanLogits = "mean-logits"
    }
    public var combine: Combine
    /// Temperature T > 0 at which targets are made (and the student's soft loss is taken).
    public var temperature: Double
    public init(combine: Combine = .meanProbs, temperature: Double = 1) {
        self.combine = combine; self.temperature = temperature
    }
}

/// One student variant: a multi-task network and how it is trained.
public struct StudentSpec: Equatable, Sendable {
    public enum Architecture: String, Equatable, Sendable, CaseIterable {
        /// Shared trunk, one linear head per task.
        case hardSharing = "hard-sharing"
        /// One column per task, activations mixed after every hidden layer by learned T×T matrices.
        case crossStitch = "cross-stitch"
        /// One column per task, tied by λ·Σ‖W_a − W_b‖²_F.
        case softSharing = "soft-sharing"
    }
    public enum Distill: String, Equatable, Sendable, CaseIterable {
        /// Hard labels and the teachers' soft targets (tasks without a teacher: hard only).
        case soft
        /// Hard labels only: the no-KD baseline.
        case none
    }
    /// How task losses are weighted (multiplied by `taskWeights`).
    public enum TaskWeighting: String, Equatable, Sendable, CaseIterable {
        /// The fixed `task_weights` (default 1 each).
        case fixed
        /// Inversely to each task's labelled training rows, normalised to mean 1.
        case inverseSize = "inverse-size"
        /// Learned uncertainty weights (Kendall et al. 2018): Σ L_t / (2·exp(s_t)) + s_t / 2.
        case uncertainty
    }
    /// How batches mix tasks whose labelled rows differ.
    public enum Batching: String, Equatable, Sendable, CaseIterable {
        /// Every batch draws from all training rows; each task's loss averages over the rows
        /// labelled for it (missing labels mask only their task).
        case mixed
        /// Every batch holds one task's labelled rows; the task is drawn with probability
        /// ∝ n_t^(1/τ) (τ = `samplingTemperature`; 1 = by size, large = uniform).
        case perTask = "per-task"
    }
    public var name: String
    public var architecture: Architecture
    /// Trunk widths (hard sharing) or every column's widths.
    public var hidden: [Int]
    public var dropout: Double
    public var distill: Distill
    /// Weight α of the soft loss: L = (1-α)·hard + α·T²·soft.
    public var alpha: Double
    /// Loss weight per task name; tasks not listed weigh 1.
    public var taskWeights: [String: Double]
    public var training: TrainingSpec
    public var taskWeighting: TaskWeighting
    public var batching: Batching
    public var samplingTemperature: Double
    /// Cross-stitch: initial diagonal of the mixing matrices (rows sum to 1).
    public var alphaSame: Double
    /// Cross-stitch: one matrix per hidden unit instead of per layer.
    public var perUnit: Bool
    /// Cross-stitch: learning-rate multiplier of the mixing matrices.
    public var stitchLearningRateScale: Double
    /// Soft sharing: λ of the coupling penalty.
    public var lambda: Double
    /// Times the student is trained, replicate k with the k-th derived seed shared by every
    /// student (so students compare in pairs).
    public var replicates: Int
    /// The no-KD student this one is compared with (nil: the student with the same
    /// architecture and `distill: none`, if any).
    public var baseline: String?
    /// This student's temperature and combination of the members (nil: the pipeline's `soft_targets`).
    public var temperature: Double?
    public var combine: SoftTargetSpec.Combine?
    /// How α moves over training: `constant`, or `linear` from 1 (teachers only) to 0 (labels
    /// only), teacher annealing as in Clark et al. 2019.
    public var alphaSchedule: AlphaSchedule = .constant
    /// Whether the student also learns the teachers' targets on the transfer set.
    public var transfer = false
    public enum AlphaSchedule: String, Equatable, Sendable, CaseIterable { case constant, linear }

    public init(name: String, architecture: Architecture, hidden: [Int], dropout: Double, distill: Distill,
                alpha: Double, taskWeights: [String: Double], training: TrainingSpec,
                taskWeighting: TaskWeighting = .fixed, batching: Batching = .mixed, samplingTemperature: Double = 1,
                alphaSame: Double = 0.9, perUnit: Bool = false, stitchLearningRateScale: Double = 10, lambda: Double = 1e-3,
                replicates: Int = 1, baseline: String? = nil) {
        self.replicates = replicates; self.baseline = baseline
        self.name = name; self.architecture = architecture; self.hidden = hidden; self.dropout = dropout
        self.distill = distill; self.alpha = alpha; self.taskWeights = taskWeights; self.training = training
        self.taskWeighting = taskWeighting; self.batching = batching; self.samplingTemperature = samplingTemperature
        self.alphaSame = alphaSame; self.perUnit = perUnit; self.stitchLearningRateScale = stitchLearningRateScale
        self.lambda = lambda
    }
}
