import Foundation

/// Checks parsed rule files as one set: duplicate names across files, segment cycles, clause
/// rules, channels, templates and endpoints, and every condition's names and types; journeys in
/// `RuleChecker+Journeys`.
struct RuleChecker {
    let files: [RuleFileSyntax]
    let environment: CheckEnvironment?
    var diagnostics: DiagnosticCollector

    /// The rule set if no errors were found (warnings allowed).
    mutating func check() -> RuleSet? {
        let segmentNames = Set(files.flatMap { $0.segments.map(\.name) })
        let sendNames = Self.sendNames(in: files)
        var firstSegments: [String: (SegmentDeclaration, SourceFile)] = [:]
        var firstRules: [String: (RuleDeclaration, SourceFile)] = [:]
        var segments: [String: Segment] = [:]
        var segmentOrder: [String] = []
        var segmentDependencies: [String: [String]] = [:]
        var rules: [Rule] = []
        var firstJourneys: [String: (JourneyDeclaration, SourceFile)] = [:]
        var journeys: [Journey] = []
        var hadDeclarationErrors = false

        for syntax in files {
            let file = syntax.file
            for declaration in syntax.declarations {
                switch declaration {
                case .segment(let declaration):
                    if let (first, firstFile) = firstSegments[declaration.name] {
                        duplicate("segment", declaration.name, at: declaration.nameRange, in: file, first: first.nameRange, in: firstFile)
                        hadDeclarationErrors = true
                        continue
                    }
                    firstSegments[declaration.name] = (declaration, file)
                    segmentOrder.append(declaration.name)
                    if FactCatalog.reservedSegmentNames.contains(declaration.name) {
                        diagnostics.error(
                            "'\(declaration.name)' is a built-in fact and cannot name a segment", in: file,
                            at: declaration.nameRange, hint: "choose another name")
                        hadDeclarationErrors = true
                    }
                    var checker = ConditionChecker(
                        file: file, segmentNames: segmentNames, sendNames: sendNames, diagnostics: diagnostics)
                    let condition = checker.check(declaration.condition)
                    diagnostics = checker.diagnostics
                    segmentDependencies[declaration.name] = Self.segmentReferences(
                        in: declaration.condition, segmentNames: segmentNames)
                    if let condition {
                        segments[declaration.name] = Segment(
                            name: declaration.name, condition: condition, file: file,
                            nameRange: declaration.nameRange, range: declaration.range)
                    }
                case .rule(let declaration):
                    if let (first, firstFile) = firstRules[declaration.name] {
                        duplicate("rule", declaration.name, at: declaration.nameRange, in: file, first: first.nameRange, in: firstFile)
                        hadDeclarationErrors = true
                    } else {
                        firstRules[declaration.name] = (declaration, file)
                    }
                    if let rule = checkRule(declaration, in: file, segmentNames: segmentNames, sendNames: sendNames) { rules.append(rule) }
                case .journey(let declaration):
                    if let (first, firstFile) = firstJourneys[declaration.name] {
                        duplicate("journey", declaration.name, at: declaration.nameRange, in: file, first: first.nameRange, in: firstFile)
                        hadDeclarationErrors = true
                    } else {
                        firstJourneys[declaration.name] = (declaration, file)
                    }
                    if let journey = checkJourney(declaration, in: file, segmentNames: segmentNames, sendNames: sendNames) {
                        journeys.append(journey)
                    }
                }
            }
        }
        checkSendNamesAreDistinct(rules: firstRules, journeys: firstJourneys)
        let ordered = orderSegments(segmentOrder, segmentDependencies, firstSegments)
        guard !hadDeclarationErrors, diagnostics.errorCount == 0, let ordered else { return nil }
        return RuleSet(
            rules: rules, segments: ordered.compactMap { segments[$0] }, files: files.map(\.file), journeys: journeys)
    }

    mutating func duplicate(
        _ kind: String, _ name: String, at range: Range<Int>, in file: SourceFile, first: Range<Int>,
        in firstFile: SourceFile
    ) {
        guard !diagnostics.isSaturated(file) else {
            // Only counted from here on; skip the (line-length) work of locating the first one.
            diagnostics.error("duplicate \(kind) '\(name)'", in: file, at: range)
            return
        }
        let firstLocation = "\(firstFile.name):\(firstFile.location(of: first.lowerBound))"
        diagnostics.error(
            "duplicate \(kind) '\(name)'", in: file, at: range,
            hint: "first defined at \(firstLocation)",
            notes: [Diagnostic.Note("'\(name)' first defined here", file: firstFile, range: first)])
    }

    /// A clause written twice in a rule or step: reported at the second, with a note at the first.
    mutating func duplicateClause(_ clause: ClauseSyntax, first: ClauseSyntax, in place: String, owner: String, file: SourceFile) {
        let written = clause.keyword == .quiet ? "quiet hours" : clause.keyword.rawValue
        diagnostics.error(
            "duplicate '\(written)' clause in \(place)", in: file, at: clause.keywordRange,
            hint: "\(owner) has at most one '\(written)' clause",
            notes: [Diagnostic.Note("first '\(written)' clause here", file: file, range: first.range)])
    }

