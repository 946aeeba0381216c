import Foundation

extension HDF5Tree {
    /// The tree as aligned lines: one per group or dataset (path, shape, type, chunks, filters,
    /// logical → stored bytes and ratio), each followed by its attributes, indented.
    func lines(style: TextStyle) -> [String] {
        let datasets = nodes.filter { $0.kind == .dataset }
        let groups = nodes.filter { $0.kind == .group }
        let stored = datasets.compactMap(\.storedBytes).reduce(0, +)
        var out = [style.heading("HDF5 tree") + style.dim("  \(datasets.count) datasets in \(groups.count) groups, \(Format.bytes(stored)) of data stored")]

        var table = TextTable([.left, .left, .left, .left, .left, .left])
        for node in nodes { table.add(row(node, style: style)) }
        let rows = table.render(indent: 2)
        for (node, line) in zip(nodes, rows) {
            out.append(line)
            if let error = node.error { out.append("      " + style.yellow("! " + error)) }
            var attributes = TextTable([.left, .left])
            for attribute in node.attributes {
                let value = attribute.value?.text() ?? "<unreadable: \(attribute.error ?? "unknown type")>"
                attributes.add([TextTable.Cell("@" + attribute.name, paint: style.dim), TextTable.Cell("= " + value)])
            }
            out += attributes.render(indent: 6, gap: 1)
        }
        if let stopped = stoppedAfter {
            out.append("  " + style.yellow("… listing stopped after \(Format.count(stopped)) objects"))
        }
        return out
    }

    private func row(_ node: Node, style: TextStyle) -> [TextTable.Cell] {
        let path = TextTable.Cell(node.path, paint: node.kind == .group ? style.bold : nil)
        switch node.kind {
        case .group:
            return [path, TextTable.Cell("group", paint: style.dim)]
        case .other:
            return [path, TextTable.Cell("link", paint: style.dim)]
        case .dataset:
            guard let shape = node.shape else { return [path, TextTable.Cell("dataset", paint: style.dim)] }
            let chunks = node.chunks.map { "chunks " + Format.shape($0) } ?? "contiguous"
            let filters = (node.filters ?? []).map(\.summary).joined(separator: "+")
            var storage = ""
            if let logical = node.logicalBytes, let stored = node.storedBytes {
                storage = "\(Format.bytes(logical)) → \(Format.bytes(stored))"
                if let ratio = node.compressionRatio, !(node.filters ?? []).isEmpty {
                    storage += String(format: " (%.2f×)", ratio)
                }
            }
            return [path, TextTable.Cell(Format.shape(shape)), TextTable.Cell(node.type ?? "?"),
                    TextTable.Cell(chunks, paint: style.dim), TextTable.Cell(filters.isEmpty ? "-" : filters, paint: style.dim),
                    TextTable.Cell(storage)]
        }
    }
}

extension HDF5Tree {
    /// The tree alone as text (see `Inspection.text(colour:)` for the whole view).
    public func text(colour: Bool = false) -> String {
        lines(style: TextStyle(colour: colour)).joined(separator: "\n") + "\n"
    }
}
