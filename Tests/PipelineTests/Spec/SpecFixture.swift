import Foundation
import Pipeline

/// A temporary project: `<root>/pipelines/` with `data/penguins.csv` inside, removed by `remove()`.
///
/// Pipeline files are parsed as `pipelines/quickstart.yaml` (the name a user would type) with
/// `<root>/pipelines` as their folder, so `csv: data/penguins.csv` resolves to `dataFile`.
struct SpecFixture {
    /// The name errors show.
    static let file = "pipelines/quickstart.yaml"
    /// The columns the fake `columnsOf` reports for every file.
    static let columns = ["species", "island", "bill_length_mm", "bill_depth_mm", "flipper_length_mm",
                          "body_mass_g", "sex", "year"]

    let root: String
    var pipelines: String { root + "/pipelines" }
    var dataFile: String { pipelines + "/data/penguins.csv" }

    init() throws {
        root = FileManager.default.temporaryDirectory.path + "/mtkd-spec-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: pipelines + "/data", withIntermediateDirectories: true)
        let csv = Self.columns.joined(separator: ",") + "\nAdelie,Torgersen,39.1,18.7,181,3750,male,2007\n"
        try csv.write(toFile: dataFile, atomically: true, encoding: .utf8)
    }

    func remove() { try? FileManager.default.removeItem(atPath: root) }

    /// Parses `yaml` as `pipelines/quickstart.yaml`; `columnsOf` reports `SpecFixture.columns`.
    func parse(_ yaml: String, artifactsRoot: String? = nil) throws -> PipelineSpec {
        try PipelineSpec.parse(yaml: yaml, file: Self.file, baseDirectory: pipelines, artifactsRoot: artifactsRoot,
                               columnsOf: { _, _, _ in Self.columns })
    }

    /// The text a user sees for the error `yaml` raises, or nil when it parses.
    func errorText(_ yaml: String, columnsOf: (_ path: String, _ delimiter: Character, _ header: Bool) throws -> [String] = { _, _, _ in SpecFixture.columns }) -> String? {
        do {
            _ = try PipelineSpec.parse(yaml: yaml, file: Self.file, baseDirectory: pipelines, columnsOf: columnsOf)
            return nil
        } catch let error as SpecError {
            return error.errorDescription
        } catch {
            return "not a SpecError: \(error)"
        }
    }

    /// `fn` with a fresh fixture, removed afterwards.
    static func with<T>(_ fn: (SpecFixture) throws -> T) throws -> T {
        let fixture = try SpecFixture()
        defer { fixture.remove() }
        return try fn(fixture)
    }
}
