/// A unified diff of two texts by lines (`diff -u`), as `fmt --check` prints it.
public enum UnifiedDiff {
    /// Lines of context around each change.
    public static let context = 3
    /// Above this many cells the changed middle is shown as one replacement instead of a minimal diff.
    static let maximumCells = 4_000_000

    /// Empty when the texts are equal; otherwise `--- old` / `+++ new` and `@@` hunks.
    public static func diff(_ old: String, _ new: String, oldName: String, newName: String) -> String {
        let a = lines(old), b = lines(new)
        guard a != b else { return "" }
        let edits = script(a, b)
        var output = "--- \(oldName)\n+++ \(newName)\n"
        var index = 0
        while index < edits.count {
            guard edits[index].kind != .keep else {
                index += 1
                continue
            }
            // A hunk: from `context` lines before this change to `context` after the last change
            // that is at most 2 × context lines after the one before it.
            let start = max(0, index - context)
            var end = index
            var last = index
            while end < edits.count {
                if edits[end].kind != .keep { last = end }
                if end - last > 2 * context { break }
                end += 1
            }
            let stop = min(edits.count, last + context + 1)
            let hunk = edits[start..<stop]
            let oldCount = hunk.count { $0.kind != .insert }
            let newCount = hunk.count { $0.kind != .delete }
            let oldStart = edits[start].oldLine + (oldCount == 0 ? 0 : 1)
            let newStart = edits[start].newLine + (newCount == 0 ? 0 : 1)
            output += "@@ -\(range(oldStart, oldCount)) +\(range(newStart, newCount)) @@\n"
            for edit in hunk {
                let prefix = edit.kind == .keep ? " " : (edit.kind == .delete ? "-" : "+")
                let line = edit.text
                if line.hasSuffix("\n") {
                    output += prefix + line
                } else {
                    output += prefix + line + "\n\\ No newline at end of file\n"
                }
            }
            index = stop
        }
        return output
    }

    private static func range(_ start: Int, _ count: Int) -> String {
        count == 1 ? "\(start)" : "\(start),\(count)"
    }

    /// Lines with their line breaks (the last may have none).
    static func lines(_ text: String) -> [Substring] {
        var result: [Substring] = []
        var start = text.startIndex
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(after: index)
            if text[index] == "\n" || text[index] == "\r\n" {
                result.append(text[start..<next])
                start = next
            }
            index = next
        }
        if start < text.endIndex { result.append(text[start...]) }
        return result
    }

    struct Edit {
        enum Kind { case keep, delete, insert }
        let kind: Kind
        let text: Substring
        /// Lines of the old and new text before this one (0-based position).
        let oldLine: Int
        let newLine: Int
    }

    /// A shortest edit script: common prefix and suffix kept, the middle by longest common
    /// subsequence (or replaced whole when too large).
    static func script(_ a: [Substring], _ b: [Substring]) -> [Edit] {
        var prefix = 0
        while prefix < a.count && prefix < b.count && a[prefix] == b[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < a.count - prefix && suffix < b.count - prefix && a[a.count - 1 - suffix] == b[b.count - 1 - suffix] {
            suffix += 1
        }
        let oldMiddle = Array(a[prefix..<a.count - suffix]), newMiddle = Array(b[prefix..<b.count - suffix])
        var edits: [Edit] = []
        var i = 0, j = 0
        func keep(_ count: Int) {
            for _ in 0..<count {
                edits.append(Edit(kind: .keep, text: a[i], oldLine: i, newLine: j))
                i += 1
                j += 1
            }
        }
        keep(prefix)
        let n = oldMiddle.count, m = newMiddle.count
        if (n + 1) * (m + 1) <= maximumCells {
            // lengths[x][y]: longest common subsequence of oldMiddle[x...] and newMiddle[y...].
            var lengths = [Int32](repeating: 0, count: (n + 1) * (m + 1))
            if n > 0 && m > 0 {
                for x in stride(from: n - 1, through: 0, by: -1) {
                    for y in stride(from: m - 1, through: 0, by: -1) {
                        lengths[x * (m + 1) + y] = oldMiddle[x] == newMiddle[y]
                            ? lengths[(x + 1) * (m + 1) + y + 1] + 1
                            : max(lengths[(x + 1) * (m + 1) + y], lengths[x * (m + 1) + y + 1])
                    }
                }
            }
            var x = 0, y = 0
            while x < n || y < m {
                if x < n && y < m && oldMiddle[x] == newMiddle[y] {
                    keep(1)
                    x += 1
                    y += 1
                } else if x < n && (y == m || lengths[(x + 1) * (m + 1) + y] >= lengths[x * (m + 1) + y + 1]) {
                    edits.append(Edit(kind: .delete, text: oldMiddle[x], oldLine: i, newLine: j))
                    i += 1
                    x += 1
                } else {
                    edits.append(Edit(kind: .insert, text: newMiddle[y], oldLine: i, newLine: j))
                    j += 1
                    y += 1
                }
            }
        } else {
            for line in oldMiddle {
                edits.append(Edit(kind: .delete, text: line, oldLine: i, newLine: j))
                i += 1
            }
            for line in newMiddle {
                edits.append(Edit(kind: .insert, text: line, oldLine: i, newLine: j))
                j += 1
            }
        }
        keep(suffix)
        return edits
    }
}
