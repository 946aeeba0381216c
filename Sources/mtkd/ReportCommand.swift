import ArgumentParser
import Foundation
import Pipeline
import Report

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Compare the teachers and student variants of an evaluated pipeline.",
        discussion: """
            Prints the comparison as Markdown (test metrics, gains and losses per task against the \
            teachers and the no-KD baseline, size and speed, training, cross-stitch matrices) and \
            writes report/report.html (one self-contained page with charts) and report/comparison.md.
            """)

    @OptionGroup var pipeline: PipelineOptions

    @Option(name: .long, help: "Smallest change of a task's primary metric that counts as a gain or a loss.")
    var threshold: Double = ReportInput.defaultThreshold

    func validate() throws {
        guard threshold.isFinite, threshold >= 0 else { throw ValidationError("--threshold must be a number ≥ 0, got \(threshold)") }
    }

    func run() throws {
        try CLIError.handle {
            let spec = try pipeline.load()
            let comparison: Comparison
            do {
                comparison = try Comparison.load(ReportInput(spec, options: pipeline, threshold: threshold))
            } catch let e as ReportError {
                throw CLIError.usage(e.errorDescription ?? "\(e)")
            }
            try comparison.write()
            print(comparison.markdown, terminator: "")
            FileHandle.standardError.write(Data("wrote \(comparison.htmlPath) (and \(comparison.markdownPath))\n".utf8))
        }
    }
}

extension ReportInput {
    /// What the report needs from the pipeline: its artifacts folder, and each student's distillation.
    init(_ spec: PipelineSpec, options: PipelineOptions, threshold: Double) {
        let rerun = options.pipeline + (options.artifacts.map { " --artifacts \($0)" } ?? "")
        self.init(artifactsFolder: spec.artifactsDirectory, pipelineName: spec.name, pipelineFile: rerun,
                  students: spec.students.map {
                      .init(name: $0.name, architecture: $0.architecture.rawValue,
                            distill: ReportInput.Distillation(rawValue: $0.distill.rawValue) ?? .soft)
                  },
                  teacherTasks: spec.teacherTasks, threshold: threshold)
    }
}
