/// One entry of `students:`, with the `task_weights` nodes checked against the tasks later.
struct SpecStudentDraft {
    static let keys = ["name", "architecture", "distill", "alpha", "task_weights", "task_weighting", "batching",
                       "sampling_temperature", "alpha_same", "per_unit", "stitch_lr_scale", "lambda", "replicates", "baseline",
                       "temperature", "combine", "alpha_schedule", "transfer"] + SpecNetworkDraft.keys
    /// Keys that only one architecture takes.
    static let architectureKeys: [String: StudentSpec.Architecture] = [
        "alpha_same": .crossStitch, "per_unit": .crossStitch, "stitch_lr_scale": .crossStitch, "lambda": .softSharing,
    ]

    /// The student used when the file has no `students:`: `kd`, all defaults.
    static var defaultStudent: StudentSpec {
        let network = SpecNetworkDraft()
        return StudentSpec(name: "kd", architecture: .hardSharing, hidden: network.hidden, dropout: network.dropout,
                           distill: .soft, alpha: 0.5, taskWeights: [:], training: network.training)
    }

    var spec: StudentSpec
    let nameNode: SpecNode
    /// `replicates:` of this student, when given (else the pipeline's).
    var replicates: Int?
    /// `baseline:`, checked against the other students later.
    var baselineNode: SpecNode?
    /// `transfer: true`, checked against the pipeline's `transfer:` later.
    var transferNode: SpecNode?
    /// The `hidden:` node, when given.
    let hiddenNode: SpecNode?
    /// `task_weights` entries: task name and its node.
    let weightNodes: [(task: String, node: SpecNode)]

    /// Reads `students:`: a non-empty list, names unique; null gives nil (the default student).
    static func readAll(_ node: SpecNode) throws -> [SpecStudentDraft]? {
        guard !node.isNull else { return nil }
        let items = try node.items(of: "students")
        guard !items.isEmpty else {
            throw node.error("students must list at least one student; leave it out for the default student 'kd'")
        }
        var students: [SpecStudentDraft] = []
        for item in items {
            let student = try SpecStudentDraft(item)
            if let other = students.first(where: { $0.spec.name == student.spec.name }) {
                throw student.nameNode.error("duplicate student name '\(student.spec.name)' (also at \(other.nameNode.path))")
            }
            students.append(student)
        }
        return students
    }

    /// Reads one student.
    init(_ node: SpecNode) throws {
        var name: (text: String, node: SpecNode)?
        var architecture = StudentSpec.Architecture.hardSharing, distill = StudentSpec.Distill.soft, alpha = 0.5
        var weights: [String: Double] = [:], weightNodes: [(task: String, node: SpecNode)] = []
        var network = SpecNetworkDraft()
        var weighting = StudentSpec.TaskWeighting.fixed, batching = StudentSpec.Batching.mixed, samplingTemperature = 1.0
        var alphaSame = 0.9, perUnit = false, stitchScale = 10.0, lambda = 1e-3
        var architectureSpecific: [(key: String, node: SpecNode)] = []
        var baseline: String?, baselineAt: SpecNode?, replicates: Int?
        var temperature: Double?, combine: SoftTargetSpec.Combine?, alphaSchedule = StudentSpec.AlphaSchedule.constant
        var transfer = false, transferAt: SpecNode?
        try node.forEachEntry(keys: Self.keys, expected: "a student (a mapping with at least a name)") { key, value in
            switch key {
            case "name":
                name = (try SpecDraft.identifier(value), value)
            case "architecture":
                architecture = try value.choice(StudentSpec.Architecture.self)
            case "distill":
                distill = try value.choice(StudentSpec.Distill.self)
            case "alpha":
                alpha = try value.number()
                try value.require(alpha >= 0 && alpha <= 1, "between 0 and 1")
            case "task_weights":
                try value.forEachEntry(keys: nil, expected: "a mapping from task names to weights") { task, weight in
                    let number = try weight.number()
                    try weight.require(number >= 0, ">= 0", label: "a task weight")
                    weights[task] = number
                    weightNodes.append((task, weight))
                }
            case "task_weighting":
                weighting = try value.choice(StudentSpec.TaskWeighting.self)
            case "batching":
                batching = try value.choice(StudentSpec.Batching.self)
            case "sampling_temperature":
                samplingTemperature = try value.number()
                try value.require(samplingTemperature > 0, "> 0")
            case "alpha_same":
                alphaSame = try value.number()
                try value.require(alphaSame > 0 && alphaSame <= 1, "> 0 and <= 1")
                architectureSpecific.append((key, value))
            case "per_unit":
                perUnit = try value.bool()
                architectureSpecific.append((key, value))
            case "stitch_lr_scale":
                stitchScale = try value.number()
                try value.require(stitchScale > 0, "> 0")
                architectureSpecific.append((key, value))
            case "lambda":
                lambda = try value.number()
                try value.require(lambda >= 0, ">= 0")
                architectureSpecific.append((key, value))
            case "replicates":
                replicates = try SpecDraft.replicates(value)
            case "temperature":
                let t = try value.number()
                try value.require(t > 0, "> 0")
                temperature = t
            case "combine":
                combine = try value.choice(SoftTargetSpec.Combine.self)
            case "alpha_schedule":
                alphaSchedule = try value.choice(StudentSpec.AlphaSchedule.self)
            case "transfer":
                transfer = try value.bool()
                transferAt = value
            case "baseline":
                baseline = try SpecDraft.identifier(value)
                baselineAt = value
            default:
                try network.read(key, value)
            }
        }
        for (key, value) in architectureSpecific where Self.architectureKeys[key] != architecture {
            throw value.error("\(key) applies to \(Self.architectureKeys[key]!.rawValue) students only; this one is \(architecture.rawValue)")
        }
        guard let name else { throw node.missing("name") }
        spec = StudentSpec(name: name.text, architecture: architecture, hidden: network.hidden, dropout: network.dropout,
                           distill: distill, alpha: alpha, taskWeights: weights, training: network.training,
                           taskWeighting: weighting, batching: batching, samplingTemperature: samplingTemperature,
                           alphaSame: alphaSame, perUnit: perUnit, stitchLearningRateScale: stitchScale, lambda: lambda,
                           baseline: baseline)
        spec.temperature = temperature; spec.combine = combine; spec.alphaSchedule = alphaSchedule
        spec.transfer = transfer
        transferNode = transferAt
        nameNode = name.node
        hiddenNode = network.hiddenNode
        self.weightNodes = weightNodes
        self.replicates = replicates
        self.baselineNode = baselineAt
    }
}
