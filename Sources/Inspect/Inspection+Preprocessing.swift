import Artifacts

extension ModelMeaning {
    /// What a model does to a CSV row before and after the network: reading options, each
    /// feature's encoding, each task's outputs.
    static func preprocessingLines(_ p: Preprocessing, style: TextStyle) -> [String] {
        let csv = p.csv
        let names = csv.header ? "header line" : (csv.columns.isEmpty ? "no header (columns c0, c1, …)" : "no header, \(csv.columns.count) named columns")
        var lines = [style.heading("preprocessing") + "  raw CSV columns → \(p.inputCount) inputs; this file predicts on its own (mtkd predict, mtkd export)"]
        var table = TextTable([.left, .left])
        table.add("csv", "delimiter \(Format.quoted(csv.delimiter)), \(names), missing values "
                  + Format.list(csv.missingValues.map(Format.quoted), limit: 8) + (csv.trimWhitespace ? ", cells trimmed" : ""))
        table.add("missing features", p.missingFeatures == .dropRow
                  ? "drop-row: training dropped such rows; mtkd predict refuses them (--impute-missing imputes)"
                  : "impute-mean: numeric → training mean, categorical → all zeros")
        lines += table.render(indent: 2)
        var features = TextTable([.left, .left, .right, .left])
        features.add([TextTable.Cell("feature", paint: style.dim), TextTable.Cell("kind", paint: style.dim),
                      TextTable.Cell("inputs", paint: style.dim), TextTable.Cell("encoding", paint: style.dim)])
        for f in p.features {
            switch f.kind {
            case .numeric:
                features.add(f.column, "numeric", "1", "(x − \(Format.compact(f.mean))) / \(Format.compact(f.std))")
            case .categorical:
                let other = f.otherIndex.map { _ in "unseen → \(Preprocessing.otherCategory)" } ?? "unseen → all zeros"
                features.add(f.column, "categorical", String(f.width),
                             "one-hot " + Format.list(f.categories.map(Format.quoted), limit: 5) + "; " + other)
            }
        }
        lines += features.render(indent: 2)
        var tasks = TextTable([.left, .left])
        for t in p.tasks {
            switch t.kind {
            case .classification:
                tasks.add("task \(t.name)", "classes " + Format.list(t.classes.map(Format.quoted), limit: 8)
                          + " from column \(Format.quoted(t.column))")
            case .regression:
                tasks.add("task \(t.name)", "value = output · \(Format.compact(t.labelStd)) + \(Format.compact(t.labelMean)) (label units of \(Format.quoted(t.column)))")
            }
        }
        lines += tasks.render(indent: 2)
        return lines
    }
}
