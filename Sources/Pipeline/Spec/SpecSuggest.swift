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
    static func nearest(to word: String, in candidates: [String], within limit: Int) -> String? {
        var best: (name: String, distance: Int)?
        for candidate in candidates {
            let d = distance(word, candidate)
            if d <= limit, d < (best?.distance ?? Int.max) { best = (candidate, d) }
        }
        return best?.name
    }

    /// `a, b, c`; at most `limit` names, then `, … (N in all)`.
    static func list(_ names: [String], limit: Int = 20) -> String {
        guard names.count > limit else { return names.joined(separator: ", ") }
        return names.prefix(limit).joined(separator: ", ") + ", … (\(names.count) in all)"
    }

    /// `; did you mean 'x'?` when a candidate is within 2 edits of `word`, otherwise
    /// `; <listing>: a, b, c` (e.g. listing `valid keys are`).
    static func hint(for word: String, in candidates: [String], listing: String) -> String {
        if let near = nearest(to: word, in: candidates, within: 2) { return "; did you mean '\(near)'?" }
        return "; \(listing): " + list(candidates)
    }
}
