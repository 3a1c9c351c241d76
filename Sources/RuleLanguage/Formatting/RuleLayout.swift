/// Lays out one parsed rule file, token by token, in the canonical layout.
///
/// The parser's structure says where declarations, clauses and steps begin and end; the tokens
/// say what to print. Every token is printed exactly once, from its source text, so a clause the
/// layout does not know is still printed whole, on one line. Comments come from the lexer and are
/// attached to the token before them (on the same line: a trailing comment) or after them (on
/// their own lines: leading comments, which move with their clause).
struct RuleLayout {
    static let indentWidth = 2
    /// Extra indentation of a clause's continuation lines.
    static let continuationWidth = 4
    /// The widest line a one-line step may make.
    static let oneLineLimit = 100

    private let file: SourceFile
    private let tokens: [Token]
    private let gaps: [Gap]
    private let startIndex: [Int: Int]
    private let endIndex: [Int: Int]
    private(set) var lines: [Line] = []
    private var current: Line?

    init(file: SourceFile, tokens: [Token], comments: [Range<Int>]) {
        self.file = file
        self.tokens = tokens
        self.gaps = Gap.all(tokens: tokens, comments: comments, in: file)
        var starts: [Int: Int] = [:], ends: [Int: Int] = [:]
        for (index, token) in tokens.enumerated() where token.kind != .endOfFile {
            starts[token.range.lowerBound] = index
            ends[token.range.upperBound] = index
        }
        startIndex = starts
        endIndex = ends
    }

    /// One piece of the body of a block or file, in output order.
    private indirect enum Unit {
        /// Tokens `first...last` as one clause (or a one-line step), breaking only at comments and
        /// at `and`/`or` where the source broke the line.
        case run(first: Int, last: Int, segment: Bool)
        /// `KEYWORD "NAME" {`, the units inside, `}`.
        case block(first: Int, open: Int, close: Int, units: [Unit])

        var first: Int {
            switch self {
            case .run(let first, _, _), .block(let first, _, _, _): first
            }
        }
    }

    /// Lays out the whole file; false if the syntax does not match the tokens (never for a file
    /// that parsed without errors).
    mutating func lay(_ syntax: RuleFileSyntax) -> Bool {
        var previousWasBlock: Bool?
        for (position, declaration) in syntax.declarations.enumerated() {
            let unit: Unit?
            switch declaration {
            case .segment(let segment):
                // A segment's range ends with its condition's, which leaves out the closing
                // parentheses of a condition written wholly in parentheses: the segment runs up
                // to the next declaration.
                let next = syntax.declarations.dropFirst(position + 1).first.map(Self.start) ?? file.bytes.count
                unit = run(segment.range.lowerBound..<next, segment: true)
            case .rule(let rule):
                let units = rule.clauses.map { run($0.range) }
                let order = ClauseOrder.sorted(rule.clauses.map(\.keyword.rawValue), by: ClauseOrder.rule)
                unit = block(rule.range, units: order.map { units[$0] })
            case .journey(let journey):
                var units: [Unit?] = []
                for clause in journey.clauses {
                    if case .step(let step) = clause.kind {
                        units.append(stepUnit(step))
                    } else {
                        units.append(run(clause.range))
                    }
                }
                let order = ClauseOrder.sortedJourney(journey.clauses.map(\.keyword.rawValue))
                unit = block(journey.range, units: order.map { units[$0] })
            }
            guard let unit else { return false }
            let isBlock = if case .block = unit { true } else { false }
            let separate = previousWasBlock.map { $0 || isBlock } ?? false
            leading(gaps[unit.first], indent: 0, blank: separate)
            emit(unit, indent: 0)
            previousWasBlock = isBlock
        }
        let end = tokens.count - 1
        leading(gaps[end], indent: 0, blank: false, beforeToken: false)
        flush()
        return true
    }

    /// The lines as text, segment `=` and trailing comments aligned, ending in a line break.
    func render() -> String {
        var lines = self.lines
        while lines.last?.isBlank == true { lines.removeLast() }
        Line.alignSegments(&lines)
        Line.alignComments(&lines)
        return lines.map { $0.text + "\n" }.joined()
    }

