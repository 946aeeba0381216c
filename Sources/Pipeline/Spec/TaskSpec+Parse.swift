/// One entry of `tasks:`, with the nodes later checks point at.
struct SpecTaskDraft {
    static let keys = ["name", "column", "type", "positive"]

    var spec: TaskSpec
    /// The `name:` node.
    let nameNode: SpecNode
    /// The `column:` node, nil when the column defaults to the name.
    let columnNode: SpecNode?

    /// The node that names the label column: `column:`, or `name:` when the column defaults to it.
    var labelNode: SpecNode { columnNode ?? nameNode }

    /// Reads `tasks:`: a non-empty list, names unique.
    static func readAll(_ node: SpecNode) throws -> [SpecTaskDraft] {
        let items = try node.items(of: "tasks")
        guard !items.isEmpty else { throw node.error("tasks must list at least one task") }
        var tasks: [SpecTaskDraft] = []
        for item in items {
            let task = try SpecTaskDraft(item)
            if let other = tasks.first(where: { $0.spec.name == task.spec.name }) {
                throw task.nameNode.error("duplicate task name '\(task.spec.name)' (also at \(other.nameNode.path))")
            }
            tasks.append(task)
        }
        return tasks
    }

    /// Reads one task: `{name, column, type, positive}`.
    init(_ node: SpecNode) throws {
        var name: (text: String, node: SpecNode)?, column: (text: String, node: SpecNode)?
        var kind = TaskSpec.Kind.classification, positive: (values: [String], node: SpecNode)?
        try node.forEachEntry(keys: Self.keys, expected: "a task (a mapping with at least a name)") { key, value in
            switch key {
            case "name":
                name = (try SpecDraft.identifier(value), value)
            case "column":
                column = (try value.nonEmptyString("a column name"), value)
            case "type":
                kind = try value.choice(TaskSpec.Kind.self)
            case "positive":
                let values = try value.items(of: "strings").map { try $0.string() }
                guard !values.isEmpty else { throw value.error("positive must list at least one value") }
                positive = (values, value)
            default:
                break
            }
        }
        guard let name else { throw node.missing("name") }
        if let positive, kind != .classification {
            throw positive.node.error("positive is only for classification tasks; this task is \(kind.rawValue)")
        }
        spec = TaskSpec(name: name.text, column: column?.text ?? name.text, kind: kind,
                        positiveValues: positive?.values ?? [])
        nameNode = name.node
        columnNode = column?.node
    }
}