    // MARK: Rules

    /// The names `received "…"` may refer to: every rule's name and every journey step's
    /// `JOURNEY/STEP` (the name its sends carry, `Journey.sendName(of:)`). The one place this set
    /// is made.
    static func sendNames(in files: [RuleFileSyntax]) -> Set<String> {
        var names: Set<String> = []
        for syntax in files {
            for declaration in syntax.declarations {
                switch declaration {
                case .rule(let rule) where !rule.name.isEmpty:
                    names.insert(rule.name)
                case .journey(let journey) where !journey.name.isEmpty:
                    for case .step(let step) in journey.clauses.map(\.kind) where !step.name.isEmpty {
                        names.insert("\(journey.name)/\(step.name)")
                    }
                default:
                    break
                }
            }
        }
        return names
    }

    private mutating func checkRule(
        _ declaration: RuleDeclaration, in file: SourceFile, segmentNames: Set<String>, sendNames: Set<String>
    ) -> Rule? {
        let errorsBefore = diagnostics.errorCount
        var seen: [Keyword: ClauseSyntax] = [:]
        var condition: Condition?
        var send: (Channel, String)?
        var variants: [SendVariant] = []
        var winner: WinnerPolicy?
        var limit: SendLimit?
        var holdout: Decimal = 0
        var quietHours: QuietHours?
        var priority = 0
        var activeWindow: ActiveWindow?
        var description: String?
        var purpose: MessagePurpose?
        var couponPool: String?

        if declaration.name.isEmpty {
            diagnostics.error("rule name is empty", in: file, at: declaration.nameRange)
        } else if declaration.name.contains("/") {
            diagnostics.error(
                "rule name cannot contain '/'", in: file, at: declaration.nameRange,
                hint: "'/' separates a journey from its step, as in received \"JOURNEY/STEP\"")
        }
        for clause in declaration.clauses {
            if let first = seen[clause.keyword] {
                duplicateClause(clause, first: first, in: "rule '\(declaration.name)'", owner: "a rule", file: file)
                continue
            }
            seen[clause.keyword] = clause
            switch clause.kind {
            case .description(let text):
                description = text
            case .when(let expression):
                condition = checkCondition(expression, in: file, segmentNames: segmentNames, sendNames: sendNames)
            case .send(let channelName, let channelRange, let target, let targetRange):
                send = checkSend(channelName, channelRange, target, targetRange, in: file)
            case .sendVariants(let channelName, let channelRange, let written):
                if let checked = checkVariants(channelName, channelRange, written, in: file) {
                    send = (checked.channel, checked.variants[0].target)
                    variants = checked.variants
                }
            case .winner(let policy):
                winner = policy
            case .limit(let value):
                limit = value
            case .holdout(let percent):
                if percent < 0 || percent >= 100 {
                    diagnostics.error(
                        "holdout must be at least 0% and less than 100%", in: file, at: clause.range,
                        hint: "a holdout of \(percent)% would leave nobody to send to")
                }
                holdout = percent
            case .quietHours(let hours):
                quietHours = hours
            case .priority(let value):
                priority = value
            case .active(let window):
                activeWindow = window
            case .purpose(let word, let range):
                purpose = checkPurpose(word, at: range, in: file)
            case .couponPool(let pool, let range):
                couponPool = checkCouponPool(pool, at: range, in: file)
            }
        }
        if seen[.when] == nil && !declaration.brokenClauses.contains(.when) {
            diagnostics.error(
                "rule '\(declaration.name)' has no 'when' clause", in: file, at: declaration.nameRange,
                hint: "add a condition, e.g. 'when orders >= 1'")
        }
        if seen[.send] == nil && !declaration.brokenClauses.contains(.send) {
            diagnostics.error(
                "rule '\(declaration.name)' has no 'send' clause", in: file, at: declaration.nameRange,
                hint: "add e.g. 'send email \"TEMPLATE\"'")
        }
        if seen[.limit] == nil && !declaration.brokenClauses.contains(.limit) && diagnostics.errorCount == errorsBefore {
            diagnostics.warning(
                "rule '\(declaration.name)' has no 'limit'; it may send to the same customer on every tick",
                in: file, at: declaration.nameRange, hint: "add e.g. 'limit once per 30 days', or 'limit once'")
        }
        if let winnerClause = seen[.winner], case .send = seen[.send]?.kind {
            winnerWithoutVariants(winnerClause, in: file)
        }
        guard diagnostics.errorCount == errorsBefore, let condition, let (channel, target) = send else { return nil }
        let chosen = purpose ?? MessagePurpose.defaultPurpose(for: channel)
        warnIfMarketing(
            chosen, channel: channel, target: target, couponPool: couponPool, owner: "rule '\(declaration.name)'",
            at: seen[.purpose]?.range ?? declaration.nameRange, in: file)
        return Rule(
            name: declaration.name, description: description, condition: condition, channel: channel, target: target,
            variants: variants, winner: winner, limit: limit ?? .unlimited, holdoutPercent: holdout, quietHours: quietHours,
            priority: priority, activeWindow: activeWindow, purpose: chosen, couponPool: couponPool, file: file,
            nameRange: declaration.nameRange, range: declaration.range)
    }

