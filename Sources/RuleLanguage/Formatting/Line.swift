/// One output line of the formatter: indentation, code, and a comment (trailing, or alone).
struct Line {
    var indent: Int
    var code: String
    var comment: String?
    /// In a segment's first line, where the padding that aligns its `=` goes.
    var segmentNameEnd: Int?

    init(indent: Int, code: String, comment: String?) {
        self.indent = indent
        self.code = code
        self.comment = comment
    }

    var isBlank: Bool { code.isEmpty && comment == nil }

    var text: String {
        if isBlank { return "" }
        let pad = String(repeating: " ", count: indent)
        guard let comment else { return pad + code }
        return code.isEmpty ? pad + comment : pad + code + "  " + comment
    }

    /// Aligns the `=` of the segments in each run of lines without a blank line.
    static func alignSegments(_ lines: inout [Line]) {
        forEachRun(of: &lines, where: { !$0.isBlank }) { run in
            let widths = run.compactMap { line in line.segmentNameEnd.map { line.indent + $0 } }
            guard let widest = widths.max(), widths.count > 1 else { return }
            for index in run.indices {
                guard let end = run[index].segmentNameEnd else { continue }
                let code = run[index].code
                let split = code.index(code.startIndex, offsetBy: end)
                let padding = String(repeating: " ", count: widest - run[index].indent - end)
                run[index].code = String(code[..<split]) + padding + String(code[split...])
                run[index].segmentNameEnd = widest - run[index].indent
            }
        }
    }

    /// Aligns the trailing comments of consecutive lines, two spaces after the longest code.
    static func alignComments(_ lines: inout [Line]) {
        forEachRun(of: &lines, where: { !$0.code.isEmpty && $0.comment != nil }) { run in
            guard run.count > 1 else { return }
            let widest = run.map { $0.indent + $0.code.count }.max()!
            for index in run.indices {
                run[index].code += String(repeating: " ", count: widest - run[index].indent - run[index].code.count)
            }
        }
    }

    private static func forEachRun(
        of lines: inout [Line], where belongs: (Line) -> Bool, _ body: (inout ArraySlice<Line>) -> Void
    ) {
        var start = 0
        while start < lines.count {
            guard belongs(lines[start]) else {
                start += 1
                continue
            }
            var end = start
            while end < lines.count && belongs(lines[end]) { end += 1 }
            body(&lines[start..<end])
            start = end
        }
    }
}
