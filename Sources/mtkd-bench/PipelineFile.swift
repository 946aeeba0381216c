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
        guard Self.name(in: text) != nil else { throw BenchError("pipeline file has no name: line") }
        var lines = Self.lines(renamed(text, to: name))
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

/// Edits of whole top-level blocks, names and data paths (the distillation measures' copies).
extension PipelineFile {
    static func lines(_ text: String) -> [String] { text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }

    /// The range of lines of top-level `key:` (its line and every indented, blank or comment line after it).
    static func block(_ key: String, in lines: [String]) -> Range<Int>? {
        guard let start = lines.firstIndex(where: { $0.hasPrefix("\(key):") }) else { return nil }
        var end = start + 1
        while end < lines.count, lines[end].isEmpty || lines[end].hasPrefix(" ") || lines[end].hasPrefix("#") { end += 1 }
        // Leave trailing blank and comment lines to the next block.
        while end > start + 1, lines[end - 1].trimmingCharacters(in: .whitespaces).isEmpty || lines[end - 1].hasPrefix("#") { end -= 1 }
        return start..<end
    }

    static func replacingTopLevel(_ key: String, in text: String, with replacement: String) throws -> String {
        var l = lines(text)
        guard let r = block(key, in: l) else { throw BenchError("pipeline file has no top-level \(key):") }
        l.replaceSubrange(r, with: [replacement])
        return l.joined(separator: "\n")
    }

    /// The task names under `teachers:` (its two-space-indented keys).
    static func teacherTasks(in text: String) throws -> [String] {
        let l = lines(text)
        guard let r = block("teachers", in: l) else { throw BenchError("pipeline file has no top-level teachers:") }
        return l[r].dropFirst().compactMap { line -> String? in
            guard line.hasPrefix("  "), !line.hasPrefix("   "), let colon = line.firstIndex(of: ":") else { return nil }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces)
            return key.isEmpty || key.hasPrefix("#") || key.hasPrefix("-") ? nil : key
        }
    }

    /// `students:` reduced to the items named (block style: items start with `  - name: X`).
    static func keepingStudents(_ names: Set<String>, in text: String) throws -> String {
        var l = lines(text)
        guard let r = block("students", in: l) else { throw BenchError("pipeline file has no top-level students:") }
        var kept = [l[r.lowerBound]], keep = false
        for line in l[(r.lowerBound + 1)..<r.upperBound] {
            if line.hasPrefix("  - name:") {
                keep = names.contains(line.dropFirst(9).split(separator: "#").first?.trimmingCharacters(in: .whitespaces) ?? "")
            }
            if keep { kept.append(line) }
        }
        guard kept.count > 1 else { throw BenchError("pipeline file has no student named \(names.sorted().joined(separator: ", "))") }
        l.replaceSubrange(r, with: kept)
        return l.joined(separator: "\n")
    }

    static func renamed(_ text: String, to name: String) -> String {
        lines(text).map { $0.hasPrefix("name:") ? "name: \(name)" : $0 }.joined(separator: "\n")
    }

    /// Every `csv:` and `data.files` path made absolute (relative ones are relative to `base`).
    static func absoluteDataPaths(_ text: String, base: String) -> String {
        guard let pattern = try? NSRegularExpression(pattern: "^(\\s*(?:csv|train|val|test|unlabelled):\\s*)([^\\s{#\\[][^\\s#]*)", options: [.anchorsMatchLines])
        else { return text }
        var out = text
        for m in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)).reversed() {
            guard let r = Range(m.range(at: 2), in: out) else { continue }
            let path = String(out[r])
            guard !path.hasPrefix("/"), Double(path) == nil, path.contains("/") || path.contains(".") else { continue }
            out.replaceSubrange(r, with: Bench.absolute(path, base: base))
        }
        return out
    }
}
