import Foundation
import TestSupport
@testable import Pipeline

/// A tiny pipeline on the committed penguins CSV, in its own temporary folder.
struct TestPipeline {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path
    static let penguins = repository + "/pipelines/data/penguins.csv"
    /// The `data:` and `tasks:` of every tiny test pipeline (penguins: species, sex, mass by regression);
    /// pipelines that must prepare the same dataset (another's teachers) share it.
    static let dataAndTasksYAML = """
    data:
      csv: \(penguins)
      missing_values: ["NA"]
      features:
        numeric: [bill_length_mm, bill_depth_mm, flipper_length_mm]
        categorical: [island]
    tasks:
      - name: species
      - name: sex
      - name: mass
        column: body_mass_g
        type: regression
    """
    /// The CLI as built by `swift build` / `swift test`.
    static let binary = repository + "/.build/debug/mtkd"

    let folder: String
    var file: String { folder + "/pipeline.yaml" }
    var artifacts: String { folder + "/artifacts/tiny" }

    /// Settings are substituted into a YAML template: two teachers (one classification,
    /// one regression), a task without teacher, one student.
    init(epochs: Int = 6, studentEpochs: Int = 8, temperature: Double = 2, studentHidden: Int = 16,
         members: Int = 2, extraStudentYAML: String = "", folder: String? = nil) throws {
        self.folder = folder ?? NSTemporaryDirectory() + "mtkd-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: self.folder, withIntermediateDirectories: true)
        try write(yaml: """
        name: tiny
        seed: 7
        artifacts: artifacts
        \(Self.dataAndTasksYAML)
        teachers:
          species: {members: \(members), hidden: [16], epochs: \(epochs), batch_size: 16, learning_rate: 0.01}
          mass: {members: \(members), hidden: [16], epochs: \(epochs), batch_size: 16, learning_rate: 0.01}
        soft_targets: {temperature: \(temperature)}
        students:
          - name: kd
            hidden: [\(studentHidden)]
            epochs: \(studentEpochs)
            batch_size: 16
            learning_rate: 0.01
        \(extraStudentYAML)
        """)
    }

    func write(yaml: String) throws {
        try yaml.write(toFile: file, atomically: true, encoding: .utf8)
    }

    func spec() throws -> PipelineSpec { try PipelineSpec.load(path: file) }

    @discardableResult
    func run(_ options: RunOptions = RunOptions()) throws -> (lines: [String], report: Any?) {
        let console = Console(capture: true)
        let report = try PipelineRunner(spec: try spec(), console: console, options: options).run()
        return (console.lines, report)
    }

    func bytes(_ relative: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: artifacts + "/" + relative))
    }

    /// Every deterministic artifact (all but timings.json and the run lock), by relative path.
    func artifactBytes() throws -> [String: Data] {
        var out: [String: Data] = [:]
        let fm = FileManager.default
        for case let rel as String in fm.enumerator(atPath: artifacts)! {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: artifacts + "/" + rel, isDirectory: &isDir), !isDir.boolValue,
                  rel != "timings.json", !rel.hasSuffix(".mtkd-run.lock") else { continue }
            out[rel] = try bytes(rel)
        }
        return out
    }

    func remove() { try? FileManager.default.removeItem(atPath: folder) }
}

/// Runs the mtkd binary; returns exit code, stdout and stderr.
func runCLI(_ arguments: [String], in directory: String? = nil) throws -> (code: Int32, out: String, err: String) {
    let r = try runProcess(TestPipeline.binary, arguments, in: directory)
    return (r.code, r.out, r.err)
}
