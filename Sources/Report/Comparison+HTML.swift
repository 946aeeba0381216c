import Artifacts

extension Comparison {
    /// Colours of the models across every chart: teachers in greys, students from a
    /// colour-blind-friendly palette, in column order.
    static let teacherColors = ["teachers-ensemble": "#3b3b3b", "teachers-mean-member": "#a3a3a3"]
    static let studentPalette = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#d55e00", "#56b4e9", "#8c6d31", "#7b3294"]

    /// The models of the bar charts (the comparison table's columns) with their colours.
    var chartColumns: [(column: ComparisonTable.Column, color: String)] {
        var next = 0
        return ComparisonTable.makeColumns(evaluation).map { c in
            if let grey = Self.teacherColors[c.key] { return (c, grey) }
            defer { next += 1 }
            return (c, Self.studentPalette[next % Self.studentPalette.count])
        }
    }

    /// The report as one self-contained HTML page: inline CSS and inline SVG, no scripts,
    /// no external resources. Bar charts per task, the tables, training curves per network,
    /// cross-stitch heatmaps.
    public var html: String {
        var page = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        page += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        page += "<title>mtkd report: \(_escape(evaluation.pipeline))</title>\n<style>\n\(Self.css)</style>\n</head>\n<body>\n"
        page += "<header><h1>\(_escape(evaluation.pipeline)): teachers and students compared</h1>\n"
        let ensembles = evaluation.models.filter { $0.role == .teacherEnsemble }.count
        page += "<p class=\"sub\">\(_escape(evaluation.split)) split · \(evaluation.tasks.count) tasks · \(ensembles) teacher ensembles · \(students.count) students</p>\n"
        page += "<nav><a href=\"#metrics\">metrics</a><a href=\"#gains\">gains and losses</a><a href=\"#cost\">size and speed</a>"
        page += "<a href=\"#curves\">training curves</a>" + (stitches.isEmpty ? "" : "<a href=\"#stitch\">cross-stitch</a>")
        page += (notes.isEmpty ? "" : "<a href=\"#notes\">notes</a>") + "</nav>\n"
        if !students.isEmpty {
            page += "<ul class=\"summary\">" + students.map { "<li><b>\(_escape($0.name))</b> \(_escape(summary($0)))</li>" }.joined() + "</ul>\n"
        }
        page += "</header>\n<main>\n"
        page += metricsSection + gainsSection + costSection + curvesSection + stitchSection + notesSection
        page += "</main>\n<footer>Made by <code>mtkd report</code> from report/metrics.json, timings.json and the model files.</footer>\n"
        return page + "</body>\n</html>\n"
    }

    // MARK: sections

    var metricsSection: String {
        let columns = chartColumns
        var s = "<section id=\"metrics\">\n<h2>Test metrics per task</h2>\n<p class=\"legend\">"
        s += columns.map { "<span><i style=\"background:\($0.color)\"></i>\(_escape($0.column.title))</span>" }.joined()
        s += "</p>\n<div class=\"grid\">\n"
        for task in evaluation.tasks {
            let rows = ComparisonTable.metricRows(task.kind, classes: task.classes.count).filter { $0.0 != "RMSE" }
            let groups = rows.map { (label, key) in
                _Charts.Group(metric: label, bars: columns.compactMap { c in
                    c.column.value(task.name, key).map { _Charts.Bar(model: c.column.key, title: c.column.title, color: c.color, value: $0) }
                })
            }
            let kind = task.kind == "regression" ? "regression" : "\(task.classes.count) classes"
            s += "<figure class=\"chart\" data-task=\"\(_escape(task.name))\">"
            s += "<figcaption><b>\(_escape(task.name))</b> · \(kind) · primary metric \(PrimaryMetric.of(task).label)"
            s += task.hasTeacher ? "" : " · <span class=\"muted\">no teacher</span>"
            s += "</figcaption>" + _Charts.bars(task: task.name, groups: groups) + "</figure>\n"
        }
        s += "</div>\n<h3>All metrics</h3>\n" + comparisonTableHTML(columns.map(\.column))
        return s + "</section>\n"
    }

