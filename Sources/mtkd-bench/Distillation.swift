import Foundation

/// Issue 12's results: on census-income and IMDB movies, the teacher ensembles (MLP, GBDT and
/// both mixed), the no-KD baseline, plain KD (the MT-DNN-KD recipe) and the recommended distilled
/// student, each student over the pipelines' replicates (5) with paired intervals and the gap
/// recovered; parameters and inference speed against the teachers. (The recommended census
/// pipeline's time end to end is the measure `recommended-e2e`.)
///
/// Each dataset's committed pipeline (GBDT teachers) runs as it is; the MLP and mixed variants
/// are copies with only the `teachers:` block replaced. Every number comes from the runs'
/// metrics.json and timings.json; the tables are written to `<work>/distillation.md`.
enum Distillation: Measure {
    static let name = "distillation"
    static let summary = "census and movies: teachers (MLP, GBDT, mixed), baseline, plain KD, recommended student (5 replicates)"
    static let isSlow = true
    /// "What PyTorch on an H100 needs for the plain recipe."
    static let endToEndGoalSeconds = 100.0
    /// "Recovers at least half of the gap."
    static let gapGoal = 0.5

    struct Dataset {
        var key: String
        /// Relative to the repository root.
        var pipeline: String
        var data: String
        var fetch: String
    }

    static let datasets = [
        Dataset(key: "census", pipeline: "pipelines/census-income-gbdt.yaml", data: "data/census/census-income.train.csv",
                fetch: "scripts/fetch-data census"),
        Dataset(key: "movies", pipeline: "pipelines/movies-gbdt.yaml", data: "data/movies/movies.csv",
                fetch: "scripts/fetch-data movies"),
    ]

    /// The students every committed pipeline of this measure has: the recommended student is
    /// whichever of the candidates the run's ship line picks on validation.
    static let candidates = ["kd", "kd-lr0.001"], plain = "kd-recipe", baseline = "baseline"

    /// The teachers of each variant, per task (flow YAML).
    enum Teachers: String, CaseIterable {
        case gbdt, mlp, mixed
        /// census-income.yaml's MLP teachers (MT-DNN-KD's recipe).
        static let mlpSettings = "{members: 3, hidden: [256, 128], dropout: 0.1, epochs: 4, batch_size: 256, learning_rate: 0.001, optimizer: adam}"
        /// census-income-gbdt.yaml's XGBoost members.
        static let gbdtSettings = "{kind: gbdt, members: 3, max_depth: 6, learning_rate: 0.1, rounds: 2000, early_stopping: 50, subsample: 0.8, colsample: 0.8, min_child_weight: 1, lambda: 1}"

        func block(tasks: [String]) -> String {
            var lines = ["teachers:"]
            for task in tasks {
                switch self {
                case .gbdt: lines.append("  \(task): \(Self.gbdtSettings)")
                case .mlp: lines.append("  \(task): \(Self.mlpSettings)")
                case .mixed: lines += ["  \(task):", "    - \(Self.mlpSettings)", "    - \(Self.gbdtSettings)"]
                }
            }
            return lines.joined(separator: "\n")
        }
    }

    static func run(in bench: Bench) throws -> [Measurement] {
        for d in datasets where !FileManager.default.fileExists(atPath: "\(bench.root)/\(d.data)") {
            throw BenchError("the distillation measure needs \(d.data): run \(d.fetch)")
        }
        var rows: [Measurement] = []
        var markdown = ["# Distillation results (mtkd-bench distillation)", ""]
        for d in datasets {
            let text = try String(contentsOfFile: "\(bench.root)/\(d.pipeline)", encoding: .utf8)
            var results: [(Teachers, Result)] = []
            for kind in Teachers.allCases {
                let variant = kind == .gbdt ? text : try PipelineFile.replacingTopLevel("teachers", in: text,
                                                                                        with: kind.block(tasks: PipelineFile.teacherTasks(in: text)))
                let result = try runVariant(bench, dataset: d, kind: kind, text: variant)
                results.append((kind, result))
            }
            markdown += table(dataset: d, results)
            rows += measurements(dataset: d, results)
        }
        let file = bench.path("distillation.md")
        try markdown.joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        bench.log("  tables: \(file)")
        return rows
    }

