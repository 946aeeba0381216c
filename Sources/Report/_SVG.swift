import Foundation

/// Text escaped for HTML/SVG content and attribute values.
func _escape(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.count)
    for c in s {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.append(c)
        }
    }
    return out
}

/// Coordinates in SVG attributes: two decimals, no locale.
func _px(_ v: Double) -> String { String(format: "%.2f", v) }

/// A linear map from data values to pixels.
struct _Scale {
    var lo: Double, hi: Double, from: Double, to: Double
    func callAsFunction(_ v: Double) -> Double { from + (v - lo) / (hi - lo) * (to - from) }
}

/// Round tick values covering [lo, hi], about `count` of them (1, 2, 5 × 10^k steps).
func _ticks(_ lo: Double, _ hi: Double, count: Int = 5) -> [Double] {
    guard hi > lo, lo.isFinite, hi.isFinite else { return [lo] }
    let raw = (hi - lo) / Double(max(count, 1))
    let power = pow(10, floor(log10(raw)))
    let step = [1.0, 2, 2.5, 5, 10].map { $0 * power }.first { $0 >= raw } ?? 10 * power
    var v = ceil(lo / step - 1e-9) * step
    var ticks: [Double] = []
    while v <= hi + step * 1e-9 { ticks.append(abs(v) < step * 1e-9 ? 0 : v); v += step }
    return ticks
}

/// A tick label with as many decimals as the step between ticks needs (at most 4).
func _tickLabel(_ v: Double, step: Double) -> String {
    let decimals = (0...4).first { d in
        let scaled = step * pow(10, Double(d))
        return abs(scaled - scaled.rounded()) < 1e-6
    } ?? 4
    return String(format: "%.\(decimals)f", v)
}

/// The inline SVG charts of the HTML page. Each element carries `data-` attributes with the
/// exact values it draws, so tests and the browser check read the numbers back.
enum _Charts {
    struct Bar {
        var model: String
        var title: String
        var color: String
        var value: Double
        /// The 95% interval drawn as an error bar (nil: none).
        var low: Double? = nil
        var high: Double? = nil
    }
    struct Group { var metric: String; var bars: [Bar] }

    /// The value range of a zoomed axis: min to max of `values` padded by 12% of their span
    /// below and 22% above (room for labels); when they are all equal, 5% of the value's size
    /// below and 2% above.
    static func zoom(_ values: [Double]) -> (lo: Double, hi: Double) {
        let finite = values.filter(\.isFinite)
        guard let lo = finite.min(), let hi = finite.max() else { return (0, 1) }
        let span = hi - lo
        guard span > 1e-12 else { let size = max(abs(hi), 1); return (lo - 0.05 * size, hi + 0.02 * size) }
        return (lo - 0.12 * span, hi + 0.22 * span)
    }

    /// An error bar from `low` to `high` at x, with caps, carrying its bounds.
    static func errorBar(x: Double, low: Double, high: Double, y: _Scale, model: String, metric: String) -> String {
        let y1 = y(low), y2 = y(high)
        var svg = "<g class=\"err\" data-model=\"\(_escape(model))\" data-metric=\"\(_escape(metric))\" data-low=\"\(_Format.exact(low))\" data-high=\"\(_Format.exact(high))\">"
        svg += "<line class=\"err\" x1=\"\(_px(x))\" x2=\"\(_px(x))\" y1=\"\(_px(y1))\" y2=\"\(_px(y2))\"/>"
        for yy in [y1, y2] { svg += "<line class=\"err\" x1=\"\(_px(x - 3.5))\" x2=\"\(_px(x + 3.5))\" y1=\"\(_px(yy))\" y2=\"\(_px(yy))\"/>" }
        return svg + "</g>"
    }