    // MARK: Units from the syntax

    private func run(_ range: Range<Int>, segment: Bool = false) -> Unit? {
        guard let first = startIndex[range.lowerBound] else { return nil }
        if segment {
            // The last token before the end of the range.
            var last = first
            while last + 1 < tokens.count - 1 && tokens[last + 1].range.lowerBound < range.upperBound { last += 1 }
            return .run(first: first, last: last, segment: true)
        }
        guard let last = endIndex[range.upperBound] else { return nil }
        return .run(first: first, last: last, segment: false)
    }

    private static func start(of declaration: RuleFileSyntax.Declaration) -> Int {
        switch declaration {
        case .segment(let segment): segment.range.lowerBound
        case .rule(let rule): rule.range.lowerBound
        case .journey(let journey): journey.range.lowerBound
        }
    }

    private func block(_ range: Range<Int>, units: [Unit?]) -> Unit? {
        guard let first = startIndex[range.lowerBound], let close = endIndex[range.upperBound],
            first + 2 < tokens.count, tokens[first + 2].kind == .leftBrace, tokens[close].kind == .rightBrace
        else { return nil }
        let present = units.compactMap { $0 }
        guard present.count == units.count else { return nil }
        return .block(first: first, open: first + 2, close: close, units: present)
    }

    /// A step: on one line when it was written on one line with one clause, no comments, and fits.
    private func stepUnit(_ step: StepDeclaration) -> Unit? {
        let units = step.clauses.map { run($0.range) }
        let order = ClauseOrder.sorted(step.clauses.map(\.keyword.rawValue), by: ClauseOrder.step)
        guard let unit = block(step.range, units: order.map { units[$0] }),
            case .block(let first, _, let close, _) = unit
        else { return nil }
        let commentFree = (first + 1...close).allSatisfy { gaps[$0].trailing == nil && gaps[$0].ownLine.isEmpty }
        if step.clauses.count == 1, commentFree,
            file.line(of: tokens[first].range.lowerBound) == file.line(of: tokens[close].range.lowerBound)
        {
            return .run(first: first, last: close, segment: false)
        }
        return unit
    }

    // MARK: Emitting

    private mutating func emit(_ unit: Unit, indent: Int) {
        switch unit {
        case .run(let first, let last, let segment):
            if !segment, tokens[first].kind == .keyword(.step), inlineWidth(first...last) + indent > Self.oneLineLimit,
                let expanded = expandedStep(first: first, close: last)
            {
                emit(expanded, indent: indent)
                return
            }
            emitRun(first...last, indent: indent, segment: segment)
        case .block(let first, let open, let close, let units):
            let empty = units.isEmpty && gaps[close].ownLine.isEmpty && gaps[open + 1].trailing == nil
            if empty {
                emitRun(first...close, indent: indent)
                return
            }
            emitRun(first...open, indent: indent)
            let inner = indent + Self.indentWidth
            for (position, unit) in units.enumerated() {
                leading(gaps[unit.first], indent: inner, blank: false, atStart: position == 0)
                emit(unit, indent: inner)
            }
            leading(gaps[close], indent: inner, blank: false, atStart: units.isEmpty, beforeToken: false)
            emitRun(close...close, indent: indent)
        }
    }

    /// A one-line step too wide for one line, as a block.
    private func expandedStep(first: Int, close: Int) -> Unit? {
        guard first + 3 <= close - 1 else { return nil }
        return .block(first: first, open: first + 2, close: close, units: [.run(first: first + 3, last: close - 1, segment: false)])
    }

