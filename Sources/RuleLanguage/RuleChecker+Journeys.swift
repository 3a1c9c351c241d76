import Foundation

/// Journeys: clauses, steps and waits, conditions checked as a rule's `when`, and names that
/// must not collide with rules (sends of both share the send log).
extension RuleChecker {
    mutating func checkJourney(
        _ declaration: JourneyDeclaration, in file: SourceFile, segmentNames: Set<String>, sendNames: Set<String>
    ) -> Journey? {
        let errorsBefore = diagnostics.errorCount
        let name = declaration.name
        checkName(name, of: "journey", at: declaration.nameRange, in: file)
        var seen: [Keyword: JourneyClauseSyntax] = [:]
        var entry: Condition?
        var exit: Condition?
        var reenterAfterDays: Int?
        var holdout: Decimal = 0
        var priority = 0
        var description: String?
        var steps: [JourneyStep] = []
        var firstSteps: [String: StepDeclaration] = [:]
        var pendingWait: (wait: JourneyWait, clause: JourneyClauseSyntax)?
        var hasStep = false
        // A step that did not parse may sit between two waits or after the last one: say nothing more.
        let stepsComplete = !declaration.brokenClauses.contains(.step)

        for clause in declaration.clauses {
            switch clause.kind {
            case .step(let step):
                hasStep = true
                if let first = firstSteps[step.name] {
                    diagnostics.error(
                        "duplicate step '\(step.name)' in journey '\(name)'", in: file, at: step.nameRange,
                        hint: "step names are unique within a journey",
                        notes: [Diagnostic.Note("first step '\(step.name)' here", file: file, range: first.nameRange)])
                } else {
                    firstSteps[step.name] = step
                }
                let checked = checkStep(step, waitBefore: pendingWait?.wait, journey: name, in: file, segmentNames: segmentNames, sendNames: sendNames)
                if let checked { steps.append(checked) }
                pendingWait = nil
                continue
            case .wait(let days, let at):
                if let first = pendingWait, stepsComplete {
                    diagnostics.error(
                        "two waits in a row in journey '\(name)'", in: file, at: clause.range,
                        hint: "write one 'wait' between two steps",
                        notes: [Diagnostic.Note("the first wait", file: file, range: first.clause.range)])
                }
                pendingWait = (JourneyWait(days: days, at: at, range: clause.range), clause)
                continue
            default:
                break
            }
            if let first = seen[clause.keyword] {
                let written = clause.keyword.rawValue
                diagnostics.error(
                    "duplicate '\(written)' clause in journey '\(name)'", in: file, at: clause.keywordRange,
                    hint: "a journey has at most one '\(written)' clause",
                    notes: [Diagnostic.Note("first '\(written)' clause here", file: file, range: first.range)])
                continue
            }
            seen[clause.keyword] = clause
            switch clause.kind {
            case .description(let text):
                description = text
            case .enter(let expression):
                entry = checkCondition(expression, in: file, segmentNames: segmentNames, sendNames: sendNames)
            case .exit(let expression):
                exit = checkCondition(expression, in: file, segmentNames: segmentNames, sendNames: sendNames)
            case .reenter(let days):
                reenterAfterDays = days
            case .holdout(let percent):
                if percent < 0 || percent >= 100 {
                    diagnostics.error(
                        "holdout must be at least 0% and less than 100%", in: file, at: clause.range,
                        hint: "a holdout of \(percent)% would leave nobody to send to")
                }
                holdout = percent
            case .priority(let value):
                priority = value
            case .step, .wait:
                break
            }
        }
        if let pendingWait, stepsComplete {
            diagnostics.error(
                "'wait' at the end of journey '\(name)' has no step after it", in: file, at: pendingWait.clause.range,
                hint: "a wait delays the step after it: add a step or remove the wait")
        }
        if seen[.enter] == nil && !declaration.brokenClauses.contains(.enter) {
            diagnostics.error(
                "journey '\(name)' has no 'enter' clause", in: file, at: declaration.nameRange,
                hint: "say who enters, e.g. 'enter when orders = 1 and consent email'")
        }
        if !hasStep && stepsComplete {
            diagnostics.error(
                "journey '\(name)' has no steps", in: file, at: declaration.nameRange,
                hint: "add e.g. 'step \"thanks\" { send email \"TEMPLATE\" }'")
        }
        guard diagnostics.errorCount == errorsBefore, let entry else { return nil }
        return Journey(
            name: name, description: description, entry: entry, exit: exit, reenterAfterDays: reenterAfterDays,
            holdoutPercent: holdout, priority: priority, steps: steps, file: file, nameRange: declaration.nameRange,
            range: declaration.range)
    }

