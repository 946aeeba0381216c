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
        table.add("scaling", scalingSummary(p.features))
        lines += table.render(indent: 2)
        var features = TextTable([.left, .left, .right, .left])
        features.add([TextTable.Cell("feature", paint: style.dim), TextTable.Cell("kind", paint: style.dim),
                      TextTable.Cell("inputs", paint: style.dim), TextTable.Cell("encoding", paint: style.dim)])
        for run in runs(p.features) {
            let f = run.first!
            switch f.kind {
            case .numeric where run.count > Self.runRows:
                features.add("\(f.column) … \(run.last!.column)", "numeric", String(run.count), runEncoding(run))
            case .numeric:
                for f in run { features.add(f.column, "numeric", "1", encoding(f, imputes: p.missingFeatures == .imputeMean)) }
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

    /// Consecutive numeric features of one scaling longer than this show as one row.
    static let runRows = 10

    /// `standard 2 (len, mass); minmax 784 (p0 … p783); none 1 (flag)`: the numeric columns by scaling method.
    static func scalingSummary(_ features: [Preprocessing.Feature]) -> String {
        let numeric = features.filter { $0.kind == .numeric }
        guard !numeric.isEmpty else { return "no numeric columns" }
        return NumericScaling.allCases.compactMap { method -> String? in
            let names = numeric.filter { $0.scaling.method == method }.map(\.column)
            guard !names.isEmpty else { return nil }
            let listed = names.count > 4 ? "\(names.first!), \(names[1]), … \(names.last!)" : names.joined(separator: ", ")
            return "\(method.rawValue) \(names.count) (\(listed))"
        }.joined(separator: "; ")
    }

    /// The features cut into runs: consecutive numeric features of one scaling method, or one categorical feature.
    private static func runs(_ features: [Preprocessing.Feature]) -> [[Preprocessing.Feature]] {
        var out: [[Preprocessing.Feature]] = []
        for f in features {
            if f.kind == .numeric, let last = out.last?.last, last.kind == .numeric, last.scaling.method == f.scaling.method {
                out[out.count - 1].append(f)
            } else {
                out.append([f])
            }
        }
        return out
    }

    /// One numeric feature's map: `(x − 43.5) / 5.25`, `(x − 0) / (255 − 0)`, `x`; with the
    /// imputed value when it is not 0 and the model imputes.
    private static func encoding(_ f: Preprocessing.Feature, imputes: Bool) -> String {
        let c = Format.compact
        var text: String
        switch f.scaling.method {
        case .standard: text = "(x − \(c(f.mean))) / \(c(f.std))"
        case .minmax:
            text = f.scaling.max > f.scaling.min ? "(x − \(c(f.scaling.min))) / (\(c(f.scaling.max)) − \(c(f.scaling.min)))"
                : "x − \(c(f.scaling.min)) (constant in training)"
        case .none: text = "x"
        }
        if imputes && f.scaling.impute != 0 { text += "; missing → \(c(f.scaling.impute))" }
        return text
    }

    /// A long run of one scaling method: its formula and the range of each statistic it uses.
    private static func runEncoding(_ run: [Preprocessing.Feature]) -> String {
        func span(_ values: [Double]) -> String {
            let (low, high) = (values.min()!, values.max()!)
            return low == high ? Format.compact(low) : "\(Format.compact(low)) … \(Format.compact(high))"
        }
        let method = run[0].scaling.method
        switch method {
        case .standard: return "\(method.formula), mean \(span(run.map(\.mean))), std \(span(run.map(\.std)))"
        case .minmax: return "\(method.formula), min \(span(run.map(\.scaling.min))), max \(span(run.map(\.scaling.max)))"
        case .none: return "x as it is"
        }
    }
}
