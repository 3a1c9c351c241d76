/// "Did you mean …?" suggestions by Levenshtein edit distance, as HCL's `didyoumean` does.
public enum EditDistance {
    /// The number of single-character insertions, deletions and substitutions from `a` to `b`.
    public static func distance(_ a: String, _ b: String) -> Int {
        let left = Array(a.unicodeScalars)
        let right = Array(b.unicodeScalars)
        if left.isEmpty { return right.count }
        if right.isEmpty { return left.count }
        var previous = Array(0...right.count)
        var current = [Int](repeating: 0, count: right.count + 1)
        for i in 1...left.count {
            current[0] = i
            for j in 1...right.count {
                let substitution = previous[j - 1] + (left[i - 1] == right[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            swap(&previous, &current)
        }
        return previous[right.count]
    }

    /// The closest candidate, if it is close enough to be a plausible misspelling of `word`.
    ///
    /// Close enough means at most 1 edit for names of up to 3 characters, 2 for up to 6, and 3 for
    /// longer ones. Ties go to the candidate that sorts first, so suggestions are deterministic.
    public static func suggestion(for word: String, among candidates: some Sequence<String>) -> String? {
        let length = word.unicodeScalars.count
        guard length <= 64 else { return nil }
        let allowed = length <= 3 ? 1 : (length <= 6 ? 2 : 3)
        var best: (distance: Int, candidate: String)?
        for candidate in candidates where candidate != word {
            if candidate.lowercased() == word.lowercased() { return candidate }
            if abs(candidate.unicodeScalars.count - length) > allowed { continue }
            let distance = distance(word, candidate)
            guard distance <= allowed else { continue }
            if best == nil || distance < best!.distance || (distance == best!.distance && candidate < best!.candidate) {
                best = (distance, candidate)
            }
        }
        return best?.candidate
    }
}
