import ArgumentParser
import Artifacts
import Foundation
import MultiTask
import Pipeline
import Predict

/// `mtkd predict`: a model file (or a pipeline's student or teacher ensembles) on raw CSV rows.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Predict with a student or teacher model from raw CSV rows.",
        discussion: """
            mtkd predict MODEL.h5 INPUT.csv [--output OUT.csv|OUT.h5]
            mtkd predict --pipeline P.yaml --student NAME [--replicate K] INPUT.csv
            mtkd predict --pipeline P.yaml --teachers INPUT.csv

            MODEL.h5 is a student's file or a teacher member's, a network or gradient-boosted trees (kind gbdt: the margins of its kept rounds are its logits); --teachers combines each task's members of either kind.

            INPUT (plain or .gz) is read as training read its data (delimiter, header or column names, missing values), a block of rows at a time. The model file holds everything needed: data/dataset.h5 is not read. Output: CSV on standard output unless --output names a file (.h5: HDF5). Columns: the --keep columns, then per classification task `<task>` (the predicted class) and `<task>:p(<class>)` per class; per regression task `<task>` (in label units).

            A category never seen in training counts as `<other>` when the model has that category (max_categories), else as none (all-zero one-hot). Missing cells are imputed (numeric → training mean, categorical → all zeros) for models trained with missing_features: impute-mean; drop-row models refuse them unless --impute-missing. A missing column, a non-numeric or non-finite number, or no rows: exit 64, naming the line and column.
            """)

    @Argument(help: "MODEL.h5 INPUT.csv, or INPUT.csv with --pipeline.")
    var files: [String] = []

    @Option(name: .long, help: "A pipeline file: predict with its --student or its --teachers.")
    var pipeline: String?

    @Option(name: .long, help: "Folder that holds the pipeline's artifacts folder (overrides the file's `artifacts:`).")
    var artifacts: String?

    @Option(name: .long, help: "The pipeline's student to predict with (e.g. kd).")
    var student: String?

    @Option(name: .long, help: "Which replicate of the --student (students/<name>/replicate-<k>.h5).")
    var replicate: Int = 0

    @Flag(name: .long, help: "Predict with the pipeline's teacher ensembles (tasks with a teacher).")
    var teachers = false

    @Option(name: .shortAndLong, help: "Write here instead of standard output: OUT.csv, or OUT.h5 for HDF5.")
    var output: String?

    @Option(name: .long, help: "A column of the input copied to the output (repeatable), e.g. an id.")
    var keep: [String] = []

    @Flag(name: .customLong("impute-missing"), help: "Impute missing cells even for a drop-row model.")
    var imputeMissing = false

    @Option(name: .long, help: "OpenBLAS threads for the network's matrix products.")
    var threads: Int = 1

    @Flag(name: .long, help: "Print the rows and the seconds spent reading (and parsing), encoding, predicting and writing (JSON) on standard error.")
    var timings = false

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1, got \(threads)") }
        guard replicate >= 0 else { throw ValidationError("--replicate must be at least 0, got \(replicate)") }
        if pipeline == nil {
            guard files.count == 2 else { throw ValidationError("expected MODEL.h5 INPUT.csv (or --pipeline P.yaml with --student NAME or --teachers, and INPUT.csv)") }
            guard student == nil, !teachers, artifacts == nil, replicate == 0 else {
                throw ValidationError("--student, --replicate, --teachers and --artifacts go with --pipeline")
            }
        } else {
            guard files.count == 1 else { throw ValidationError("with --pipeline, give only INPUT.csv") }
            guard (student != nil) != teachers else { throw ValidationError("with --pipeline, give either --student NAME or --teachers") }
        }
    }

    func run() throws {
        try CLIError.handle {
            let predictor = try makePredictor()
            let input = files.last!
            var run = PredictionRun(predictor: predictor, keep: keep, imputeMissing: imputeMissing)
            run.threads = threads
            let result: PredictionRun.Timings
            do {
                result = try run.run(input: input) { kept in
                    if let output, Self.isHDF5(output) {
                        return try HDF5PredictionWriter(path: output, tasks: predictor.tasks, keep: kept, model: predictor.description, input: input)
                    }
                    return try CSVPredictionWriter(path: output, tasks: predictor.tasks, keep: kept)
                }
            } catch let e as PredictError {
                throw CLIError.usage(e.errorDescription ?? "\(e)")
            }
            if timings {
                let json = try JSONEncoder.sorted.encode(TimingReport(result))
                FileHandle.standardError.write(json + Data("\n".utf8))
            }
        }
    }

    static func isHDF5(_ path: String) -> Bool {
        let ext = (path as NSString).pathExtension.lowercased()
        return ext == "h5" || ext == "hdf5"
    }

    /// The model the arguments name; a file that is not a readable model is bad input.
    func makePredictor() throws -> Predictor {
        /// A student's file, or a teacher member's of either kind (network or gradient-boosted trees).
        func load(_ path: String) throws -> TeacherMemberFile {
            guard FileManager.default.fileExists(atPath: path) else { throw CLIError.usage("\(path): no such model file") }
            do { return try TeacherMemberFile.read(from: path) } catch {
                throw CLIError.usage((error as? LocalizedError)?.errorDescription ?? "\(error)")
            }
        }
        do {
            guard let pipeline else {
                return try Predictor(file: try load(files[0]), path: files[0])
            }
            let spec: PipelineSpec
            do { spec = try PipelineSpec.load(path: pipeline, artifactsRoot: artifacts) } catch let e as SpecError {
                throw CLIError.usage(e.errorDescription ?? "\(e)")
            }
            let layout = ArtifactLayout(root: spec.artifactsDirectory)
            if let student {
                guard let s = spec.students.first(where: { $0.name == student }) else {
                    throw CLIError.usage("\(spec.file): no student '\(student)'; the students are \(spec.students.map(\.name).joined(separator: ", "))")
                }
                guard replicate < s.replicates else {
                    throw CLIError.usage("--replicate \(replicate): student '\(student)' has \(s.replicates) replicate\(s.replicates == 1 ? "" : "s") (0…\(s.replicates - 1))")
                }
                let path = layout.student(student, replicate: replicate)
                return try Predictor(file: try load(path), path: path)
            }
            guard !spec.teachers.isEmpty else { throw CLIError.usage("\(spec.file): the pipeline has no teachers") }
            // Per task with a teacher, every member of its groups (of any kind), in member order.
            let ensembles = try spec.teacherTasks.map { task in
                try spec.teacherMembers.filter { $0.teacher.task == task }.map { (teacher, k) -> (path: String, member: TeacherMemberFile) in
                    let path = spec.teacherMemberFile(task: teacher.task, member: k)
                    return (path, try load(path))
                }
            }
            return try Predictor(ensembles: ensembles, combine: EnsembleCombine(rawValue: spec.softTargets.combine.rawValue) ?? .meanProbs)
        } catch let e as PredictError {
            throw CLIError.usage(e.errorDescription ?? "\(e)")
        }
    }
}

/// `--timings`: rows, seconds per phase, and rows per second end to end and once parsed.
struct TimingReport: Encodable {
    var rows: Int
    var readingSeconds, encodingSeconds, predictingSeconds, writingSeconds: Double
    var rowsPerSecondAfterParsing: Double

    init(_ t: PredictionRun.Timings) {
        rows = t.rows
        readingSeconds = t.reading; encodingSeconds = t.encoding; predictingSeconds = t.predicting; writingSeconds = t.writing
        rowsPerSecondAfterParsing = Double(t.rows) / max(t.encoding + t.predicting + t.writing, 1e-9)
    }

    enum CodingKeys: String, CodingKey {
        case rows, readingSeconds = "reading_seconds", encodingSeconds = "encoding_seconds"
        case predictingSeconds = "predicting_seconds", writingSeconds = "writing_seconds"
        case rowsPerSecondAfterParsing = "rows_per_second_after_parsing"
    }
}
