import ArgumentParser

/// `mtkd-bench`: mtkd against PyTorch CPU and h5py, side by side in one run (issue 5, items 4–5).
///
/// `scripts/benchmark` builds mtkd and this tool in release and runs `mtkd-bench run`.
@main
struct MTKDBench: ParsableCommand {
    /// Every measure, in the order a run takes them (quick, in-process ones first).
    static let measures: [Measure.Type] = [
        TrainingThroughput.self, StepRate.self, SoftTargetCache.self, TeacherJobs.self, EndToEnd.self, PeakMemory.self,
        PredictSpeed.self, DataScaling.self, Distillation.self, RecommendedEndToEnd.self, SlurmOverhead.self,
        DataParallelSpeed.self,
    ]

    static let configuration = CommandConfiguration(
        commandName: "mtkd-bench",
        abstract: "Measure mtkd against PyTorch CPU and h5py side by side, and print a table of ratios.",
        discussion: "Measures: " + measures.map { "\($0.name) (\($0.summary))" }.joined(separator: "; ") + ".",
        subcommands: [RunCommand.self, MeasureCommand<TrainingThroughput>.self, MeasureCommand<StepRate>.self,
                      MeasureCommand<SoftTargetCache>.self, MeasureCommand<TeacherJobs>.self,
                      MeasureCommand<EndToEnd>.self, MeasureCommand<PeakMemory>.self, MeasureCommand<PredictSpeed>.self,
                      MeasureCommand<DataScaling>.self, MeasureCommand<Distillation>.self,
                      MeasureCommand<RecommendedEndToEnd>.self, MeasureCommand<SlurmOverhead>.self,
                      MeasureCommand<DataParallelSpeed>.self, BootstrapSpeed.self],
        defaultSubcommand: RunCommand.self)
}

/// `mtkd-bench run`: the selected measures, the table, and the results file.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run the benchmark (all measures unless told otherwise), print the table, write the results.")

    @OptionGroup var options: BenchOptions

    @Flag(help: "Only the quick measures (training, step-rate, soft-targets): skip the pipeline runs.")
    var quick = false

    @Option(name: .customLong("only"), help: "Run only this measure (repeatable): \(MTKDBench.measures.map { $0.name }.joined(separator: ", ")).")
    var only: [String] = []

    func validate() throws {
        let known = Set(MTKDBench.measures.map { $0.name })
        for name in only where !known.contains(name) {
            throw ValidationError("unknown measure '\(name)'; expected one of \(MTKDBench.measures.map { $0.name }.joined(separator: ", "))")
        }
    }

    func run() throws {
        let selected = MTKDBench.measures.filter { only.isEmpty ? !(quick && $0.isSlow) : only.contains($0.name) }
        var flags = quick ? ["--quick"] : []
        flags += only.flatMap { ["--only", $0] }
        if options.withTorchEndToEnd { flags.append("--with-torch-e2e") }
        try BenchRun(options: options, flags: flags, isSelection: !only.isEmpty).run(selected)
    }
}

/// `mtkd-bench <measure>`: one measure, its rows, and the results file.
struct MeasureCommand<M: Measure>: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: M.name, abstract: "Only this measure: \(M.summary).")
    }

    @OptionGroup var options: BenchOptions

    init() {}

    func run() throws {
        try BenchRun(options: options, flags: ["--only", M.name], isSelection: true).run([M.self])
    }
}