    /// Tokens on a line of their own at `indent`, continuation lines deeper; then the trailing
    /// comment of the last token.
    private mutating func emitRun(_ indices: ClosedRange<Int>, indent: Int, segment: Bool = false) {
        let continuation = indent + Self.continuationWidth
        startLine(indent)
        var onFirstLine = true
        for index in indices {
            if index > indices.lowerBound {
                let gap = gaps[index]
                var broke = false
                if let trailing = gap.trailing {
                    current?.comment = trailing
                    broke = true
                }
                for comment in gap.ownLine {
                    flush()
                    lines.append(Line(indent: continuation, code: "", comment: comment.text))
                    broke = true
                }
                if broke || breaksBefore(index, within: indices) {
                    startLine(continuation)
                    onFirstLine = false
                }
            }
            if segment && onFirstLine && index == indices.lowerBound + 2 && tokens[index].kind == .equal {
                let end = current?.code.count
                current?.segmentNameEnd = end
            }
            append(index)
        }
        if let trailing = gaps[indices.upperBound + 1].trailing { current?.comment = trailing }
        flush()
    }

    /// A line break goes before `and` or `or` when the source broke the line next to it.
    private func breaksBefore(_ index: Int, within indices: ClosedRange<Int>) -> Bool {
        guard tokens[index].kind == .keyword(.and) || tokens[index].kind == .keyword(.or) else { return false }
        if gaps[index].hasNewline { return true }
        guard index < indices.upperBound else { return false }
        let after = gaps[index + 1]
        return after.hasNewline && after.trailing == nil && after.ownLine.isEmpty
    }

    /// Own-line comments before a unit (or before a closing brace, or the end of the file), with
    /// the blank lines between them kept (runs collapsed to one). `blank` forces one blank line
    /// before it all; `atStart` drops a blank line before the first thing.
    private mutating func leading(_ gap: Gap, indent: Int, blank: Bool, atStart: Bool = false, beforeToken: Bool = true) {
        flush()
        var needBlank = blank
        var first = true
        for comment in gap.ownLine {
            if comment.blankBefore { needBlank = true }
            if needBlank && !(first && atStart) { addBlank() }
            needBlank = false
            first = false
            lines.append(Line(indent: indent, code: "", comment: comment.text))
        }
        // Before a closing brace or the end of the file, a blank line separates nothing.
        if beforeToken {
            if gap.blankBeforeToken { needBlank = true }
            if needBlank && !(first && atStart) { addBlank() }
        }
    }

    private mutating func addBlank() {
        guard let last = lines.last, !last.isBlank else { return }
        lines.append(Line(indent: 0, code: "", comment: nil))
    }

    private mutating func startLine(_ indent: Int) {
        flush()
        current = Line(indent: indent, code: "", comment: nil)
    }

    private mutating func flush() {
        if let line = current, !line.code.isEmpty || line.comment != nil { lines.append(line) }
        current = nil
    }

    private mutating func append(_ index: Int) {
        guard var line = current else { return }
        if !line.code.isEmpty, index > 0 {
            line.code += Self.separator(after: tokens[index - 1].kind, before: tokens[index].kind)
        }
        line.code += text(of: index)
        current = line
    }

    private func text(of index: Int) -> String {
        tokens[index].kind == .equal ? "=" : file.text(tokens[index].range)
    }

    /// The width of tokens laid out on one line.
    private func inlineWidth(_ indices: ClosedRange<Int>) -> Int {
        var width = 0
        for index in indices {
            if index > indices.lowerBound {
                width += Self.separator(after: tokens[index - 1].kind, before: tokens[index].kind).count
            }
            width += text(of: index).count
        }
        return width
    }

    /// What goes between two tokens on a line: one space, or nothing around `-` (in
    /// `21:00-08:00`), inside parentheses, before `,` and `%`, and in an empty `{}`.
    static func separator(after previous: Token.Kind, before next: Token.Kind) -> String {
        switch (previous, next) {
        case (.leftBrace, .rightBrace), (.leftParen, _), (.minus, _), (_, .minus), (_, .rightParen), (_, .comma),
            (_, .percent):
            ""
        default:
            " "
        }
    }

    /// A comment's text without trailing white space (a CR of a CRLF line, tabs, spaces).
    static func trimmedComment(_ text: String) -> String {
        var text = Substring(text)
        while let last = text.last, last == " " || last == "\t" || last == "\r" || last == "\r\n" { text.removeLast() }
        return String(text)
    }
}
