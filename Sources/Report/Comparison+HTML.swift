import Artifacts
import Metrics

extension Comparison {
    /// Colours of the models across every chart: teachers in greys, students from a
    /// colour-blind-friendly palette, in `metrics.json` order.
    static let teacherColors = ["teachers-ensemble": "#3b3b3b", "teachers-mean-member": "#a3a3a3", "teacher-member": "#c4c4c4"]
    static let studentPalette = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#d55e00", "#56b4e9", "#8c6d31", "#7b3294"]

    /// A model as the charts draw it: teacher ensemble, mean teacher member, or a student.
    struct ChartModel {
        /// "teachers-ensemble", "teachers-mean-member", or the student's name.
        var key: String
        var title: String
        var color: String
        /// A metric (`metrics.json` key) of a task, nil when the model has none.
        var value: (_ task: String, _ key: String) -> Double?
        /// Its 95% interval over replicates, nil for teachers and single replicates.
        var interval: (_ task: String, _ key: String) -> Statistics.Interval?
    }

    var chartModels: [ChartModel] {
        let path = { (key: String) in PrimaryMetric.allKeys.first { $0.key == key }!.path }
        let ensembles = evaluation.models.filter { $0.role == .teacherEnsemble }
        let members = evaluation.models.filter { $0.role == .teacherMember }
        var models: [ChartModel] = []
        if !ensembles.isEmpty {
            models.append(ChartModel(key: "teachers-ensemble", title: "teachers (ensemble)", color: Self.teacherColors["teachers-ensemble"]!,
                                     value: { task, key in ensembles.first { $0.tasks[task] != nil }?.tasks[task]?[keyPath: path(key)] },
                                     interval: { _, _ in nil }))
            models.append(ChartModel(key: "teachers-mean-member", title: "teacher (mean member)", color: Self.teacherColors["teachers-mean-member"]!,
                                     value: { task, key in
                                         let values = members.compactMap { $0.tasks[task]?[keyPath: path(key)] }
                                         return values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
                                     }, interval: { _, _ in nil }))
        }
        for (i, s) in students.enumerated() {
            models.append(ChartModel(key: s.name, title: ComparisonTable.label(s.evaluation, s.comparison),
                                     color: Self.studentPalette[i % Self.studentPalette.count],
                                     value: { task, key in s.evaluation.tasks[task]?[keyPath: path(key)] },
                                     interval: { task, key in s.comparison?.tasks[task]?.metrics[key].flatMap { _Format.halfWidth($0) == nil ? nil : $0 } }))
        }
        return models
    }

    /// The report as one self-contained HTML page: inline CSS and inline SVG, no scripts,
    /// no external resources. The ship line, bar charts per task with error bars, each task's
    /// metric against parameters, the comparisons, the tables, training curves, cross-stitch heatmaps.
    public var html: String {
        var page = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        page += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        page += "<title>mtkd report: \(_escape(evaluation.pipeline))</title>\n<style>\n\(Self.css)</style>\n</head>\n<body>\n"
        page += "<header><h1>\(_escape(evaluation.pipeline)): teachers and students compared</h1>\n"
        let ensembles = evaluation.models.filter { $0.role == .teacherEnsemble }.count
        page += "<p class=\"sub\">\(_escape(evaluation.split)) split · \(evaluation.tasks.count) tasks · \(ensembles) teacher ensembles · \(students.count) students"
        let counts = Set(students.map(\.replicates))
        if counts.count == 1, let n = counts.first { page += " · \(_Format.replicates(n)) each" }
        page += "</p>\n"
        page += "<nav><a href=\"#metrics\">metrics</a><a href=\"#size\">metric against size</a>"
        page += students.contains { $0.comparison != nil } ? "<a href=\"#comparisons\">comparisons</a>" : ""
        page += "<a href=\"#tables\">all metrics</a>" + (costs.isEmpty ? "" : "<a href=\"#cost\">size and speed</a>")
        page += (curves.isEmpty ? "" : "<a href=\"#curves\">training curves</a>") + (stitches.isEmpty ? "" : "<a href=\"#stitch\">cross-stitch</a>")
        page += (notes.isEmpty ? "" : "<a href=\"#notes\">notes</a>") + "</nav>\n"
        if let ship = ShipLine.text(evaluation) { page += "<p class=\"ship\" id=\"ship\">\(_escape(ship))</p>\n" }
        if !students.isEmpty && evaluation.comparisons != nil {
            page += "<ul class=\"summary\">" + students.map { "<li><b>\(_escape($0.name))</b> \(_escape(summary($0)))</li>" }.joined() + "</ul>\n"
        }
        page += "</header>\n<main>\n"
        page += metricsSection + sizeSection + comparisonsSection + tablesSection + costSection + curvesSection + stitchSection + notesSection
        page += "</main>\n<footer>Made by <code>mtkd report</code> from report/metrics.json, timings.json and the model files.</footer>\n"
        return page + "</body>\n</html>\n"
    }