    func comparisonTableHTML(_ columns: [ComparisonTable.Column]) -> String {
        var s = "<div class=\"scroll\"><table class=\"numbers\" id=\"comparison\"><thead><tr><th>task</th><th>metric</th>"
        s += columns.map { "<th>\(_escape($0.title))</th>" }.joined() + "</tr></thead><tbody>"
        for task in evaluation.tasks {
            var rows = ComparisonTable.metricRows(task.kind, classes: task.classes.count)
            if task.kind != "regression" { rows.append(("log loss", \.logLoss)) }
            for (label, key) in rows {
                s += "<tr><td>\(_escape(task.name))</td><td>\(label)</td>"
                s += columns.map { "<td>\(_Format.fixed($0.value(task.name, key)))</td>" }.joined() + "</tr>"
            }
        }
        s += "<tr class=\"total\"><td><i>all</i></td><td>parameters</td>" + columns.map { "<td>\($0.parameters)</td>" }.joined() + "</tr>"
        return s + "</tbody></table></div>\n"
    }

    var gainsSection: String {
        guard !students.isEmpty else { return "" }
        let hasBaseline = students.contains { $0.baseline != nil }
        var s = "<section id=\"gains\">\n<h2>Gains and losses</h2>\n"
        s += "<p>Primary metric per task: ROC AUC (binary), accuracy (multi-class), R² (regression). Δ = student − reference;"
        s += " <span class=\"gain\">▲ gain</span> and <span class=\"loss\">▼ loss</span> beyond ±\(Self.threshold(input.threshold)).</p>\n"
        s += "<table class=\"numbers\" id=\"gains-table\"><thead><tr><th>student</th><th>task</th><th>metric</th><th>value</th><th>teachers</th><th>Δ teachers</th>"
        s += hasBaseline ? "<th>no-KD</th><th>Δ no-KD</th>" : ""
        s += "</tr></thead><tbody>"
        for g in gains {
            s += "<tr data-student=\"\(_escape(g.student))\" data-task=\"\(_escape(g.task))\"><td>\(_escape(g.student))</td><td>\(_escape(g.task))</td>"
            s += "<td>\(g.metric.label)</td><td>\(_Format.fixed(g.value))</td>"
            s += g.teachers.map { "<td>\(_Format.fixed($0.value))</td>" + Self.deltaCell($0) } ?? "<td class=\"muted\">no teacher</td><td>—</td>"
            if hasBaseline {
                if let b = g.baseline { s += "<td>\(_Format.fixed(b.value))</td>" + Self.deltaCell(b) }
                else {
                    let isBaseline = students.first { $0.name == g.student }?.distill == ReportInput.Distillation.none
                    s += "<td class=\"muted\">\(isBaseline ? "baseline" : "—")</td><td>—</td>"
                }
            }
            s += "</tr>"
        }
        return s + "</tbody></table>\n</section>\n"
    }

    static func deltaCell(_ r: Reference) -> String {
        guard let d = r.delta else { return "<td>—</td>" }
        let cls = r.verdict == .gain ? " class=\"gain\"" : r.verdict == .loss ? " class=\"loss\"" : ""
        return "<td\(cls) data-delta=\"\(_Format.exact(d))\">\(_Format.signed(d))\(_Format.mark(r.verdict))</td>"
    }