    mutating func checkSend(
        _ channelName: String, _ channelRange: Range<Int>, _ target: String, _ targetRange: Range<Int>,
        in file: SourceFile
    ) -> (Channel, String)? {
        guard let channel = Channel(rawValue: channelName) else {
            let suggestion = EditDistance.suggestion(for: channelName, among: Channel.allCases.map(\.rawValue))
            diagnostics.error(
                "unknown channel '\(channelName)'", in: file, at: channelRange,
                hint: suggestion.map { "did you mean '\($0)'?" } ?? "channels are email, letter and webhook")
            return nil
        }
        guard !target.isEmpty else {
            diagnostics.error("empty \(channel == .webhook ? "endpoint" : "template") name", in: file, at: targetRange)
            return nil
        }
        guard let environment else { return (channel, target) }
        let known: Set<String>
        let what: String
        let expected: String
        let directory = environment.templatesDirectory.map { $0.hasSuffix("/") ? $0 : $0 + "/" } ?? ""
        switch channel {
        case .email:
            known = environment.emailTemplates
            what = "email template"
            expected = "expected \(directory)email/\(target).subject.mustache and \(directory)email/\(target).text.mustache"
        case .letter:
            known = environment.letterTemplates
            what = "letter template"
            expected = "expected \(directory)letter/\(target).html.mustache"
        case .webhook:
            known = environment.webhookEndpoints
            what = "webhook endpoint"
            expected = "endpoints are configured under channels.webhook.endpoints"
        }
        guard known.contains(target) else {
            let suggestion = EditDistance.suggestion(for: target, among: known.sorted())
            diagnostics.error(
                "unknown \(what) '\(target)'", in: file, at: targetRange,
                hint: suggestion.map { "did you mean '\($0)'?" } ?? expected)
            return nil
        }
        return (channel, target)
    }

    // MARK: Segment cycles

    /// Segment names a condition mentions, read from the syntax so that cycles are found even
    /// when a segment's condition has other errors.
    static func segmentReferences(in expression: ExpressionSyntax, segmentNames: Set<String>) -> [String] {
        var names: [String] = []
        func visit(_ expression: ExpressionSyntax) {
            switch expression.kind {
            case .and(let parts), .or(let parts): parts.forEach(visit)
            case .not(let inner, _): visit(inner)
            case .operand(.fact(let reference)), .comparison(.fact(let reference), _, _),
                .membership(.fact(let reference), _):
                if reference.words.count == 1, segmentNames.contains(reference.phrase),
                    FactCatalog.definition(for: reference.phrase) == nil, !names.contains(reference.phrase)
                {
                    names.append(reference.phrase)
                }
                // `entered S` / `left S` depend on S too.
                if reference.words.count == 2, SegmentTransition(rawValue: reference.words[0]) != nil,
                    segmentNames.contains(reference.words[1]), !names.contains(reference.words[1])
                {
                    names.append(reference.words[1])
                }
            default: break
            }
        }
        visit(expression)
        return names
    }

    /// Segment names ordered dependencies-first, or nil after reporting every cycle.
    private mutating func orderSegments(
        _ names: [String], _ dependenciesByName: [String: [String]],
        _ declarations: [String: (SegmentDeclaration, SourceFile)]
    ) -> [String]? {
        enum State { case visiting, done }
        var state: [String: State] = [:]
        var order: [String] = []
        var foundCycle = false
        // Iterative depth-first search, so a long chain of segments cannot overflow the stack.
        for root in names where state[root] == nil {
            var stack: [(name: String, next: Int)] = [(root, 0)]
            state[root] = .visiting
            while let top = stack.last {
                let dependencies = dependenciesByName[top.name] ?? []
                if top.next < dependencies.count {
                    stack[stack.count - 1].next += 1
                    let dependency = dependencies[top.next]
                    switch state[dependency] {
                    case nil:
                        state[dependency] = .visiting
                        stack.append((dependency, 0))
                    case .visiting:
                        let start = stack.firstIndex { $0.name == dependency }!
                        let cycle = stack[start...].map(\.name) + [dependency]
                        let (declaration, file) = declarations[dependency]!
                        diagnostics.error(
                            "segments form a cycle: \(cycle.joined(separator: " -> "))", in: file,
                            at: declaration.nameRange, hint: "a segment cannot depend on itself")
                        foundCycle = true
                    case .done:
                        break
                    }
                } else {
                    state[top.name] = .done
                    order.append(top.name)
                    stack.removeLast()
                }
            }
        }
        return foundCycle ? nil : order
    }
}