    // MARK: One variant

    /// What one run's metrics.json and timings.json say.
    struct Result {
        var run: TimedRun
        var metrics: JSONValue
        var timings: JSONValue
        var tasks: [String]
        /// The recommended student: the candidate the ship line chose on validation.
        var recommended: String {
            let shipped = metrics["ship"]?["student"]?.string ?? ""
            return candidates.contains(shipped) ? shipped : candidates[0]
        }

        /// The teacher ensemble's primary metric on `task`, and the ensemble's parameters.
        func ensemble(_ task: String) -> Double? {
            models.first { $0["role"]?.string == "teacher-ensemble" && $0["tasks"]?[task] != nil }
                .flatMap { m in primaryMetric(task).flatMap { m["tasks"]?[task]?[$0]?.double } }
        }
        var models: [JSONValue] { metrics["models"]?.array ?? [] }
        var ensembleParameters: Double {
            models.filter { $0["role"]?.string == "teacher-ensemble" }.compactMap { $0["parameters"]?.double }.reduce(0, +)
        }
        func parameters(_ model: String) -> Double? { models.first { $0["name"]?.string == model }?["parameters"]?.double }
        func comparison(_ student: String) -> JSONValue? {
            metrics["comparisons"]?.array?.first { $0["student"]?.string == student }
        }
        func primaryMetric(_ task: String) -> String? {
            metrics["comparisons"]?.array?.lazy.compactMap { $0["tasks"]?[task]?["metric"]?.string }.first
        }
        /// A student's interval of its primary metric on `task` (mean over replicates).
        func student(_ name: String, _ task: String) -> JSONValue? {
            guard let metric = primaryMetric(task) else { return nil }
            if let c = comparison(name) { return c["tasks"]?[task]?["metrics"]?[metric] }
            // The baseline has no comparison of its own: its models' mean over replicates.
            let values = models.filter { ($0["name"]?.string ?? "").hasPrefix("\(name)/replicate-") || $0["name"]?.string == name }
                .compactMap { $0["tasks"]?[task]?[metric]?.double }
            guard !values.isEmpty else { return nil }
            return ["estimate": .number(values.reduce(0, +) / Double(values.count)), "n": .number(Double(values.count))]
        }
        /// Examples per second of the whole teacher side (every member, each row through all) and of a student.
        var teacherExamplesPerSecond: Double? {
            let speeds = networks.filter { $0.key.contains("/member-") }.compactMap { $0.value["inference_examples_per_second"]?.double }
            guard !speeds.isEmpty else { return nil }
            return 1 / speeds.map { 1 / $0 }.reduce(0, +)
        }
        func examplesPerSecond(_ student: String) -> Double? { networks.first { $0.key == student }?.value["inference_examples_per_second"]?.double }
        var networks: [(key: String, value: JSONValue)] {
            if case .object(let pairs)? = timings["stages"]?["evaluate"]?["networks"] { return pairs }
            return []
        }
    }

    static func runVariant(_ bench: Bench, dataset: Dataset, kind: Teachers, text: String) throws -> Result {
        let pipelineDir = (("\(bench.root)/\(dataset.pipeline)") as NSString).deletingLastPathComponent
        let copy = bench.path("distillation/\(dataset.key)-\(kind.rawValue).yaml")
        try FileManager.default.createDirectory(atPath: bench.path("distillation"), withIntermediateDirectories: true)
        let name = "\(dataset.key)-\(kind.rawValue)"
        try PipelineFile.absoluteDataPaths(PipelineFile.renamed(text, to: name), base: pipelineDir)
            .write(toFile: copy, atomically: true, encoding: .utf8)
        let root = bench.path("distillation/artifacts")
        let run = try bench.runMtkd(["--artifacts", root, "--jobs", "2"], pipeline: copy, log: "distillation-\(name)")
        guard run.exitStatus == 0 else { throw BenchError("\(name) failed (exit \(run.exitStatus)); see \(run.log)") }
        func json(_ file: String) throws -> JSONValue {
            guard let data = FileManager.default.contents(atPath: "\(root)/\(name)/\(file)") else { throw BenchError("no \(root)/\(name)/\(file)") }
            return try JSONDecoder().decode(JSONValue.self, from: data)
        }
        let metrics = try json("report/metrics.json")
        let tasks = (metrics["tasks"]?.array ?? []).filter { if case .bool(true)? = $0["has_teacher"] { return true } else { return false } }.compactMap { $0["name"]?.string }
        return Result(run: run, metrics: metrics, timings: try json("timings.json"), tasks: tasks)
    }

