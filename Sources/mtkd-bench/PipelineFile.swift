import Foundation

/// The few edits the benchmark makes to a copy of the census pipeline file (as text: the
/// pipeline's parser belongs to mtkd; a copy only needs a new name and other data files).
enum PipelineFile {
    /// The value of the top-level `name:` line.
    static func name(in text: String) -> String? {
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) where line.hasPrefix("name:") {
            return line.dropFirst(5).split(separator: "#").first?.trimmingCharacters(in: .whitespaces)
        }
        return nil
    }

    /// `text` with the top-level name replaced and each `<split>: <path>` line under
    /// `data.files` pointed at an absolute path.
    ///
    /// - Parameter files: split name ("train", "test") → new path.
    static func copy(of text: String, name: String, files: [String: String]) throws -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let n = lines.firstIndex(where: { $0.hasPrefix("name:") }) else { throw BenchError("pipeline file has no name: line") }
        lines[n] = "name: \(name)"
        guard let f = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "files:" }) else {
            throw BenchError("pipeline file has no data.files")
        }
        var replaced = Set<String>()
        var i = f + 1
        while i < lines.count, lines[i].hasPrefix("    ") {
            let trimmed = lines[i].trimmingCharacters(in: .whitespaces)
            if let colon = trimmed.firstIndex(of: ":") {
                let split = String(trimmed[..<colon])
                if let path = files[split] {
                    lines[i] = "    \(split): \(path)"
                    replaced.insert(split)
                }
            }
            i += 1
        }
        let missing = Set(files.keys).subtracting(replaced)
        guard missing.isEmpty else { throw BenchError("pipeline file's data.files has no \(missing.sorted().joined(separator: ", "))") }
        return lines.joined(separator: "\n")
    }

    /// `text` with the value of every `key: <number>` (block or flow style, at any depth)
    /// replaced by `value`, e.g. every `epochs: 4` by `epochs: 1`.
    static func setting(_ key: String, to value: String, in text: String) -> String {
        guard let pattern = try? NSRegularExpression(pattern: "(^|[\\s{,])(\(NSRegularExpression.escapedPattern(for: key)):\\s*)[0-9.]+",
                                                     options: [.anchorsMatchLines]) else { return text }
        return pattern.stringByReplacingMatches(in: text, range: NSRange(text.startIndex..., in: text),
                                                withTemplate: "$1$2\(NSRegularExpression.escapedTemplate(for: value))")
    }
}
