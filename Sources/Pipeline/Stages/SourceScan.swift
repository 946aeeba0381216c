import Artifacts
import Foundation
import Tabular

/// One data file as `prepare` reads it: streamed a block of rows at a time, never whole.
///
/// The first pass (`init`) checks every cell the pipeline uses and counts rows; what it finds
/// wrong is kept, per column, and thrown only when `prepare` reaches that column (`requireNumeric`,
/// `requireCategorical`), so that errors come in the order of the checks, whatever their order
/// in the file. Category codes (`coders`) are the file's: the same text has the same code in
/// every block and in every later pass.
///
/// - Complexity: memory O(one block + the distinct texts of the categorical columns).
final class SourceScan {
    /// The file, and the pipeline key that names it (`data.csv`, `data.files.train`, …).
    let path: String
    let key: String
    let columnNames: [String]
    /// Data rows of the file, and those kept under the missing-feature policy.
    private(set) var rows = 0
    private(set) var kept = 0
    /// Columns read as numbers (numeric features, regression labels) and as categories
    /// (categorical features, classification labels).
    let numericColumns: [Int]
    let categoricalColumns: [Int]
    /// The feature columns, whose missing cells drop a row under `drop-row`.
    let featureColumns: [Int]
    /// Codes of each categorical column's texts, in the order they first appear in the file.
    private(set) var coders: [Int: CategoryCoder] = [:]

    private let spec: PipelineSpec
    private let options: CSVOptions
    private let blockBytes: Int
    private var indexByName: [String: Int] = [:]
    /// The first bad cell of each column that has one.
    private var numericErrors: [Int: CSVError] = [:]
    private var categoricalErrors: [Int: Error] = [:]

    /// Opens `path` and reads it once: every cell of the columns the pipeline uses is checked
    /// (numbers finite, texts free of control characters), rows are counted.
    /// - Throws: `SpecError` at `key` when the file cannot be read or lacks a column; the bad
    ///   cells are kept for `requireNumeric` / `requireCategorical`.
    init(spec: PipelineSpec, path: String, key: String, options: CSVOptions, blockBytes: Int) throws {
        self.spec = spec
        self.path = path
        self.key = key
        self.options = options
        self.blockBytes = blockBytes
        let reader = try Self.open(path, key: key, spec: spec, options: options, blockBytes: blockBytes)
        columnNames = reader.columnNames
        for (i, name) in columnNames.enumerated() where indexByName[name] == nil { indexByName[name] = i }
        var features: [Int] = [], numeric: [Int] = [], categorical: [Int] = []
        for f in spec.data.features {
            guard let c = indexByName[f.column] else {
                throw SpecError(file: spec.file, line: nil, key: "data.features", message: "no column '\(f.column)' in \(path)")
            }
            features.append(c)
            if f.kind == .numeric { numeric.append(c) } else { categorical.append(c) }
        }
        for t in spec.tasks {
            guard let c = indexByName[t.column] else {
                throw SpecError(file: spec.file, line: nil, key: "tasks.\(t.name).column", message: "no column '\(t.column)' in \(path)")
            }
            if t.kind == .regression { numeric.append(c) } else { categorical.append(c) }
        }
        func unique(_ a: [Int]) -> [Int] { var seen = Set<Int>(); return a.filter { seen.insert($0).inserted } }
        featureColumns = unique(features)
        numericColumns = unique(numeric)
        categoricalColumns = unique(categorical)
        for c in categoricalColumns { coders[c] = CategoryCoder() }
        let dropRows = spec.data.missingFeatures == .dropRow
        try Self.blocks(of: reader, path: path, key: key, spec: spec) { block, _ -> Bool in
            for c in numericColumns where numericErrors[c] == nil {
                do { _ = try block.numericColumn(c) } catch let error as CSVError { numericErrors[c] = error }
            }
            for c in categoricalColumns where categoricalErrors[c] == nil {
                do { _ = try block.categoricalColumn(c, coder: coders[c]!) } catch { categoricalErrors[c] = error }
            }
            rows += block.rowCount
            kept += dropRows ? (0..<block.rowCount).filter { r in !featureColumns.contains { block.isMissing(row: r, column: $0) } }.count
                             : block.rowCount
            return true
        }
    }

    /// The index of the column named `name` (the first, if names repeat).
    func columnIndex(_ name: String) -> Int? { indexByName[name] }

    /// Whether a column read as numbers (as categories) has no bad cell.
    func isValidNumeric(_ column: Int) -> Bool { numericErrors[column] == nil }
    func isValidCategorical(_ column: Int) -> Bool { categoricalErrors[column] == nil }

    /// Throws the first bad cell of a numeric column as a `SpecError` at `key`, quoting the CSV
    /// error (`data.csv:12:3: non-finite value 'inf' in column 'age'; …`) and what would be valid.
    func requireNumeric(_ column: Int, key: String) throws {
        guard let error = numericErrors[column] else { return }
        let missingValues = spec.data.missingValues
        let tokens = missingValues.map { "\"\(CSVText.shown($0))\"" }.joined(separator: ", ")
        let valid = missingValues.isEmpty ? "a finite number" : "a finite number or a missing value (missing_values: \(tokens))"
        var message = error.errorDescription ?? "\(error)"
        if case .nonNumericValue = error { message += "; expected \(valid)" }
        if case .nonFiniteValue = error, !missingValues.isEmpty { message += " or a missing value (missing_values: \(tokens))" }
        throw SpecError(file: spec.file, key: key, message: message)
    }

    /// Throws the first bad cell of a categorical column as a `SpecError` at `key`.
    func requireCategorical(_ column: Int, key: String) throws {
        guard let error = categoricalErrors[column] else { return }
        throw SpecError(file: spec.file, key: key, message: FileSystemError.message(error))
    }

    /// Reads the file again, a block at a time: `body(block, first)` with the block's rows and
    /// the index in the file of its first row.
    func forEachBlock(_ body: (CSVTable, Int) throws -> Void) throws {
        let reader = try Self.open(path, key: key, spec: spec, options: options, blockBytes: blockBytes)
        try Self.blocks(of: reader, path: path, key: key, spec: spec) { try body($0, $1); return true }
    }

    /// `file:line:field` of a cell, reading the file as far as its row (for messages only).
    func location(row: Int, column: Int) throws -> String {
        var found: String?
        let reader = try Self.open(path, key: key, spec: spec, options: options, blockBytes: blockBytes)
        try Self.blocks(of: reader, path: path, key: key, spec: spec) { block, first in
            guard row < first + block.rowCount else { return true }
            found = block.location(row: row - first, column: column)
            return false
        }
        return found ?? path
    }

    private static func open(_ path: String, key: String, spec: PipelineSpec, options: CSVOptions, blockBytes: Int) throws -> CSVBlockReader {
        do { return try CSVBlockReader(path, options: options, blockBytes: blockBytes) } catch {
            throw SpecError(file: spec.file, line: nil, key: key, message: "cannot read \(path): \(FileSystemError.message(error))")
        }
    }

    private static func blocks(of reader: CSVBlockReader, path: String, key: String, spec: PipelineSpec,
                               _ body: (CSVTable, Int) throws -> Bool) throws {
        while true {
            let first = reader.rowsRead
            let block: CSVTable
            do {
                guard let next = try reader.next() else { return }
                block = next
            } catch {
                throw SpecError(file: spec.file, line: nil, key: key, message: "cannot read \(path): \(FileSystemError.message(error))")
            }
            guard try body(block, first) else { return }
        }
    }
}