    /// Grouped vertical bars: one group per metric, one bar per model, with error bars where a
    /// model has an interval. The y axis is zoomed to the bars and their intervals (not from 0):
    /// bars rise from the bottom of the plot; value labels on the bars.
    static func bars(task: String, groups: [Group], width: Double = 480, height: Double = 270) -> String {
        let left = 50.0, right = 10.0, top = 12.0, bottom = 30.0
        let all = groups.flatMap { $0.bars.flatMap { [$0.value, $0.low, $0.high].compactMap { $0 } } }
        let (lo, hi) = zoom(all)
        let y = _Scale(lo: lo, hi: hi, from: height - bottom, to: top)
        var svg = "<svg class=\"bars\" data-task=\"\(_escape(task))\" data-axis-low=\"\(_Format.exact(lo))\" data-axis-high=\"\(_Format.exact(hi))\""
        svg += " width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(_escape(task)) test metrics by model\">"
        let ticks = _ticks(lo, hi, count: 5)
        let step = ticks.count > 1 ? ticks[1] - ticks[0] : 1
        for t in ticks {
            svg += "<line class=\"grid\" x1=\"\(_px(left))\" x2=\"\(_px(width - right))\" y1=\"\(_px(y(t)))\" y2=\"\(_px(y(t)))\"/>"
            svg += "<text class=\"tick\" x=\"\(_px(left - 6))\" y=\"\(_px(y(t) + 3.5))\" text-anchor=\"end\">\(_tickLabel(t, step: step))</text>"
        }
        svg += "<line class=\"axis\" x1=\"\(_px(left))\" x2=\"\(_px(left))\" y1=\"\(_px(top))\" y2=\"\(_px(height - bottom))\"/>"
        svg += "<line class=\"axis\" x1=\"\(_px(left))\" x2=\"\(_px(width - right))\" y1=\"\(_px(height - bottom))\" y2=\"\(_px(height - bottom))\"/>"
        let plot = width - left - right
        let groupWidth = plot / Double(max(groups.count, 1))
        for (g, group) in groups.enumerated() {
            let x0 = left + Double(g) * groupWidth
            let n = Double(max(group.bars.count, 1))
            let barWidth = min(30, (groupWidth - 18) / n)
            let start = x0 + (groupWidth - barWidth * n) / 2
            svg += "<g class=\"group\" data-metric=\"\(_escape(group.metric))\">"
            for (b, bar) in group.bars.enumerated() {
                let x = start + Double(b) * barWidth
                let y0 = height - bottom, y1 = y(min(max(bar.value, lo), hi))
                let h = abs(y0 - y1)
                svg += "<rect class=\"bar\" data-model=\"\(_escape(bar.model))\" data-metric=\"\(_escape(group.metric))\" data-value=\"\(_Format.exact(bar.value))\""
                svg += " x=\"\(_px(x + 1))\" y=\"\(_px(min(y0, y1)))\" width=\"\(_px(max(barWidth - 2, 1)))\" height=\"\(_px(max(h, 0.5)))\" fill=\"\(bar.color)\">"
                var title = "\(bar.title) · \(group.metric) \(_Format.fixed(bar.value))"
                if let low = bar.low, let high = bar.high { title += " (95% interval \(_Format.fixed(low)) to \(_Format.fixed(high)))" }
                svg += "<title>\(_escape(title))</title></rect>"
                var top = y1
                if let low = bar.low, let high = bar.high, low.isFinite, high.isFinite {
                    svg += errorBar(x: x + barWidth / 2, low: low, high: high, y: y, model: bar.model, metric: group.metric)
                    top = min(top, y(high))
                }
                // The value, written along the bar: inside when it fits (below the error bar), else above it.
                let label = _Format.fixed(bar.value, 3)
                let cx = x + barWidth / 2 + 3.5
                if h > 40 && y(bar.low ?? bar.value) + 34 < y0 {
                    svg += "<text class=\"value inside\" transform=\"translate(\(_px(cx)),\(_px(max(y1, y(bar.low ?? bar.value)) + 5))) rotate(90)\">\(label)</text>"
                } else {
                    svg += "<text class=\"value\" text-anchor=\"start\" transform=\"translate(\(_px(cx - 7)),\(_px(top - 4))) rotate(-90)\">\(label)</text>"
                }
            }
            svg += "<text class=\"label\" x=\"\(_px(x0 + groupWidth / 2))\" y=\"\(_px(height - bottom + 18))\" text-anchor=\"middle\">\(_escape(group.metric))</text>"
            svg += "</g>"
        }
        return svg + "</svg>"
    }

    struct Point {
        var model: String
        var title: String
        /// "teacher-member", "teacher-ensemble" or "student".
        var role: String
        var color: String
        var parameters: Int
        var value: Double
        var low: Double? = nil
        var high: Double? = nil
    }

