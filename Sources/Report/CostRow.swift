import Artifacts

/// Size and speed of one teacher ensemble or one student.
public struct CostRow: Equatable, Sendable {
    /// "species ensemble", or the student's name.
    public var name: String
    /// True for a teacher ensemble.
    public var isTeacher: Bool
    /// "3 × mlp", "hard-sharing", …
    public var architecture: String
    /// Learned numbers (gradient-boosted trees: their nodes, see `ModelEvaluation.parameters`).
    public var parameters: Int
    /// Trees of the gradient-boosted members (nil: no such member).
    public var trees: Int? = nil
    /// Wall-clock training seconds (ensembles: summed over members; students: over replicates).
    public var trainingSeconds: Double?
    /// Training examples/s of the last epoch (ensembles: mean over members; students: over replicates).
    public var trainingExamplesPerSecond: Double?
    /// Test-split predictions per second (ensembles: every member in turn, 1/Σ(1/r_k)).
    public var inferenceExamplesPerSecond: Double?

    public init(name: String, isTeacher: Bool, architecture: String, parameters: Int, trainingSeconds: Double?,
                trainingExamplesPerSecond: Double?, inferenceExamplesPerSecond: Double?) {
        self.name = name; self.isTeacher = isTeacher; self.architecture = architecture; self.parameters = parameters
        self.trainingSeconds = trainingSeconds; self.trainingExamplesPerSecond = trainingExamplesPerSecond
        self.inferenceExamplesPerSecond = inferenceExamplesPerSecond
    }

    /// The parameters cell: `159,874`, or `57,914 (870 trees)` with gradient-boosted members.
    public var size: String { _Format.count(parameters) + (trees.map { " (\(_Format.count($0)) trees)" } ?? "") }

    /// One row per teacher ensemble (task order), then one per student (metrics order).
    static func rows(_ report: EvaluationReport, timings: Timings) -> [CostRow] {
        let network = NetworkTimings(timings)
        var rows: [CostRow] = []
        for task in report.tasks {
            guard let ensemble = report.models.first(where: { $0.role == .teacherEnsemble && $0.tasks[task.name] != nil }) else { continue }
            let members = report.models.filter { $0.role == .teacherMember && $0.name.hasPrefix(task.name + "/") }
            let seconds = members.map { network.training($0.name) }
            let speeds = members.compactMap { network.trainingSpeed($0.name) }
            let inference = members.map { network.inference($0.name) }
            let architectures = Set(members.map(\.architecture)).sorted().joined(separator: "/")
            var row = CostRow(
                name: "\(task.name) ensemble", isTeacher: true,
                architecture: members.isEmpty ? ensemble.architecture : "\(members.count) × \(architectures)",
                parameters: ensemble.parameters,
                trainingSeconds: seconds.isEmpty || seconds.contains(nil) ? nil : seconds.reduce(0) { $0 + $1! },
                trainingExamplesPerSecond: speeds.isEmpty ? nil : speeds.reduce(0, +) / Double(speeds.count),
                inferenceExamplesPerSecond: inference.isEmpty || inference.contains(where: { ($0 ?? 0) <= 0 })
                    ? nil : 1 / inference.reduce(0) { $0 + 1 / $1! })
            row.trees = ensemble.trees
            rows.append(row)
        }
        for s in report.models where s.role == .student {
            // Replicates are timed as "kd/replicate-<k>"; older files time the student as "kd".
            let names = (s.replicates ?? []).map { ArtifactLayout.replicateName(s.name, $0.replicate) }
            let seconds = names.map { network.training($0) }, speeds = names.compactMap { network.trainingSpeed($0) }
            let replicated = !names.isEmpty && !seconds.contains(nil)
            rows.append(CostRow(name: s.name, isTeacher: false, architecture: s.architecture, parameters: s.parameters,
                                trainingSeconds: replicated ? seconds.reduce(0) { $0 + $1! } : network.training(s.name),
                                trainingExamplesPerSecond: replicated && !speeds.isEmpty
                                    ? speeds.reduce(0, +) / Double(speeds.count) : network.trainingSpeed(s.name),
                                inferenceExamplesPerSecond: network.inference(s.name)))
        }
        return rows
    }
}

/// The per-network timings of every stage, looked up by network name (first stage in name order that has the value).
struct NetworkTimings {
    private let byName: [String: [Timings.NetworkTiming]]

    init(_ timings: Timings) {
        var byName: [String: [Timings.NetworkTiming]] = [:]
        for stage in timings.stages.keys.sorted() {
            for (name, t) in timings.stages[stage]!.networks { byName[name, default: []].append(t) }
        }
        self.byName = byName
    }

    func training(_ name: String) -> Double? { byName[name]?.lazy.compactMap(\.trainingSeconds).first }
    func trainingSpeed(_ name: String) -> Double? { byName[name]?.lazy.compactMap(\.examplesPerSecond).first }
    func inference(_ name: String) -> Double? { byName[name]?.lazy.compactMap(\.inferenceExamplesPerSecond).first }
}
