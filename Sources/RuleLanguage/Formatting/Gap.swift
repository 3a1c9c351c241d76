/// What lies between two tokens: comments and line breaks.
struct Gap {
    /// An own-line comment, and whether a blank line was before it.
    struct Comment {
        let text: String
        let blankBefore: Bool
    }

    /// A comment on the same line as the token before the gap.
    var trailing: String?
    var ownLine: [Comment] = []
    /// A blank line between the last comment (or the token before) and the token after.
    var blankBeforeToken = false
    var hasNewline = false

    /// The gap before each token (`gaps[i]` lies before `tokens[i]`; the last is before the end of
    /// the file).
    static func all(tokens: [Token], comments: [Range<Int>], in file: SourceFile) -> [Gap] {
        let bytes = file.bytes
        func newlines(_ range: Range<Int>) -> Int {
            range.isEmpty ? 0 : bytes[range].reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
        }
        var gaps: [Gap] = []
        gaps.reserveCapacity(tokens.count)
        var next = 0
        for (index, token) in tokens.enumerated() {
            let start = index == 0 ? 0 : tokens[index - 1].range.upperBound
            var gap = Gap()
            var cursor = start
            while next < comments.count && comments[next].lowerBound < token.range.lowerBound {
                let comment = comments[next]
                next += 1
                guard comment.lowerBound >= start else { continue }
                let breaks = newlines(cursor..<comment.lowerBound)
                let text = RuleLayout.trimmedComment(file.text(comment))
                if index > 0 && breaks == 0 && cursor == start {
                    gap.trailing = text
                } else {
                    gap.ownLine.append(Comment(text: text, blankBefore: breaks >= 2))
                }
                cursor = comment.upperBound
            }
            gap.blankBeforeToken = newlines(cursor..<token.range.lowerBound) >= 2
            gap.hasNewline = newlines(start..<token.range.lowerBound) > 0
            gaps.append(gap)
        }
        return gaps
    }
}