    // MARK: sections

    var metricsSection: String {
        let models = chartModels
        var s = "<section id=\"metrics\">\n<h2>Test metrics per task</h2>\n<p class=\"legend\">"
        s += models.map { "<span><i style=\"background:\($0.color)\"></i>\(_escape($0.title))</span>" }.joined()
        s += "</p>\n<p class=\"muted\">Each chart's axis is zoomed to its bars and error bars (it does not start at 0)."
        s += " Error bars: the 95% t-interval of a student's mean over its replicates (none for one replicate or for teachers).</p>\n<div class=\"grid\">\n"
        for task in evaluation.tasks {
            let groups = Self.metricRows(task).filter { $0.key != "rmse" }.map { row in
                _Charts.Group(metric: row.label, bars: models.compactMap { m in
                    m.value(task.name, row.key).map { v in
                        let i = m.interval(task.name, row.key)
                        return _Charts.Bar(model: m.key, title: m.title, color: m.color, value: v, low: i?.low, high: i?.high)
                    }
                })
            }
            let kind = task.kind == "regression" ? "regression" : "\(task.classes.count) classes"
            s += "<figure class=\"chart\" data-task=\"\(_escape(task.name))\">"
            s += "<figcaption><b>\(_escape(task.name))</b> · \(kind) · primary metric \(PrimaryMetric.of(task).label)"
            s += task.hasTeacher ? "" : " · <span class=\"muted\">no teacher</span>"
            s += "</figcaption>" + _Charts.bars(task: task.name, groups: groups) + "</figure>\n"
        }
        s += "</div>\n<h3>Primary metric per task</h3>\n" + primaryTableHTML
        return s + "</section>\n"
    }

    /// The comparison table of `mtkd run` as HTML: one row per model, one column per task.
    var primaryTableHTML: String {
        let rows = ComparisonTable.rows(evaluation)
        var s = "<div class=\"scroll\"><table class=\"numbers\" id=\"comparison\"><thead><tr><th>model</th><th>parameters</th>"
        s += evaluation.tasks.map { "<th>\(_escape($0.name)) \(PrimaryMetric.of($0).label)</th>" }.joined() + "</tr></thead><tbody>"
        for row in rows {
            s += "<tr data-model=\"\(_escape(row.key))\"><td>\(_escape(row.label))</td><td>\(row.parameters)</td>"
            s += evaluation.tasks.map { t in
                let cell = row.cells[t.name] ?? _Format.missing
                let cls = cell.hasSuffix("▲") ? " class=\"gain\"" : cell.hasSuffix("▼") ? " class=\"loss\"" : ""
                return "<td\(cls)>\(_escape(cell))</td>"
            }.joined() + "</tr>"
        }
        s += "</tbody></table></div>\n"
        return s + "<p class=\"muted\">\(_escape(ComparisonTable.legend(evaluation)))</p>\n"
    }