    // MARK: Output

    static func interval(_ v: JSONValue?, signed: Bool = false) -> String {
        guard let v, let e = v["estimate"]?.double else { return "—" }
        let f = { (x: Double) in signed ? String(format: "%+.4f", x) : String(format: "%.4f", x) }
        guard let lo = v["low"]?.double, let hi = v["high"]?.double else { return f(e) }
        return "\(f(e)) [\(f(lo)), \(f(hi))]"
    }

    static func share(_ v: JSONValue?) -> String {
        guard let v, let e = v["estimate"]?.double else { return "n/a" }
        guard let lo = v["low"]?.double, let hi = v["high"]?.double else { return String(format: "%.2f", e) }
        return String(format: "%.2f [%.2f, %.2f]", e, lo, hi)
    }

    static func table(dataset: Dataset, _ results: [(Teachers, Result)]) -> [String] {
        guard let first = results.first?.1 else { return [] }
        var out = ["## \(dataset.key) (\(dataset.pipeline); the MLP and mixed rows: the same file with other teachers)", ""]
        out.append("| teachers | task (metric) | ensemble | baseline | plain KD | recommended | recommended − baseline | gap recovered (recommended) | gap recovered (plain KD) |")
        out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|")
        for (kind, r) in results {
            for task in r.tasks {
                let rec = r.comparison(r.recommended)?["tasks"]?[task], pl = r.comparison(plain)?["tasks"]?[task]
                out.append("| \(kind.rawValue) | \(task) (\(r.primaryMetric(task) ?? "?")) | \(r.ensemble(task).map { String(format: "%.4f", $0) } ?? "—") | "
                    + "\(interval(r.student(baseline, task))) | \(interval(r.student(plain, task))) | \(r.recommended): \(interval(r.student(r.recommended, task))) | "
                    + "\(interval(rec?["vs_baseline"], signed: true)) | \(share(rec?["gap_recovered"])) | \(share(pl?["gap_recovered"])) |")
            }
        }
        out.append("")
        out.append("| teachers | teacher parameters | student parameters | teachers' examples/s (all members) | student examples/s | student speed-up | run wall (s) |")
        out.append("|---|---:|---:|---:|---:|---:|---:|")
        for (kind, r) in results {
            let t = r.teacherExamplesPerSecond, s = r.examplesPerSecond(r.recommended)
            out.append("| \(kind.rawValue) | \(Format.number(r.ensembleParameters)) | \(r.parameters(r.recommended).map(Format.number) ?? "—") | "
                + "\(t.map(Format.number) ?? "—") | \(s.map(Format.number) ?? "—") | \(t.flatMap { t in s.map { Format.ratio($0 / t) } } ?? "—") | "
                + "\(Format.number(r.run.wallSeconds)) |")
        }
        out.append("")
        out.append("Recommended: the candidate (\(candidates.joined(separator: ", "))) the ship line picks on validation. "
            + "Students: mean over \(first.comparison(first.recommended)?["replicates"]?.double.map { Int($0) } ?? 0) replicates with the 95% t-interval; "
            + "differences paired over replicates (replicate k of every student shares a seed); gap recovered = (student − baseline) / "
            + "(ensemble − baseline) with Fieller's interval, or n/a when the ensemble does not beat the baseline beyond noise. "
            + "Parameters of trees: their nodes. Examples/s: evaluate's prediction pass on the test split, one thread per model, two models at once (`--jobs 2`): compare them within a run, on a quiet machine.")
        out.append("")
        return out
    }