    var costSection: String {
        guard !costs.isEmpty else { return "" }
        var s = "<section id=\"cost\">\n<h2>Size and speed</h2>\n<table class=\"numbers\"><thead><tr><th>model</th><th>architecture</th>"
        s += "<th>parameters</th><th>training s</th><th>training examples/s</th><th>inference examples/s</th></tr></thead><tbody>"
        for c in costs {
            s += "<tr\(c.isTeacher ? " class=\"teacher\"" : "")><td>\(_escape(c.name))</td><td>\(_escape(c.architecture))</td><td>\(_escape(c.size))</td>"
            s += "<td>\(_Format.seconds(c.trainingSeconds))</td><td>\(_Format.rate(c.trainingExamplesPerSecond))</td>"
            s += "<td>\(_Format.rate(c.inferenceExamplesPerSecond))</td></tr>"
        }
        s += "</tbody></table>\n<p class=\"muted\">Training s: wall-clock training time (ensembles: summed over members). Training examples/s:"
        s += " the last epoch (ensembles: mean member). Inference examples/s: test-split predictions, one thread (ensembles: every member in turn).</p>\n"
        return s + "</section>\n"
    }

    var curvesSection: String {
        guard !curves.isEmpty else { return "" }
        var s = "<section id=\"curves\">\n<h2>Training curves</h2>\n"
        s += "<p>Train loss and validation score per epoch (score: mean over the network's tasks of accuracy or R² on the validation split;"
        s += " thin dashed lines: each task's own metric). The dashed vertical line marks the best epoch, whose weights were kept.</p>\n"
        let studentCurves = curves.filter { $0.role == "student" }, teacherCurves = curves.filter { $0.role != "student" }
        if !studentCurves.isEmpty { s += "<h3>Students</h3>\n<div class=\"grid wide\">\n" + studentCurves.map(curveFigure).joined() + "</div>\n" }
        if !teacherCurves.isEmpty { s += "<h3>Teacher members</h3>\n<div class=\"grid wide\">\n" + teacherCurves.map(curveFigure).joined() + "</div>\n" }
        return s + "</section>\n"
    }

    static let lossColor = "#d55e00", scoreColor = "#0072b2"
    static let taskPalette = ["#009e73", "#e69f00", "#cc79a7", "#56b4e9", "#8c6d31", "#7b3294", "#f0e442", "#999999"]

    func curveFigure(_ c: TrainingCurve) -> String {
        var validation = [_Charts.Series(key: "validation-score", title: "validation score", color: Self.scoreColor, values: c.validationScore, width: 2.5)]
        if c.tasks.count > 1 {
            for (t, task) in c.tasks.enumerated() {
                validation.append(.init(key: "validation-\(task)", title: "validation \(task)", color: Self.taskPalette[t % Self.taskPalette.count],
                                        values: c.validationMetrics[t], width: 1.2, dashed: true))
            }
        }
        var s = "<figure class=\"curves\" data-network=\"\(_escape(c.network))\"><figcaption><b>\(_escape(c.network))</b> · \(_escape(c.architecture))"
        s += " · \(c.epochs.count) \(c.unit)s · best \(c.unit) \(c.bestEpoch)" + (c.bestScore.map { " (score \(_Format.fixed($0)))" } ?? "") + "</figcaption>"
        s += "<div class=\"panels\">"
        s += _Charts.lines(network: c.network, panel: "loss", title: "train loss", epochs: c.epochs,
                           series: [.init(key: "train-loss", title: "train loss", color: Self.lossColor, values: c.trainLoss)], bestEpoch: c.bestEpoch,
                           unit: c.unit)
        s += _Charts.lines(network: c.network, panel: "validation", title: "validation", epochs: c.epochs, series: validation, bestEpoch: c.bestEpoch,
                           unit: c.unit)
        s += "</div>"
        if validation.count > 1 {
            s += "<p class=\"legend small\">" + validation.map { "<span><i style=\"background:\($0.color)\"></i>\(_escape($0.title))</span>" }.joined() + "</p>"
        }
        return s + "</figure>\n"
    }

    var stitchSection: String {
        guard !stitches.isEmpty else { return "" }
        var s = "<section id=\"stitch\">\n<h2>Cross-stitch matrices</h2>\n"
        s += "<p>A per hidden layer: row i is how much task i's column takes from each column j (x̃<sub>i</sub> = Σ<sub>j</sub> A<sub>ij</sub> x<sub>j</sub>). Colour: white at 0, blue for positive and red for negative entries, darkest at ±1 (or at the largest |A<sub>ij</sub>| when that is more).</p>\n<div class=\"grid\">\n"
        for m in stitches {
            s += "<figure class=\"matrix\" data-student=\"\(_escape(m.student))\" data-parameter=\"\(_escape(m.parameter))\">"
            s += "<figcaption><b>\(_escape(m.student))</b> · \(_escape(m.parameter)) (after hidden layer \(m.layer)"
            s += m.units > 1 ? "; mean over \(m.units) units)" : ")"
            s += "</figcaption>" + _Charts.heatmap(student: m.student, parameter: m.parameter, tasks: m.tasks, values: m.values) + "</figure>\n"
        }
        return s + "</div>\n</section>\n"
    }

    var notesSection: String {
        guard !notes.isEmpty else { return "" }
        return "<section id=\"notes\">\n<h2>Notes</h2>\n<ul>" + notes.map { "<li>\(_escape($0))</li>" }.joined() + "</ul>\n</section>\n"
    }

    static let css = """
    :root { color-scheme: light; --ink: #1a1a1a; --muted: #6b6b6b; --rule: #dddddd; --gain: #11702f; --loss: #b3261e; }
    * { box-sizing: border-box; }
    body { margin: 0 auto; max-width: 1180px; padding: 24px 28px 48px; color: var(--ink); background: #fff;
           font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
    h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 19px; margin: 34px 0 10px; border-bottom: 1px solid var(--rule); padding-bottom: 4px; }
    h3 { font-size: 15px; margin: 20px 0 8px; }
    .sub, .muted { color: var(--muted); }
    nav a { margin-right: 14px; color: #0062a3; text-decoration: none; } nav a:hover { text-decoration: underline; }
    ul.summary { margin: 12px 0 0; padding-left: 20px; }
    .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(490px, 1fr)); gap: 14px 20px; }
    .grid.wide { grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); }
    figure { margin: 0; padding: 10px 12px; border: 1px solid var(--rule); border-radius: 6px; background: #fcfcfc; }
    figcaption { margin-bottom: 6px; }
    .panels { display: flex; gap: 8px; }
    .panels svg { flex: 1 1 0; min-width: 0; width: 100%; height: auto; }
    svg { display: block; max-width: 100%; height: auto; font-family: inherit; }
    svg text { font-size: 10.5px; fill: #333; }
    svg .panel-title { font-size: 12px; font-weight: 600; }
    svg .grid { stroke: #e6e6e6; stroke-width: 1; }
    svg .axis { stroke: #777; stroke-width: 1; }
    svg .value { font-size: 9.5px; } svg .value.inside { fill: #fff; }
    svg .label { font-size: 11.5px; }
    svg .best-epoch { stroke: #555; stroke-width: 1; stroke-dasharray: 3 3; }
    svg .best-label { font-size: 10px; fill: #555; }
    svg .cell-value { font-size: 11.5px; } svg .cell-value.light { fill: #fff; }
    svg .row-label, svg .col-label { font-size: 12px; }
    .legend span { display: inline-flex; align-items: center; margin: 0 14px 4px 0; }
    .legend i { display: inline-block; width: 12px; height: 12px; border-radius: 2px; margin-right: 5px; }
    .legend.small { font-size: 12px; margin: 4px 0 0; }
    table { border-collapse: collapse; margin: 8px 0; font-variant-numeric: tabular-nums; }
    th, td { padding: 4px 10px; border-bottom: 1px solid var(--rule); text-align: left; }
    th { background: #f4f4f4; font-weight: 600; }
    .scroll { overflow-x: auto; }
    table.numbers td:not(:first-child):not(:nth-child(2)), table.numbers th:not(:first-child):not(:nth-child(2)) { text-align: right; }
    #gains-table td:nth-child(3), #gains-table th:nth-child(3) { text-align: left; }
    tr.total td { border-top: 2px solid #bbb; }
    tr.teacher td { color: #444; background: #fafafa; }
    .gain { color: var(--gain); font-weight: 600; } .loss { color: var(--loss); font-weight: 600; }
    footer { margin-top: 40px; color: var(--muted); font-size: 12px; }

    """
}
