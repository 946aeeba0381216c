import Foundation
import Yams

/// Reads YAML text into a tree of `SpecNode`s, turning Yams's errors into `SpecError`s with a line.
///
/// Yams refuses a mapping with a repeated key, naming only the key and its *first* line. To
/// report the repeat where it is (line and key path), the reader renames the first occurrence
/// to a private placeholder and composes again; `SpecNode` maps placeholders back to the
/// original key and reports the repeat when it meets it.
enum YAMLReader {
    /// The top-level node of `yaml`, or nil for a file without a document (empty or comments only).
    ///
    /// - Parameters:
    ///   - yaml: the text of the pipeline file.
    ///   - file: the file's name as the user gave it, for messages.
    static func read(_ yaml: String, file: String) throws -> SpecNode? {
        var text = yaml
        var renamed: [String: String] = [:]
        while true {
            do {
                guard let root = try Yams.compose(yaml: text) else { return nil }
                return SpecNode(root: root, source: SpecSource(file: file, renamedKeys: renamed))
            } catch let YamlError.duplicatedKeysInMapping(duplicates, context) {
                let key = duplicates.first ?? ""
                let placeholder = "mtkd-duplicate-key-\(renamed.count)-"
                guard renamed.count < 10_000,
                      let next = renaming(key: key, at: context.mark, in: text, prefix: placeholder) else {
                    throw SpecError(file: file, line: context.mark.line, key: nil, message: "duplicate key '\(key)'")
                }
                text = next
                renamed[placeholder + key] = key
            } catch let error as YamlError {
                throw syntaxError(error, file: file)
            }
        }
    }

    /// `text` with `prefix` inserted in front of the key `key` that starts at `mark`
    /// (inside the quotes of a quoted key); nil when the text there is not that key.
    static func renaming(key: String, at mark: Mark, in text: String, prefix: String) -> String? {
        let scalars = Array(text.unicodeScalars)
        var index = 0, line = 1
        while line < mark.line, index < scalars.count {
            if scalars[index] == "\n" { line += 1 }
            index += 1
        }
        var start = index + mark.column - 1
        guard line == mark.line, mark.column >= 1, start < scalars.count else { return nil }
        if scalars[start] == "\"" || scalars[start] == "'" { start += 1 }
        let keyScalars = Array(key.unicodeScalars)
        guard start + keyScalars.count <= scalars.count,
              Array(scalars[start..<(start + keyScalars.count)]) == keyScalars else { return nil }
        var result = String.UnicodeScalarView()
        result.append(contentsOf: scalars[..<start])
        result.append(contentsOf: prefix.unicodeScalars)
        result.append(contentsOf: scalars[start...])
        return String(result)
    }

    /// A Yams parse error as `file:line: invalid YAML: problem (context on line n)`.
    static func syntaxError(_ error: YamlError, file: String) -> SpecError {
        func message(_ problem: String, _ context: YamlError.Context?, line: Int) -> String {
            if problem == "but found another document" {
                return "invalid YAML: found a second document ('---'); a pipeline file holds one"
            }
            guard let context, !context.text.isEmpty else { return "invalid YAML: \(problem)" }
            let place = context.mark.line == line ? "" : " on line \(context.mark.line)"
            return "invalid YAML: \(problem) (\(context.text)\(place))"
        }
        switch error {
        case let .scanner(context, problem, mark, _),
             let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            return SpecError(file: file, line: mark.line, message: message(problem, context, line: mark.line))
        case let .reader(problem, offset, _, yaml):
            let line = offset.map { offset in yaml.prefix(offset).reduce(1) { $1.isNewline ? $0 + 1 : $0 } }
            return SpecError(file: file, line: line, message: "invalid YAML: \(problem)")
        default:
            return SpecError(file: file, message: "invalid YAML: \(error)")
        }
    }
}