    /// A metric against parameters: x on a log scale (1-2-5 ticks), y zoomed to the points and
    /// their intervals. Teacher members as small circles, ensembles as diamonds, students as
    /// circles with error bars; points at the same size are spread a few pixels apart.
    static func scatter(task: String, metric: String, points: [Point], width: Double = 480, height: Double = 270) -> String {
        let left = 50.0, right = 16.0, top = 12.0, bottom = 34.0
        let counts = points.map { log10(Double(max($0.parameters, 1))) }
        var xlo = (counts.min() ?? 0) - 0.15, xhi = (counts.max() ?? 1) + 0.15
        if xhi - xlo < 0.6 { let mid = (xlo + xhi) / 2; xlo = mid - 0.3; xhi = mid + 0.3 }
        let x = _Scale(lo: xlo, hi: xhi, from: left, to: width - right)
        let (lo, hi) = zoom(points.flatMap { [$0.value, $0.low, $0.high].compactMap { $0 } })
        let y = _Scale(lo: lo, hi: hi, from: height - bottom, to: top)
        var svg = "<svg class=\"scatter\" data-task=\"\(_escape(task))\" data-axis-low=\"\(_Format.exact(lo))\" data-axis-high=\"\(_Format.exact(hi))\""
        svg += " width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(_escape(task)) \(_escape(metric)) against parameters\">"
        let ticks = _ticks(lo, hi, count: 5)
        let step = ticks.count > 1 ? ticks[1] - ticks[0] : 1
        for t in ticks {
            svg += "<line class=\"grid\" x1=\"\(_px(left))\" x2=\"\(_px(width - right))\" y1=\"\(_px(y(t)))\" y2=\"\(_px(y(t)))\"/>"
            svg += "<text class=\"tick\" x=\"\(_px(left - 6))\" y=\"\(_px(y(t) + 3.5))\" text-anchor=\"end\">\(_tickLabel(t, step: step))</text>"
        }
        for t in logTicks(xlo, xhi) {
            let px = x(log10(t))
            svg += "<line class=\"grid\" x1=\"\(_px(px))\" x2=\"\(_px(px))\" y1=\"\(_px(top))\" y2=\"\(_px(height - bottom))\"/>"
            svg += "<text class=\"tick\" x=\"\(_px(px))\" y=\"\(_px(height - bottom + 14))\" text-anchor=\"middle\">\(_Format.count(Int(t)))</text>"
        }
        svg += "<text class=\"axis-title\" x=\"\(_px(width - right))\" y=\"\(_px(height - 3))\" text-anchor=\"end\">parameters (log scale)</text>"
        svg += "<line class=\"axis\" x1=\"\(_px(left))\" x2=\"\(_px(left))\" y1=\"\(_px(top))\" y2=\"\(_px(height - bottom))\"/>"
        svg += "<line class=\"axis\" x1=\"\(_px(left))\" x2=\"\(_px(width - right))\" y1=\"\(_px(height - bottom))\" y2=\"\(_px(height - bottom))\"/>"
        // Points at the same size sit side by side, 7 px apart, in order.
        var atSize: [Int: Int] = [:]
        for p in points { atSize[p.parameters, default: 0] += 1 }
        var seen: [Int: Int] = [:]
        for p in points {
            let k = seen[p.parameters, default: 0], n = atSize[p.parameters]!
            seen[p.parameters] = k + 1
            let px = x(log10(Double(max(p.parameters, 1)))) + (Double(k) - Double(n - 1) / 2) * 7
            let py = y(p.value)
            if let low = p.low, let high = p.high, low.isFinite, high.isFinite {
                svg += errorBar(x: px, low: low, high: high, y: y, model: p.model, metric: metric)
            }
            var title = "\(p.title) · \(_Format.count(p.parameters)) parameters · \(metric) \(_Format.fixed(p.value))"
            if let low = p.low, let high = p.high { title += " (95% interval \(_Format.fixed(low)) to \(_Format.fixed(high)))" }
            var data = "data-model=\"\(_escape(p.model))\" data-role=\"\(p.role)\" data-parameters=\"\(p.parameters)\" data-value=\"\(_Format.exact(p.value))\""
            if let low = p.low, let high = p.high { data += " data-low=\"\(_Format.exact(low))\" data-high=\"\(_Format.exact(high))\"" }
            switch p.role {
            case "teacher-ensemble":
                let r = 6.0
                svg += "<path class=\"point\" \(data) d=\"M\(_px(px)),\(_px(py - r))L\(_px(px + r)),\(_px(py))L\(_px(px)),\(_px(py + r))L\(_px(px - r)),\(_px(py))Z\" fill=\"\(p.color)\">"
                svg += "<title>\(_escape(title))</title></path>"
            default:
                let r = p.role == "student" ? 5.0 : 3.5
                svg += "<circle class=\"point\" \(data) cx=\"\(_px(px))\" cy=\"\(_px(py))\" r=\"\(r)\" fill=\"\(p.color)\"><title>\(_escape(title))</title></circle>"
            }
        }
        return svg + "</svg>"
    }