    /// Each task's primary metric against parameters (log scale): teacher members, the ensemble, every student.
    var sizeSection: String {
        let models = chartModels
        var s = "<section id=\"size\">\n<h2>Metric against parameters</h2>\n<p class=\"legend\">"
        if !evaluation.models.filter({ $0.role == .teacherMember }).isEmpty {
            s += "<span><i style=\"background:\(Self.teacherColors["teacher-member"]!)\"></i>teacher member</span>"
        }
        s += models.filter { $0.key != "teachers-mean-member" }.map { "<span><i style=\"background:\($0.color)\"></i>\(_escape($0.title))</span>" }.joined()
        s += "</p>\n<p class=\"muted\">x: trainable parameters (log scale; a task's ensemble counts its own members"
        s += evaluation.models.contains { $0.trees != nil } ? "; gradient-boosted members count their tree nodes" : ""
        s += "). y: the task's primary metric on the"
        s += " \(_escape(evaluation.split)) split, zoomed to the data; error bars: a student's 95% t-interval over its replicates."
        s += " Up and to the left is better.</p>\n<div class=\"grid\">\n"
        for task in evaluation.tasks {
            let metric = PrimaryMetric.of(task)
            var points: [_Charts.Point] = []
            for m in evaluation.models where m.role == .teacherMember {
                guard let v = metric.value(m.tasks[task.name]) else { continue }
                points.append(.init(model: m.name, title: m.name, role: "teacher-member", color: Self.teacherColors["teacher-member"]!,
                                    parameters: m.parameters, value: v))
            }
            for m in evaluation.models where m.role == .teacherEnsemble {
                guard let v = metric.value(m.tasks[task.name]) else { continue }
                points.append(.init(model: "teachers-ensemble", title: m.name, role: "teacher-ensemble", color: Self.teacherColors["teachers-ensemble"]!,
                                    parameters: m.parameters, value: v))
            }
            for (model, student) in zip(models.filter { m in students.contains { $0.name == m.key } }, students) {
                guard let v = metric.value(student.evaluation.tasks[task.name]) else { continue }
                let i = model.interval(task.name, metric.key)
                points.append(.init(model: student.name, title: model.title, role: "student", color: model.color,
                                    parameters: student.evaluation.parameters, value: v, low: i?.low, high: i?.high))
            }
            s += "<figure class=\"chart\" data-task=\"\(_escape(task.name))\"><figcaption><b>\(_escape(task.name))</b> · \(metric.label) against parameters"
            s += task.hasTeacher ? "" : " · <span class=\"muted\">no teacher</span>"
            s += "</figcaption>" + _Charts.scatter(task: task.name, metric: metric.label, points: points) + "</figure>\n"
        }
        return s + "</div>\n</section>\n"
    }

    /// Each student against its no-KD baseline (Δ, p, gap recovered) and against the teacher ensembles.
    var comparisonsSection: String {
        guard students.contains(where: { $0.comparison != nil }) else { return "" }
        var s = "<section id=\"comparisons\">\n<h2>Against the no-KD baseline and the teachers</h2>\n"
        s += "<p>Primary metric per task: ROC AUC (binary), accuracy (multi-class), R² (regression). Δ = student − reference with its 95% interval"
        s += " (paired t over replicates, replicate k of every student sharing a seed; with one replicate, the paired bootstrap over test rows); p: two-sided."
        s += " <span class=\"gain\">▲ better</span> and <span class=\"loss\">▼ worse</span> only where the interval excludes 0; ≈ no significant difference."
        s += " Gap recovered = (student − baseline) / (ensemble − baseline): 0 is no better than the baseline, 1 as good as the teachers.</p>\n"
        s += "<div class=\"scroll\"><table class=\"numbers\" id=\"comparisons-table\"><thead><tr><th>student</th><th>task</th><th>metric</th>"
        s += "<th>value</th><th>vs no-KD baseline</th><th>p</th><th>gap recovered</th><th>vs teachers</th><th>p</th></tr></thead><tbody>"
        for student in students {
            guard let c = student.comparison else { continue }
            for task in evaluation.tasks {
                guard let t = c.tasks[task.name] else { continue }
                s += "<tr data-student=\"\(_escape(student.name))\" data-task=\"\(_escape(task.name))\"><td>\(_escape(student.name))</td>"
                s += "<td>\(_escape(task.name))</td><td>\(PrimaryMetric.of(task).label)</td><td>\(_Format.mean(t.metrics[t.metric]))</td>"
                if let b = t.vsBaseline {
                    s += Self.differenceCell(b, reference: student.baseline ?? "baseline") + "<td>\(_Format.p(b.pValue))</td>"
                    s += "<td class=\"reason\">\(_escape(Self.gapText(t.gapRecovered, hasTeacher: task.hasTeacher) { "(\($0))" }))</td>"
                } else {
                    s += "<td class=\"muted\">\(student.distill == ReportInput.Distillation.none ? "a baseline" : "no baseline")</td><td>—</td><td>—</td>"
                }
                if let e = t.vsEnsemble { s += Self.differenceCell(e, reference: "teachers") + "<td>\(_Format.p(e.pValue))</td>" }
                else { s += "<td class=\"muted\">\(task.hasTeacher ? "—" : "no teacher")</td><td>—</td>" }
                s += "</tr>"
            }
        }
        return s + "</tbody></table></div>\n</section>\n"
    }