    private mutating func checkStep(
        _ step: StepDeclaration, waitBefore: JourneyWait?, journey: String, in file: SourceFile,
        segmentNames: Set<String>, sendNames: Set<String>
    ) -> JourneyStep? {
        let errorsBefore = diagnostics.errorCount
        checkName(step.name, of: "step", at: step.nameRange, in: file)
        var seen: [Keyword: ClauseSyntax] = [:]
        var condition: Condition?
        var send: (Channel, String)?
        var variants: [SendVariant] = []
        var quietHours: QuietHours?
        var purpose: MessagePurpose?
        var couponPool: String?
        for clause in step.clauses {
            if let first = seen[clause.keyword] {
                duplicateClause(clause, first: first, in: "step '\(step.name)'", owner: "a step", file: file)
                continue
            }
            seen[clause.keyword] = clause
            switch clause.kind {
            case .when(let expression):
                condition = checkCondition(expression, in: file, segmentNames: segmentNames, sendNames: sendNames)
            case .send(let channelName, let channelRange, let target, let targetRange):
                send = checkSend(channelName, channelRange, target, targetRange, in: file)
            case .sendVariants(let channelName, let channelRange, let written):
                if let checked = checkVariants(channelName, channelRange, written, in: file) {
                    send = (checked.channel, checked.variants[0].target)
                    variants = checked.variants
                }
            case .quietHours(let hours):
                quietHours = hours
            case .purpose(let word, let range):
                purpose = checkPurpose(word, at: range, in: file)
            case .couponPool(let pool, let range):
                couponPool = checkCouponPool(pool, at: range, in: file)
            default:
                break  // The parser builds only when, send, quiet hours, purpose and coupon inside a step.
            }
        }
        if seen[.send] == nil && !step.brokenClauses.contains(.send) {
            diagnostics.error(
                "step '\(step.name)' in journey '\(journey)' has no 'send' clause", in: file, at: step.nameRange,
                hint: "add e.g. 'send email \"TEMPLATE\"'")
        }
        guard diagnostics.errorCount == errorsBefore, let (channel, target) = send else { return nil }
        let chosen = purpose ?? MessagePurpose.defaultPurpose(for: channel)
        warnIfMarketing(
            chosen, channel: channel, target: target, couponPool: couponPool, owner: "step '\(step.name)'",
            at: seen[.purpose]?.range ?? step.nameRange, in: file)
        return JourneyStep(
            name: step.name, waitBefore: waitBefore, condition: condition, channel: channel, target: target,
            variants: variants, quietHours: quietHours, purpose: chosen, couponPool: couponPool, nameRange: step.nameRange,
            range: step.range)
    }

    /// A journey's or step's name: not empty, and without `/` (sends are logged as `JOURNEY/STEP`).
    private mutating func checkName(_ name: String, of what: String, at range: Range<Int>, in file: SourceFile) {
        if name.isEmpty {
            diagnostics.error("\(what) name is empty", in: file, at: range)
        } else if name.contains("/") {
            diagnostics.error(
                "\(what) names cannot contain '/'", in: file, at: range,
                hint: "a journey's sends are logged as 'JOURNEY/STEP'")
        }
    }

    mutating func checkCondition(
        _ expression: ExpressionSyntax, in file: SourceFile, segmentNames: Set<String>, sendNames: Set<String>
    ) -> Condition? {
        var checker = ConditionChecker(file: file, segmentNames: segmentNames, sendNames: sendNames, diagnostics: diagnostics)
        let condition = checker.check(expression)
        diagnostics = checker.diagnostics
        return condition
    }

    /// Rules and journeys share the send log, `log` and `report`, so a journey may not be named
    /// like a rule. (A rule cannot be named like a step's `JOURNEY/STEP`: `/` is not allowed in
    /// rule names.)
    mutating func checkSendNamesAreDistinct(
        rules: [String: (RuleDeclaration, SourceFile)], journeys: [String: (JourneyDeclaration, SourceFile)]
    ) {
        for name in journeys.keys.sorted() {
            let (journey, file) = journeys[name]!
            if let (rule, ruleFile) = rules[name] {
                diagnostics.error(
                    "journey '\(name)' has the same name as a rule", in: file, at: journey.nameRange,
                    hint: "rules and journeys share the send log; rename one",
                    notes: [Diagnostic.Note("rule '\(name)' defined here", file: ruleFile, range: rule.nameRange)])
            }
        }
    }
}
