import Foundation

/// What `mtkd report` needs to know beyond the artifact files: where they are and how each
/// student was trained. Built by the command line from the pipeline spec (Report does not
/// depend on Pipeline); `metrics.json` alone does not say which student is the no-KD baseline.
public struct ReportInput: Equatable, Sendable {
    /// How a student learned: from the teachers' soft targets too, or from labels only.
    public enum Distillation: String, Equatable, Sendable {
        /// Hard labels and the teachers' soft targets.
        case soft
        /// Hard labels only: a no-KD baseline.
        case none
    }

    /// One student variant of the pipeline, in file order.
    public struct Student: Equatable, Sendable {
        public var name: String
        /// "hard-sharing", "cross-stitch", "soft-sharing", …
        public var architecture: String
        public var distill: Distillation
        public init(name: String, architecture: String, distill: Distillation) {
            self.name = name; self.architecture = architecture; self.distill = distill
        }
    }

    /// `artifacts/<name>/`, absolute.
    public var artifactsFolder: String
    public var pipelineName: String
    /// The pipeline file as the user named it (with `--artifacts …` when given), for
    /// messages: "run `mtkd run <pipelineFile>` first".
    public var pipelineFile: String
    public var students: [Student]
    /// Tasks that have a teacher ensemble, in task order.
    public var teacherTasks: [String]

    public init(artifactsFolder: String, pipelineName: String, pipelineFile: String, students: [Student], teacherTasks: [String]) {
        self.artifactsFolder = artifactsFolder; self.pipelineName = pipelineName; self.pipelineFile = pipelineFile
        self.students = students; self.teacherTasks = teacherTasks
    }

    public func student(_ name: String) -> Student? { students.first { $0.name == name } }
}

/// Why a report cannot be made. Messages are short and lower-case; each names the file.
public enum ReportError: Error, LocalizedError, Equatable, Sendable {
    /// The pipeline was never evaluated.
    case missingMetrics(folder: String, pipelineFile: String)
    /// `metrics.json` exists but cannot be read.
    case unreadableMetrics(String)

    public var errorDescription: String? {
        switch self {
        case .missingMetrics(let folder, let file):
            return "no report/metrics.json in \(folder); run `mtkd run \(file)` first"
        case .unreadableMetrics(let message):
            return message
        }
    }
}