    /// A difference with its interval and mark; classes `gain` / `loss` only when significant.
    static func differenceCell(_ c: Statistics.Comparison, reference: String) -> String {
        let significance = Significance(c)
        let cls = significance == .better ? " class=\"gain\"" : significance == .worse ? " class=\"loss\"" : ""
        var s = "<td\(cls) data-reference=\"\(_escape(reference))\" data-significance=\"\(significance.rawValue)\" data-delta=\"\(_Format.exact(c.estimate))\""
        if let low = c.interval.low, let high = c.interval.high { s += " data-low=\"\(_Format.exact(low))\" data-high=\"\(_Format.exact(high))\"" }
        return s + ">\(_escape(_Format.difference(c)))</td>"
    }

    /// Every metric per task (log loss too): teachers, and each student's mean ± half-width.
    var tablesSection: String {
        var s = "<section id=\"tables\">\n<h2>All test metrics</h2>\n<div class=\"grid\">\n"
        for task in evaluation.tasks {
            var rows = Self.metricRows(task)
            if task.kind != "regression" { rows.append(("log loss", "log_loss", \.logLoss)) }
            s += "<div><h3>\(_escape(task.name))</h3><div class=\"scroll\"><table class=\"numbers metrics\" data-task=\"\(_escape(task.name))\"><thead><tr><th>model</th>"
            s += rows.map { "<th>\($0.label)</th>" }.joined() + "</tr></thead><tbody>"
            for model in allMetricModels(task) {
                s += "<tr><td>\(_escape(model.label))</td>" + rows.map { "<td>\(model.value($0.key))</td>" }.joined() + "</tr>"
            }
            s += "</tbody></table></div></div>\n"
        }
        return s + "</div>\n<p class=\"muted\">Students: mean ± half-width of the 95% t-interval over their replicates (the plain value for one).</p>\n</section>\n"
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
        s += "</tbody></table>\n<p class=\"muted\">Training s: wall-clock training time (ensembles: summed over members; students: over replicates). Training examples/s:"
        s += " the last epoch (ensembles: mean member; students: mean replicate). Inference examples/s: test-split predictions, one thread (ensembles: every member in turn).</p>\n"
        return s + "</section>\n"
    }

    var curvesSection: String {
        guard !curves.isEmpty else { return "" }
        var s = "<section id=\"curves\">\n<h2>Training curves</h2>\n"
        s += "<p>Train loss and validation score per epoch (score: mean over the network's tasks of accuracy or R² on the validation split;"
        s += " thin dashed lines: each task's own metric). The dashed vertical line marks the best epoch, whose weights were kept. Students: replicate 0.</p>\n"
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
    #comparisons-table td:nth-child(3), #comparisons-table th:nth-child(3) { text-align: left; }
    #comparisons-table td { white-space: nowrap; } #comparisons-table td.reason { white-space: normal; min-width: 14em; }
    table.metrics td:nth-child(2), table.metrics th:nth-child(2) { text-align: right; }
    #comparison td:nth-child(2), #comparison th:nth-child(2) { text-align: right; }
    p.ship { margin: 12px 0 0; padding: 8px 12px; border-left: 4px solid #0072b2; background: #f1f7fc; font-weight: 600; }
    svg .err { stroke: #1a1a1a; stroke-width: 1.2; }
    svg .point { stroke: #fff; stroke-width: 1; }
    tr.total td { border-top: 2px solid #bbb; }
    tr.teacher td { color: #444; background: #fafafa; }
    .gain { color: var(--gain); font-weight: 600; } .loss { color: var(--loss); font-weight: 600; }
    footer { margin-top: 40px; color: var(--muted); font-size: 12px; }

    """
}
