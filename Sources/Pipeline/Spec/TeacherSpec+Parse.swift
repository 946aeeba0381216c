/// One group of teacher members of `teachers:` (task name → settings, or → a list of groups of
/// settings); the task name is checked against the tasks later.
struct SpecTeacherDraft {
    /// Keys every kind takes (`learning_rate` too, with a default per kind).
    static let commonKeys = ["kind", "members", "learning_rate"]
    static let gbdtKeys = ["max_depth", "rounds", "early_stopping", "subsample", "colsample", "min_child_weight", "lambda"]
    static let mlpKeys = SpecNetworkDraft.keys.filter { $0 != "learning_rate" }
    static let keys = commonKeys + mlpKeys + gbdtKeys

    /// The keys a teacher of `kind` takes, in the order the README lists them.
    static func keys(of kind: TeacherSpec.Kind) -> [String] {
        switch kind {
        case .mlp: return commonKeys + mlpKeys
        case .gbdt: return commonKeys + gbdtKeys
        }
    }

    var spec: TeacherSpec
    /// The entry's node (`teachers.species`), whose line is the task name's.
    let node: SpecNode
    /// The `hidden:` node, when given.
    let hiddenNode: SpecNode?

    var task: String { spec.task }

    /// Reads `teachers:`; null or `{}` means no teachers. A task's value is one mapping of
    /// settings, or a list of them: groups whose members are numbered on from the group before
    /// (an ensemble of MLP and GBDT members, say).
    static func readAll(_ node: SpecNode) throws -> [SpecTeacherDraft] {
        guard !node.isNull else { return [] }
        var teachers: [SpecTeacherDraft] = []
        try node.forEachEntry(keys: nil, expected: "a mapping from task names to teacher settings") { task, value in
            guard case .sequence = value.node else {
                teachers.append(try SpecTeacherDraft(task: task, value))
                return
            }
            let groups = try value.items(of: "teacher settings")
            guard !groups.isEmpty else { throw value.error("list at least one group of teacher settings") }
            var first = 0
            for (g, item) in groups.enumerated() {
                let group = try SpecTeacherDraft(task: task, item, firstMember: first, group: g)
                guard first + group.spec.members <= SpecLimits.members.upperBound else {
                    throw item.error("the groups of \(task)'s teachers have more than \(SpecLimits.members.upperBound) members together")
                }
                first += group.spec.members
                teachers.append(group)
            }
        }
        return teachers
    }

    /// Reads one task's settings; null or `{}` gives all defaults (an MLP ensemble).
    ///
    /// `kind` is read first, wherever it stands; then every other key must belong to that kind:
    /// `hidden` on a GBDT teacher, or `max_depth` on an MLP one, is refused naming the kind it belongs to.
    init(task: String, _ node: SpecNode, firstMember: Int = 0, group: Int? = nil) throws {
        var kind = TeacherSpec.Kind.mlp
        var members = 3, network = SpecNetworkDraft(), boosting = BoostingSpec()
        if !node.isNull {
            // Pass 1: unknown and repeated keys (in file order), and the kind.
            try node.forEachEntry(keys: Self.keys, expected: "a mapping of teacher settings") { key, value in
                if key == "kind" { kind = try value.choice(TeacherSpec.Kind.self) }
            }
            // Pass 2: every value, for that kind.
            try node.forEachEntry(keys: nil) { key, value in
                guard Self.keys(of: kind).contains(key) else {
                    let other: TeacherSpec.Kind = kind == .mlp ? .gbdt : .mlp
                    var message = "\(key) applies to \(other.rawValue) teachers only; this one is \(kind.rawValue)"
                    if node.kindIsDefaulted && other == .gbdt {
                        message += " (the default; add `kind: gbdt` for gradient-boosted trees)"
                    } else {
                        message += " (its settings: " + Self.keys(of: kind).joined(separator: ", ") + ")"
                    }
                    throw value.error(message)
                }
                switch key {
                case "kind": break
                case "members": members = try value.int(in: SpecLimits.members)
                case "learning_rate" where kind == .gbdt:
                    boosting.learningRate = try value.number()
                    try value.require(boosting.learningRate > 0 && boosting.learningRate <= 1, "> 0 and <= 1")
                case "max_depth": boosting.maxDepth = try value.int(in: SpecLimits.maxDepth)
                case "rounds": boosting.rounds = try value.int(in: SpecLimits.rounds)
                case "early_stopping": boosting.earlyStopping = try value.int(in: SpecLimits.earlyStopping)
                case "subsample":
                    boosting.subsample = try value.number()
                    try value.require(boosting.subsample > 0 && boosting.subsample <= 1, "> 0 and <= 1")
                case "colsample":
                    boosting.colsample = try value.number()
                    try value.require(boosting.colsample > 0 && boosting.colsample <= 1, "> 0 and <= 1")
                case "min_child_weight":
                    boosting.minChildWeight = try value.number()
                    try value.require(boosting.minChildWeight >= 0, ">= 0")
                case "lambda":
                    boosting.lambda = try value.number()
                    try value.require(boosting.lambda >= 0, ">= 0")
                default:
                    try network.read(key, value)
                }
            }
        }
        spec = TeacherSpec(task: task, kind: kind, members: members, hidden: network.hidden, dropout: network.dropout,
                           training: network.training, boosting: boosting, firstMember: firstMember, group: group)
        self.node = node
        hiddenNode = network.hiddenNode
    }
}

private extension SpecNode {
    /// True when this mapping has no `kind:` key.
    var kindIsDefaulted: Bool {
        guard case let .mapping(mapping) = node else { return true }
        return !mapping.keys.contains { $0.scalar?.string == "kind" }
    }
}
