/// One measure of the benchmark: runs its mtkd side and its reference side, gives table rows.
protocol Measure {
    /// Name for `--only` and the subcommand, e.g. "training".
    static var name: String { get }
    /// One line for `--help` and the list of measures.
    static var summary: String { get }
    /// Runs the pipeline for minutes: skipped by `--quick`.
    static var isSlow: Bool { get }
    static func run(in bench: Bench) throws -> [Measurement]
}

/// What a row must reach. Ratios are oriented so that bigger is better for mtkd, except where
/// the goal bounds growth (memory).
enum Goal {
    case ratioAtLeast(Double)
    /// A ratio that is a share (e.g. of sgemm's rate), shown as a percentage.
    case shareAtLeast(Double)
    case ratioAtMost(Double)
    /// mtkd's own number (e.g. seconds) must not exceed this.
    case valueAtMost(Double)
    /// mtkd's own number (e.g. a rate) must reach this.
    case valueAtLeast(Double)

    func isMet(value: Double, ratio: Double?) -> Bool? {
        switch self {
        case .ratioAtLeast(let g), .shareAtLeast(let g): return ratio.map { $0 >= g }
        case .ratioAtMost(let g): return ratio.map { $0 <= g }
        case .valueAtMost(let g): return value <= g
        case .valueAtLeast(let g): return value >= g
        }
    }

    func text(unit: String) -> String {
        switch self {
        case .ratioAtLeast(let g): return "≥ \(Format.ratio(g))"
        case .shareAtLeast(let g): return "≥ \(Format.percent(g))"
        case .ratioAtMost(let g): return "≤ \(Format.ratio(g))"
        case .valueAtMost(let g): return "≤ \(Format.number(g)) \(unit)"
        case .valueAtLeast(let g): return "≥ \(Format.number(g)) \(unit)"
        }
    }
}

/// A row of the table: mtkd's number, the reference's, their ratio and the goal.
struct Measurement {
    /// Measure it belongs to (`Measure.name`) and a key unique within it.
    var measure: String
    var key: String
    var title: String
    var unit: String
    var mtkd: Double
    var reference: Double?
    /// What the reference is, e.g. "PyTorch 2.13.0+cpu, 1 thread".
    var referenceLabel: String
    /// How the ratio is formed, e.g. "mtkd / PyTorch".
    var ratioLabel: String
    var ratio: Double?
    var goal: Goal
    /// CPU seconds per wall second of mtkd's side (≈ 1 at one thread on a quiet machine).
    var cpuOverWall: Double?
    /// Cores mtkd's side can use (1, or 2 with --jobs 2): the CPU/wall a quiet machine gives.
    var cores = 1
    var loadBefore: LoadAverage
    var loadAfter: LoadAverage
    var details: JSONValue
    /// Lines printed under the table (e.g. where the time goes).
    var notes: [String] = []

    var met: Bool? { mtkd.isFinite ? goal.isMet(value: mtkd, ratio: ratio) : nil }

    /// Whether other work visibly shared the cores: CPU/wall well below the cores mtkd could use.
    var wasCrowded: Bool { cpuOverWall.map { $0 < 0.9 * Double(cores) } ?? false }

    /// The ratio as the table shows it.
    var ratioText: String {
        guard let ratio else { return "—" }
        if case .shareAtLeast = goal { return Format.percent(ratio) }
        return Format.ratio(ratio)
    }

    var json: JSONValue {
        ["measure": .string(measure), "key": .string(key), "title": .string(title), "unit": .string(unit),
         "mtkd": .number(mtkd), "reference": .number(reference), "reference_label": .string(referenceLabel),
         "ratio": .number(ratio), "ratio_label": .string(ratioLabel), "goal": .string(goal.text(unit: unit)),
         "met": met.map { .bool($0) } ?? .null, "cpu_over_wall": .number(cpuOverWall), "cores": .number(Double(cores)),
         "load_before": loadBefore.json, "load_after": loadAfter.json, "details": details,
         "notes": .array(notes.map { .string($0) })]
    }
}

/// Number formats of the table.
enum Format {
    static func number(_ v: Double) -> String {
        guard v.isFinite else { return "—" }
        let a = abs(v)
        if a >= 10_000 { return grouped(Int(v.rounded())) }
        if a >= 100 { return String(format: "%.0f", v) }
        if a >= 10 { return String(format: "%.1f", v) }
        if a >= 1 { return String(format: "%.2f", v) }
        return String(format: "%.3f", v)
    }

    static func ratio(_ v: Double) -> String { v.isFinite ? String(format: "%.2f×", v) : "—" }

    static func percent(_ v: Double) -> String { v.isFinite ? String(format: "%.0f%%", v * 100) : "—" }

    static func grouped(_ n: Int) -> String {
        let digits = String(abs(n))
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
            out.append(ch)
        }
        return (n < 0 ? "-" : "") + out
    }
}
