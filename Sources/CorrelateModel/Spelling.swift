/// "Did you mean …?": the known word nearest to a misspelt one.
public enum Spelling {
    /// The candidate nearest to `word` (ASCII case ignored), when it is near enough to be what
    /// was meant: at most two edits away, and fewer than half of the longer word's characters
    /// (so `tarce` → `trace`, `lokup` → `lookup`, but `x` suggests nothing). Ties go to the
    /// earlier candidate.
    public static func closest(to word: String, among candidates: [String]) -> String? {
        let folded = word.lowercased()
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let distance = self.distance(folded, candidate.lowercased())
            let limit = min(2, (max(folded.count, candidate.count) - 1) / 2)
            guard distance <= limit, distance < best?.distance ?? .max else { continue }
            best = (candidate, distance)
        }
        return best?.candidate
    }

    /// The optimal string alignment distance: insertions, deletions, substitutions and
    /// transpositions of two neighbours, one edit each.
    /// - Complexity: O(*m* × *n*) in the two words' lengths.
    public static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        // Three rows: the one before the previous (for transpositions), the previous, the current.
        var older = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], older[j - 2] + 1)
                }
            }
            (older, previous, current) = (previous, current, older)
        }
        return previous[b.count]
    }
}
