/// Measure 4: the teacher stage with two members trained at once (`--jobs 2`) against one at a
/// time (`--jobs 1`): wall time of `mtkd run … --only teachers --force --jobs N` on prepared data.
enum TeacherJobs: Measure {
    static let name = "teachers"
    static let summary = "teacher stage wall time, --jobs 2 vs --jobs 1"
    static let isSlow = true
    /// "Nearly halved".
    static let goal = 1.8

    static func run(in bench: Bench) throws -> [Measurement] {
        guard try bench.preparedDataset() != nil else { throw BenchError("the teachers measure needs the census data (scripts/fetch-census)") }
        var runs: [Int: TimedRun] = [:]
        for jobs in [1, 2] {
            let run = try bench.runMtkd(["--artifacts", bench.preparedRoot, "--only", "teachers", "--force", "--jobs", "\(jobs)"],
                                        log: "teachers-jobs\(jobs)")
            guard run.exitStatus == 0 else { throw BenchError("teachers --jobs \(jobs) failed (exit \(run.exitStatus)); see \(run.log)") }
            runs[jobs] = run
        }
        let one = runs[1]!, two = runs[2]!
        return [Measurement(
            measure: name, key: "jobs", title: "teacher stage, --jobs 2 (s)", unit: "s",
            mtkd: two.wallSeconds, reference: one.wallSeconds, referenceLabel: "mtkd --jobs 1",
            ratioLabel: "jobs-1 time / jobs-2 time", ratio: one.wallSeconds / two.wallSeconds, goal: .ratioAtLeast(goal),
            cpuOverWall: two.cpuOverWall, cores: 2, loadBefore: one.loadBefore, loadAfter: two.loadAfter,
            details: ["jobs_1": one.json, "jobs_2": two.json,
                      "ideal": "CPU/wall ≈ 1 for --jobs 1 and ≈ 2 for --jobs 2 on a quiet 2-core machine"])]
    }
}