    static func measurements(dataset: Dataset, _ results: [(Teachers, Result)]) -> [Measurement] {
        results.flatMap { kind, r in
            r.tasks.map { task -> Measurement in
                let gap = r.comparison(r.recommended)?["tasks"]?[task]?["gap_recovered"]
                let estimate = gap?["estimate"]?.double ?? .nan
                return Measurement(
                    measure: name, key: "\(dataset.key)-\(kind.rawValue)-\(task)",
                    title: "\(dataset.key) \(task), \(kind.rawValue) teachers: gap recovered", unit: "",
                    mtkd: estimate, reference: nil, referenceLabel: "no-KD baseline → teacher ensemble",
                    ratioLabel: "share of the gap", ratio: estimate, goal: .shareAtLeast(gapGoal), cpuOverWall: r.run.cpuOverWall, cores: 2,
                    loadBefore: r.run.loadBefore, loadAfter: r.run.loadAfter,
                    details: ["run": r.run.json, "gap_recovered": gap ?? .null,
                              "recommended": .string(r.recommended),
                              "vs_baseline": r.comparison(r.recommended)?["tasks"]?[task]?["vs_baseline"] ?? .null],
                    notes: ["\(dataset.key) \(task) (\(kind.rawValue)): \(r.recommended) − baseline \(interval(r.comparison(r.recommended)?["tasks"]?[task]?["vs_baseline"], signed: true)), gap recovered \(share(gap))"])
            }
        }
    }

}

/// The census pipeline a user runs to get the recommended student — GBDT teachers, soft targets,
/// transfer set and the one distilled student (one replicate) — from an empty folder, `--jobs 2`.
/// Goal (issue 12): within 100 s, what PyTorch on an H100 needs for the plain recipe.
enum RecommendedEndToEnd: Measure {
    static let name = "recommended-e2e"
    static let summary = "the recommended census pipeline (GBDT teachers, transfer set, the two candidate students) end to end (s), --jobs 2"
    static let isSlow = true

    static func run(in bench: Bench) throws -> [Measurement] {
        let census = Distillation.datasets[0]
        let text = try String(contentsOfFile: "\(bench.root)/\(census.pipeline)", encoding: .utf8)
        let only = try PipelineFile.keepingStudents(Set(Distillation.candidates), in: PipelineFile.setting("replicates", to: "1", in: text))
        try FileManager.default.createDirectory(atPath: bench.path("distillation"), withIntermediateDirectories: true)
        let copy = bench.path("distillation/census-recommended.yaml")
        let pipelineDir = (("\(bench.root)/\(census.pipeline)") as NSString).deletingLastPathComponent
        try PipelineFile.absoluteDataPaths(PipelineFile.renamed(only, to: "census-recommended"), base: pipelineDir)
            .write(toFile: copy, atomically: true, encoding: .utf8)
        let root = bench.path("distillation/e2e")
        if FileManager.default.fileExists(atPath: root) { try FileManager.default.removeItem(atPath: root) }
        let run = try bench.runMtkd(["--artifacts", root, "--jobs", "2"], pipeline: copy, log: "distillation-e2e")
        guard run.exitStatus == 0 else { throw BenchError("the recommended census pipeline failed (exit \(run.exitStatus)); see \(run.log)") }
        return [Measurement(measure: name, key: "e2e", title: "recommended census pipeline end to end (s)", unit: "s",
                           mtkd: run.wallSeconds, reference: EndToEnd.quotedH100, referenceLabel: "PyTorch on an H100, plain recipe (quoted)",
                           ratioLabel: "H100 time / mtkd time", ratio: EndToEnd.quotedH100 / run.wallSeconds,
                           goal: .valueAtMost(Distillation.endToEndGoalSeconds), cpuOverWall: run.cpuOverWall, cores: 2,
                           loadBefore: run.loadBefore, loadAfter: run.loadAfter, details: ["run": run.json],
                           notes: ["recommended census pipeline (\(census.pipeline) with only the candidates \(Distillation.candidates.joined(separator: " and ")), trained at once, 1 replicate each), "
                                   + "from an empty folder, --jobs 2: \(Format.number(run.wallSeconds)) s wall, CPU/wall "
                                   + String(format: "%.2f", run.cpuOverWall) + ", load \(run.loadBefore) → \(run.loadAfter)"]
                               + EndToEnd.stageNotes(run))]
    }
}
