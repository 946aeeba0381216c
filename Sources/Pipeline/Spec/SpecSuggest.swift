import Tabular

/// "Did you mean …?" for misspelt keys, values, task names and columns.
enum SpecSuggest {
    /// Edit distance between `a` and `b`, ignoring case: insertions, deletions, substitutions
    /// and swaps of two neighbouring characters each cost 1 (optimal string alignment).
    ///
    /// O(|a|·|b|) time, O(|b|) memory per row kept (three rows).
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a.lowercased()), b = Array(b.lowercased())
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var before = [Int](repeating: 0, count: b.count + 1)   // row i-2
        var previous = Array(0...b.count)                          // row i-1
        var current = [Int](repeating: 0, count: b.count + 1)     // row i
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var best = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    best = min(best, before[j - 2] + 1)
                }
                current[j] = best
            }
            (before, previous, current) = (previous, current, before)
        }
        return previous[b.count]
    }

    /// The candidate closest to `word` if it is at most `limit` edits away (the first one on a tie).
    /// Candidates whose length alone puts them further away are skipped without comparing.
    static func nearest(to word: String, in candidates: [String], within limit: Int) -> String? {
        var best: (name: String, distance: Int)?
        let length = word.count
        for candidate in candidates {
            // Each edit changes the length by at most one character; a character is 1 to 4 UTF-8 bytes.
            let bytes = candidate.utf8.count
            if bytes < length - limit || bytes > 4 * (length + limit) || abs(candidate.count - length) > limit { continue }
            let d = distance(word, candidate)
            if d <= limit, d < (best?.distance ?? Int.max) { best = (candidate, d) }
        }
        return best?.name
    }

    /// `a, b, c`; at most `limit` names, then `, … and N more`; each name as `CSVText.shown`
    /// writes it (control characters escaped, at most 40 characters), so that a list of
    /// columns from a 10 MB header line is still one short line.
    static func list(_ names: [String], limit: Int = 20) -> String {
        join(names.prefix(limit).map { CSVText.shown($0) }, total: names.count)
    }

    /// Items already fit to show, joined: at most `limit`, then `, … and N more`.
    static func join(_ items: [String], limit: Int = 20) -> String {
        join(Array(items.prefix(limit)), total: items.count)
    }

    private static func join(_ shown: [String], total: Int) -> String {
        shown.joined(separator: ", ") + (total > shown.count ? ", … and \(total - shown.count) more" : "")
    }

    /// `; did you mean 'x'?` when a candidate is within 2 edits of `word`, otherwise
    /// `; <listing>: a, b, c` (e.g. listing `valid keys are`).
    static func hint(for word: String, in candidates: [String], listing: String) -> String {
        if let near = nearest(to: word, in: candidates, within: 2) { return "; did you mean '\(near)'?" }
        return "; \(listing): " + list(candidates)
    }
}
