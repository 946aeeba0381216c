import ArgumentParser
import Foundation
import Pipeline
import Report

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Compare the teachers and students of an evaluated pipeline, or the students of several.",
        discussion: """
            With one pipeline: prints the comparison as Markdown (each task's primary metric with its 95% interval over \
            replicates, each student against its no-KD baseline and the teachers with p-values and the gap recovered, \
            the student to ship — chosen on the validation split —, every test metric, size and speed, training, \
            cross-stitch matrices) and writes report/report.html (one self-contained page with charts) and \
            report/comparison.md. ▲ / ▼ mark a difference only where its 95% interval excludes 0.

            With several pipelines (e.g. one per temperature): prints one table of every pipeline's students and the \
            student that would ship overall, by validation score; writes nothing.

            --json prints report/metrics.json's content instead (with several pipelines, each one's and the overall \
            choice); writes nothing.
            """)

    @Argument(help: "One or more pipeline files (YAML), e.g. pipelines/quickstart.yaml.")
    var pipelines: [String]

    @Option(name: .long, help: "Folder that holds the pipeline's artifacts folder (overrides the file's `artifacts:`; one pipeline only).")
    var artifacts: String?

    @Flag(name: .long, help: "Print the metrics (models, comparisons, the student to ship) as JSON with sorted keys.")
    var json = false

    func validate() throws {
        if artifacts != nil && pipelines.count > 1 {
            throw ValidationError("--artifacts applies to one pipeline only, got \(pipelines.count); give each pipeline file its own `artifacts:` instead")
        }
    }

    func run() throws {
        try CLIError.handle {
            let inputs = try pipelines.map { file in ReportInput(try PipelineOptions.load(file, artifacts: artifacts), file: file, artifacts: artifacts) }
            do {
                if pipelines.count > 1 {
                    let all = PipelineComparison(try zip(pipelines, inputs).map { ($0, try Comparison.loadEvaluation($1)) })
                    try FileHandle.standardOutput.write(contentsOf: json ? try all.json() : Data(all.markdown.utf8))
                } else if json {
                    try FileHandle.standardOutput.write(contentsOf: try Comparison.loadEvaluation(inputs[0]).json())
                } else {
                    let comparison = try Comparison.load(inputs[0])
                    try comparison.write()
                    print(comparison.markdown, terminator: "")
                    FileHandle.standardError.write(Data("wrote \(comparison.htmlPath) (and \(comparison.markdownPath))\n".utf8))
                }
            } catch let e as ReportError {
                throw CLIError.usage(e.errorDescription ?? "\(e)")
            }
        }
    }
}

extension ReportInput {
    /// What the report needs from the pipeline: its artifacts folder, and each student's distillation.
    init(_ spec: PipelineSpec, file: String, artifacts: String?) {
        let rerun = file + (artifacts.map { " --artifacts \($0)" } ?? "")
        self.init(artifactsFolder: spec.artifactsDirectory, pipelineName: spec.name, pipelineFile: rerun,
                  students: spec.students.map {
                      .init(name: $0.name, architecture: $0.architecture.rawValue,
                            distill: ReportInput.Distillation(rawValue: $0.distill.rawValue) ?? .soft)
                  },
                  teacherTasks: spec.teacherTasks)
    }
}
