/// One entry of `students:`, with the `task_weights` nodes checked against the tasks later.
struct SpecStudentDraft {
    static let keys = ["name", "architecture", "distill", "alpha", "task_weights"] + SpecNetworkDraft.keys

    /// The student used when the file has no `students:`: `kd`, all defaults.
    static var defaultStudent: StudentSpec {
        let network = SpecNetworkDraft()
        return StudentSpec(name: "kd", architecture: .hardSharing, hidden: network.hidden, dropout: network.dropout,
                           distill: .soft, alpha: 0.5, taskWeights: [:], training: network.training)
    }

    var spec: StudentSpec
    let nameNode: SpecNode
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
            default:
                try network.read(key, value)
            }
        }
        guard let name else { throw node.missing("name") }
        spec = StudentSpec(name: name.text, architecture: architecture, hidden: network.hidden, dropout: network.dropout,
                           distill: distill, alpha: alpha, taskWeights: weights, training: network.training)
        nameNode = name.node
        self.weightNodes = weightNodes
    }
}
