/// One entry of `teachers:` (task name → settings); the task name is checked against the tasks later.
struct SpecTeacherDraft {
    static let keys = ["members"] + SpecNetworkDraft.keys

    var spec: TeacherSpec
    /// The entry's node (`teachers.species`), whose line is the task name's.
    let node: SpecNode
    /// The `hidden:` node, when given.
    let hiddenNode: SpecNode?

    var task: String { spec.task }

    /// Reads `teachers:`; null or `{}` means no teachers.
    static func readAll(_ node: SpecNode) throws -> [SpecTeacherDraft] {
        guard !node.isNull else { return [] }
        var teachers: [SpecTeacherDraft] = []
        try node.forEachEntry(keys: nil, expected: "a mapping from task names to teacher settings") { task, value in
            teachers.append(try SpecTeacherDraft(task: task, value))
        }
        return teachers
    }

    /// Reads one task's settings; null or `{}` gives all defaults.
    init(task: String, _ node: SpecNode) throws {
        var members = 3, network = SpecNetworkDraft()
        if !node.isNull {
            try node.forEachEntry(keys: Self.keys, expected: "a mapping of teacher settings") { key, value in
                if key == "members" {
                    members = try value.int(in: SpecLimits.members)
                } else {
                    try network.read(key, value)
                }
            }
        }
        spec = TeacherSpec(task: task, members: members, hidden: network.hidden, dropout: network.dropout,
                           training: network.training)
        self.node = node
        hiddenNode = network.hiddenNode
    }
}
