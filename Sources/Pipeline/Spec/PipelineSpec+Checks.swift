import Artifacts
import Foundation

/// Checks that span sections of the pipeline file, run once every section has been read.
extension SpecDraft {
    /// Names that must refer to each other: a feature is not a label; teachers and task weights name tasks.
    func checkReferences() throws {
        for feature in data.features {
            if let task = tasks.first(where: { $0.spec.column == feature.spec.column }) {
                throw feature.node.error("column '\(feature.spec.column)' is the label of task '\(task.spec.name)' "
                                         + "and cannot also be a feature")
            }
        }
        let taskNames = tasks.map(\.spec.name)
        func checkTask(_ name: String, _ node: SpecNode) throws {
            guard !taskNames.contains(name) else { return }
            throw node.error("no task named '\(name)'" + SpecSuggest.hint(for: name, in: taskNames, listing: "the tasks are"))
        }
        for teacher in teachers { try checkTask(teacher.task, teacher.node) }
        for student in students ?? [] {
            for weight in student.weightNodes { try checkTask(weight.task, weight.node) }
        }
        // A student learns from the transfer set only if there is one, and teachers to label it.
        let hasTeachers = !teachers.isEmpty || teachersFrom != nil
        for student in students ?? [] where student.spec.transfer {
            guard transfer != nil, hasTeachers else {
                throw student.transferNode!.error("transfer: true needs a top-level `transfer:` section and at least one teacher")
            }
            guard student.spec.distill == .soft else {
                throw student.transferNode!.error("transfer rows carry the teachers' targets only: a student with distill: none cannot learn from them")
            }
        }
        if let node = transferNode, !hasTeachers {
            throw node.error("a transfer set is labelled by the teachers: add a `teachers:` section")
        }
        // `baseline:` names another student, one trained without teachers.
        let all = students ?? []
        for student in all {
            guard let node = student.baselineNode, let name = student.spec.baseline else { continue }
            guard let other = all.first(where: { $0.spec.name == name }), name != student.spec.name else {
                let names = all.map(\.spec.name).filter { $0 != student.spec.name }
                throw node.error("no other student named '\(name)'" + SpecSuggest.hint(for: name, in: names, listing: "the students are"))
            }
            guard other.spec.distill == .none else {
                throw node.error("the baseline '\(name)' must be trained without teachers (distill: none); it has distill: \(other.spec.distill.rawValue)")
            }
        }
    }

    /// Every network fits in this machine's memory, at the least input width the features can
    /// give (one input per feature column; categorical ones give one per category, known only
    /// after `prepare`, which checks again) and the fewest outputs (2 per classification task).
    func checkMemory(available: Double = NetworkMemory.available) throws {
        let specs = tasks.map(\.spec)
        let outputs = specs.map { $0.kind == .classification ? 2 : 1 }
        let needs = NetworkMemory.needs(inputs: data.features.count, outputs: outputs, tasks: specs,
                                        teachers: teachers.map(\.spec), students: (students ?? []).map(\.spec))
        guard let need = needs.first(where: { $0.bytes > available }) else { return }
        let node: SpecNode
        if let t = need.teacher {
            node = teachers[t].hiddenNode ?? teachers[t].node
        } else {
            let student = students![need.student!]
            node = student.hiddenNode ?? student.nameNode
        }
        throw node.error("\(need.network) would have at least \(NetworkMemory.format(count: need.parameters)) parameters, "
                         + "needing about \(NetworkMemory.format(bytes: need.bytes)) to train (\(Int(NetworkMemory.bytesPerParameter)) bytes each), "
                         + "more than this machine's \(NetworkMemory.format(bytes: available)) of memory; use narrower or fewer layers")
    }

    /// Every data file exists; then every feature and label column is in each file's columns
    /// (the csv, or each of the split files), with the nearest column suggested for the first file.
    func checkDataFiles(columnsOf: (_ path: String, _ delimiter: Character, _ header: Bool) throws -> [String]) throws {
        for file in data.files {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: file.path, isDirectory: &isFolder) else {
                throw file.node.error("no such file: \(file.path)")
            }
            guard !isFolder.boolValue else { throw file.node.error("\(file.path) is a folder, not a data file") }
        }
        guard let first = data.files.first else { return }
        let firstColumns = try columns(of: first, columnsOf)
        for (column, node, defaulted) in usedColumns {
            try check(column, at: node, in: first, columns: firstColumns, defaulted: defaulted)
        }
        for file in data.files.dropFirst() {
            let columns = try columns(of: file, columnsOf)
            for (column, _, _) in usedColumns where !columns.contains(column) {
                throw file.node.error("no column '\(column)' in \(file.written) (the file \(first.written) has it)")
            }
        }
    }

    /// Feature columns, then label columns, with the node that names each and whether
    /// the column is a task's name taken by default.
    private var usedColumns: [(column: String, node: SpecNode, defaulted: Bool)] {
        data.features.map { ($0.spec.column, $0.node, false) }
            + tasks.map { ($0.spec.column, $0.labelNode, $0.columnNode == nil) }
    }

    /// The column names of `file`: from its header, from `columns:`, or `c0`, `c1`, ….
    private func columns(of file: SpecDataFile, _ columnsOf: (_ path: String, _ delimiter: Character, _ header: Bool) throws -> [String]) throws -> [String] {
        let fields: [String]
        do {
            fields = try columnsOf(file.path, data.delimiter, data.header)
        } catch {
            throw file.node.error("cannot read the columns of \(file.written): \(FileSystemError.message(error))")
        }
        if data.header { return fields }
        if let node = data.columnsNode {
            guard data.columns.count == fields.count else {
                throw node.error("\(data.columns.count) column names given, but \(file.written) has \(fields.count) columns")
            }
            return data.columns
        }
        return fields.indices.map { "c\($0)" }
    }

    /// Throws unless `column` is exactly one of `columns`, suggesting the nearest.
    private func check(_ column: String, at node: SpecNode, in file: SpecDataFile, columns: [String],
                       defaulted: Bool) throws {
        let count = columns.filter { $0 == column }.count
        if count == 1 { return }
        if count > 1 { throw node.error("column '\(column)' appears \(count) times in the header of \(file.written)") }
        let note = defaulted ? " (a task's column defaults to its name)" : ""
        let hint: String
        if let near = SpecSuggest.nearest(to: column, in: columns, within: max(2, column.count / 2)) {
            hint = "; did you mean '\(near)'?"
        } else {
            hint = "; its columns are: " + SpecSuggest.list(columns)
        }
        throw node.error("no column '\(column)' in \(file.written)\(note)\(hint)")
    }
}