    /// Ticks of a log10 axis from 10^lo to 10^hi: 1-2-5 × 10^k, thinned to 1 × 10^k over wide ranges.
    static func logTicks(_ lo: Double, _ hi: Double) -> [Double] {
        var ticks: [Double] = []
        let steps: [Double] = hi - lo > 3 ? [1] : [1, 2, 5]
        for k in Int(floor(lo))...Int(ceil(hi)) {
            for m in steps {
                let v = m * pow(10, Double(k))
                if log10(v) >= lo - 1e-9 && log10(v) <= hi + 1e-9 && v >= 1 { ticks.append(v) }
            }
        }
        return ticks
    }

    struct Series {
        var key: String
        var title: String
        var color: String
        var values: [Double]
        var width: Double = 2
        var dashed = false
    }

    /// Lines over epochs (or boosting rounds: `unit`), broken where a value is NaN; the best
    /// epoch as a dashed vertical line (and a dot on the first series).
    static func lines(network: String, panel: String, title: String, epochs: [Int], series: [Series], bestEpoch: Int,
                      unit: String = "epoch", width: Double = 290, height: Double = 190) -> String {
        let left = 44.0, right = 12.0, top = 24.0, bottom = 30.0
        let finite = series.flatMap(\.values).filter(\.isFinite)
        var lo = finite.min() ?? 0, hi = finite.max() ?? 1
        if hi - lo < 1e-9 { lo -= 0.5; hi += 0.5 }
        let pad = (hi - lo) * 0.06
        lo -= pad; hi += pad
        let firstEpoch = Double(epochs.first ?? 1), lastEpoch = Double(epochs.last ?? 1)
        let x = _Scale(lo: firstEpoch - (lastEpoch == firstEpoch ? 0.5 : 0), hi: lastEpoch + (lastEpoch == firstEpoch ? 0.5 : 0),
                       from: left, to: width - right)
        let y = _Scale(lo: lo, hi: hi, from: height - bottom, to: top)
        var svg = "<svg class=\"curve\" data-network=\"\(_escape(network))\" data-panel=\"\(panel)\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(_escape(network)) \(_escape(title))\">"
        svg += "<text class=\"panel-title\" x=\"\(_px(left))\" y=\"14\">\(_escape(title))</text>"
        let yTicks = _ticks(lo, hi, count: 4)
        let yStep = yTicks.count > 1 ? yTicks[1] - yTicks[0] : 1
        for t in yTicks {
            svg += "<line class=\"grid\" x1=\"\(_px(left))\" x2=\"\(_px(width - right))\" y1=\"\(_px(y(t)))\" y2=\"\(_px(y(t)))\"/>"
            svg += "<text class=\"tick\" x=\"\(_px(left - 5))\" y=\"\(_px(y(t) + 3.5))\" text-anchor=\"end\">\(_tickLabel(t, step: yStep))</text>"
        }
        let xTicks = _ticks(x.lo, x.hi, count: 5).filter { $0 == $0.rounded() && $0 >= x.lo && $0 <= x.hi }
        for t in xTicks {
            svg += "<text class=\"tick\" x=\"\(_px(x(t)))\" y=\"\(_px(height - bottom + 14))\" text-anchor=\"middle\">\(Int(t))</text>"
        }
        svg += "<text class=\"axis-title\" x=\"\(_px(width - right))\" y=\"\(_px(height - 3))\" text-anchor=\"end\">\(unit)</text>"
        svg += "<line class=\"axis\" x1=\"\(_px(left))\" x2=\"\(_px(left))\" y1=\"\(_px(top))\" y2=\"\(_px(height - bottom))\"/>"
        svg += "<line class=\"axis\" x1=\"\(_px(left))\" x2=\"\(_px(width - right))\" y1=\"\(_px(height - bottom))\" y2=\"\(_px(height - bottom))\"/>"
        if let best = epochs.firstIndex(of: bestEpoch) {
            let bx = x(Double(bestEpoch))
            svg += "<line class=\"best-epoch\" data-epoch=\"\(bestEpoch)\" x1=\"\(_px(bx))\" x2=\"\(_px(bx))\" y1=\"\(_px(top))\" y2=\"\(_px(height - bottom))\"/>"
            svg += "<text class=\"best-label\" x=\"\(_px(width - right))\" y=\"14\" text-anchor=\"end\">best \(unit) \(bestEpoch)</text>"
            if let first = series.first, best < first.values.count, first.values[best].isFinite {
                svg += "<circle class=\"best-point\" cx=\"\(_px(bx))\" cy=\"\(_px(y(first.values[best])))\" r=\"3.5\" fill=\"\(first.color)\"/>"
            }
        }
        for s in series {
            var d = ""
            var pen = false
            for (i, v) in s.values.enumerated() where i < epochs.count {
                guard v.isFinite else { pen = false; continue }
                d += (pen ? "L" : "M") + _px(x(Double(epochs[i]))) + "," + _px(y(v))
                pen = true
            }
            svg += "<path class=\"series\" data-series=\"\(_escape(s.key))\" data-epochs=\"\(epochs.map(String.init).joined(separator: ","))\""
            svg += " data-values=\"\(s.values.map(_Format.exact).joined(separator: ","))\" d=\"\(d)\" fill=\"none\" stroke=\"\(s.color)\""
            svg += " stroke-width=\"\(s.width)\"\(s.dashed ? " stroke-dasharray=\"4 3\"" : "")><title>\(_escape(s.title))</title></path>"
        }
        return svg + "</svg>"
    }

    /// A T×T matrix as coloured cells with its values written in: a diverging scale, white at
    /// 0, blue for positive and red for negative entries, full at ±max(1, max |A_ij|).
    static func heatmap(student: String, parameter: String, tasks: [String], values: [[Double]]) -> String {
        let longest = Double(tasks.map(\.count).max() ?? 1)
        let left = 14 + 7.2 * longest, top = 26.0
        let cell = max(64, 7.2 * longest + 12), rowHeight = 36.0
        let width = left + cell * Double(tasks.count) + 4, height = top + rowHeight * Double(tasks.count) + 4
        let scale = max(1, values.joined().filter(\.isFinite).map(abs).max() ?? 1)
        var svg = "<svg class=\"heatmap\" data-student=\"\(_escape(student))\" data-parameter=\"\(_escape(parameter))\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(_escape(student)) \(_escape(parameter))\">"
        for (j, task) in tasks.enumerated() {
            svg += "<text class=\"col-label\" x=\"\(_px(left + cell * (Double(j) + 0.5)))\" y=\"\(_px(top - 8))\" text-anchor=\"middle\">\(_escape(task))</text>"
        }
        for (i, row) in tasks.enumerated() {
            let y = top + rowHeight * Double(i)
            svg += "<text class=\"row-label\" x=\"\(_px(left - 8))\" y=\"\(_px(y + rowHeight / 2 + 4))\" text-anchor=\"end\">\(_escape(row))</text>"
            for (j, col) in tasks.enumerated() {
                let v = values[i][j]
                let x = left + cell * Double(j)
                svg += "<rect class=\"cell\" data-row=\"\(_escape(row))\" data-col=\"\(_escape(col))\" data-value=\"\(_Format.exact(v))\""
                svg += " x=\"\(_px(x))\" y=\"\(_px(y))\" width=\"\(_px(cell - 2))\" height=\"\(_px(rowHeight - 2))\" fill=\"\(color(v / scale))\">"
                svg += "<title>\(_escape(row)) takes \(_Format.fixed(v)) of \(_escape(col))</title></rect>"
                let light = v.isFinite && abs(v) / scale > 0.55  // white ink on dark cells
                svg += "<text class=\"cell-value\(light ? " light" : "")\" x=\"\(_px(x + (cell - 2) / 2))\" y=\"\(_px(y + rowHeight / 2 + 4))\" text-anchor=\"middle\">\(_Format.fixed(v, 3))</text>"
            }
        }
        return svg + "</svg>"
    }

    /// White at 0 to dark blue at 1 and dark red at −1 (clamped); grey for NaN.
    static func color(_ v: Double) -> String {
        guard v.isFinite else { return "#cccccc" }
        let t = min(abs(v), 1)
        let from = (247.0, 251.0, 255.0), to = v >= 0 ? (8.0, 69.0, 148.0) : (165.0, 15.0, 21.0)
        let r = from.0 + (to.0 - from.0) * t, g = from.1 + (to.1 - from.1) * t, b = from.2 + (to.2 - from.2) * t
        return String(format: "#%02x%02x%02x", Int(r.rounded()), Int(g.rounded()), Int(b.rounded()))
    }
}
