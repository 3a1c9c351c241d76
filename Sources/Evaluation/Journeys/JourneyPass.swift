import CustomerStore
import Foundation
import GRDB
import RuleLanguage

/// The tick's journey part, inside the tick's transaction on either store (`JourneyTickWriter`),
/// after the rules' decisions, which it sees: for each journey, higher priority first, at the
/// tick's instant —
///
/// 1. enrolments waiting at a step the current version no longer has end `left: step removed`;
/// 2. new entrants are enrolled: the entry condition holds, no active enrolment of the journey,
///    and no earlier entry (or, with `reenter after N days`, none in the last N days), as the
///    tick's slices found them in its snapshot (`JourneyEntry`); holdout is decided at entry by
///    `HoldoutHash` of (journey, customer);
/// 3. enrolments whose exit condition (the goal) holds end `goal`;
/// 4. every enrolment whose wait has ended takes its step, then waits for the next one; steps
///    without a wait follow in the same tick; after the last step it ends `completed`.
///
/// A step decides like a rule, in the same order: its `when` false → skipped (`condition
/// false`), the journey goes on; no consent → skipped, the enrolment ends `left: consent
/// withdrawn`; suppressed or no address → skipped, the journey goes on; the contact-pressure cap
/// reached → held at the step (a `skipped`/`capped` row that becomes `queued` at a later tick
/// with room); holdout enrolment → a `holdout` row; quiet hours → queued until they end; else
/// queued now. Each send-log row has `rule` = `JOURNEY/STEP`, the journey and step, and
/// `window_key` = the enrolment's entry instant: one row per step and entry, whatever re-runs.
///
/// Rules and journeys take the cap in one order: higher `priority` first, a rule before a journey
/// of equal priority. The rules decide first (in parallel, on the tick's snapshots), so a step
/// counts the cap without this tick's sends of rules of lower priority than its journey; when
/// those sends fill the cap, the step takes the place of the lowest-priority one, which turns
/// into `skipped`/`capped` as if the step had been decided before it
/// (`DecisionWriter.displaceRuleSend`).
public struct JourneyPass {
    public let ruleSet: RuleSet
    public let settings: EvaluationSettings
    private let compiler: ConditionCompiler
    private let makeSendID: () -> String

    public init(ruleSet: RuleSet, settings: EvaluationSettings, dialect: SQLDialect = .sqlite, makeSendID: @escaping () -> String) {
        self.ruleSet = ruleSet
        self.settings = settings
        self.compiler = ConditionCompiler(ruleSet: ruleSet, settings: settings, dialect: dialect)
        self.makeSendID = makeSendID
    }

    /// Journeys in the order they take the contact-pressure cap: higher priority, then source order.
    public var journeysInPriorityOrder: [Journey] {
        ruleSet.journeys.enumerated()
            .sorted { ($1.element.priority, $0.offset) < ($0.element.priority, $1.offset) }
            .map(\.element)
    }

    /// Runs every journey's part of the tick on the SQLite store's `writer`, in its transaction;
    /// one tally per journey, in source order. `entrants` are the journeys' entrants as the
    /// tick's slices found them in its snapshot (`JourneyEntry`); nil: found here, on the writer.
    public func run(on writer: DecisionWriter, entrants: JourneyEntry.Found? = nil) throws -> [JourneyTally] {
        guard !ruleSet.journeys.isEmpty else { return [] }
        let found = try writer.inTransaction { db in
            SQLFunctions.register(in: db)
            return try entrants ?? JourneyEntry(ruleSet: ruleSet, settings: settings, dialect: compiler.dialect).entrants(in: db)
        }
        return try run(on: writer as any JourneyTickWriter, entrants: found)
    }

    /// Runs every journey's part of the tick on `writer` (either store's tick transaction), with
    /// the journeys' `entrants` found in the tick's snapshot; one tally per journey, in source
    /// order. Each journey's entry scan is recorded with the snapshot's change mark, for the next
    /// tick's (`JourneyEntryScan`).
    public func run(on writer: any JourneyTickWriter, entrants found: JourneyEntry.Found) throws -> [JourneyTally] {
        guard !ruleSet.journeys.isEmpty else { return [] }
        var tallies: [String: JourneyTally] = [:]
        for journey in journeysInPriorityOrder {
            var tally = JourneyTally(journey: journey.name, steps: journey.steps.map(\.name))
            try endRemovedSteps(journey, writer, &tally)
            try enrol(journey, found.byJourney[journey.name] ?? [], writer, &tally)
            try endByGoal(journey, writer, &tally)
            try advance(journey, writer, &tally, lower: lowerRules(than: journey))
            tallies[journey.name] = tally
        }
        if let mark = found.mark {
            let entry = JourneyEntry(ruleSet: ruleSet, settings: settings, dialect: compiler.dialect)
            for journey in ruleSet.journeys { try writer.recordEntryScan(entry.scanRecord(of: journey, mark: mark)) }
        }
        return ruleSet.journeys.compactMap { tallies[$0.name] }
    }

    private var now: Int64 { settings.now }

    /// Rules a journey's steps take the cap before: lower priority than the journey's, on a
    /// channel the cap counts; lowest priority first (the last to have taken the cap).
    func lowerRules(than journey: Journey) -> [String] {
        guard settings.capEnabled else { return [] }
        return Evaluator.priorityOrder(ruleSet.rules)
            .filter { $0.priority < journey.priority && EvaluationSettings.countsTowardCap($0.channel, $0.purpose) }
            .reversed().map(\.name)
    }

    private func endRemovedSteps(_ journey: Journey, _ writer: any JourneyTickWriter, _ tally: inout JourneyTally) throws {
        let names = SQLFragment.joined(journey.steps.map { .value($0.name.databaseValue) }, separator: ", ")
        let query = SQLFragment.composed(
            "SELECT id FROM enrolment WHERE journey = {} AND ended IS NULL AND step NOT IN ({})",
            .value(journey.name.databaseValue), names)
        for id in try ids(query, writer) {
            if try writer.endEnrolment(id, as: .left, detail: "step removed", at: now, journeyHash: journey.contentHash) {
                tally.left["step removed", default: 0] += 1
            }
        }
    }

    private func enrol(
        _ journey: Journey, _ entrants: [JourneyEntry.Entrant], _ writer: any JourneyTickWriter, _ tally: inout JourneyTally
    ) throws {
        let basisPoints = HoldoutHash.basisPoints(journey.holdoutPercent)
        let first = journey.steps[0]
        let enrolments = entrants.map { entrant in
            let zone = TimeZoneCache.shared.zone(entrant.timeZone, fallback: settings.businessTimeZone)
            return NewEnrolment(
                journey: journey.name, journeyHash: journey.contentHash, customerID: entrant.customerID, enteredAt: now,
                holdout: basisPoints > 0 && HoldoutHash.bucket(rule: journey.name, customer: entrant.externalID) < basisPoints,
                step: first.name, waitEndsAt: JourneySchedule.waitEnd(after: now, wait: first.waitBefore, zone: zone))
        }
        for (enrolment, entered) in zip(enrolments, try writer.enrol(enrolments)) where entered {
            tally.entered += 1
            if enrolment.holdout { tally.enteredHoldout += 1 }
        }
    }

    private func endByGoal(_ journey: Journey, _ writer: any JourneyTickWriter, _ tally: inout JourneyTally) throws {
        guard let exit = journey.exit else { return }
        let query = SQLFragment.composed(
            """
            SELECT e.id FROM enrolment e
            \(compiler.dialect.orderedJoin("customer_facts", "f", "f.customer_id = e.customer_id"))
            \(compiler.dialect.orderedJoin("customer", "c", "c.id = e.customer_id"))
            WHERE e.journey = {} AND e.ended IS NULL AND {}
            """,
            .value(journey.name.databaseValue), condition(exit))
        for id in try ids(query, writer) {
            if try writer.endEnrolment(id, as: .goal, detail: nil, at: now, journeyHash: journey.contentHash) { tally.goal += 1 }
        }
    }

    /// One due enrolment at one step, with what the step's decision needs.
    private struct Due {
        let id: Int64
        let customerID: Int64
        let timeZone: String?
        let enteredAt: Int64
        let holdout: Bool
        let conditionHolds: Bool
        let consentGranted: Bool
        let suppressed: Bool
        let addressComplete: Bool
        /// Messages in the cap's window, without this tick's sends of lower-priority rules.
        let messages: Int
        /// This tick's sends of lower-priority rules (`lowerRules`): the step may displace one.
        let lowerMessages: Int
        let externalID: String
    }

    private func advance(
        _ journey: Journey, _ writer: any JourneyTickWriter, _ tally: inout JourneyTally, lower: [String]
    ) throws {
        var capped: Set<Int64> = []
        // Each pass takes every due enrolment one step; steps without a wait are due at once.
        for _ in 0...journey.steps.count {
            var moved = false
            for (index, step) in journey.steps.enumerated() {
                for due in try dueEnrolments(journey, step, writer, lower: lower) where !capped.contains(due.id) {
                    if try take(step, at: index, of: journey, due, writer, &tally, lower: lower) {
                        moved = true
                    } else {
                        capped.insert(due.id)
                    }
                }
            }
            if !moved { break }
        }
    }

    /// Decides one due enrolment's step and moves it on; false when the cap holds it at the step.
    private func take(
        _ step: JourneyStep, at index: Int, of journey: Journey, _ due: Due, _ writer: any JourneyTickWriter,
        _ tally: inout JourneyTally, lower: [String]
    ) throws -> Bool {
        let countsTowardCap = settings.capEnabled && EvaluationSettings.countsTowardCap(step.channel, step.purpose)
        let zone = TimeZoneCache.shared.zone(due.timeZone, fallback: settings.businessTimeZone)
        var status = SendStatus.skipped
        var reason: String?
        var dueAt: Int64?
        var leaving = false
        if !due.conditionHolds {
            reason = "condition false"
        } else if !due.consentGranted {
            reason = (step.purpose == .service ? SkipReason.consentWithdrawn : SkipReason.noConsent).rawValue
            leaving = true
        } else if due.suppressed {
            reason = SkipReason.suppressed.rawValue
        } else if !due.addressComplete {
            reason = SkipReason.missingAddress.rawValue
        } else if countsTowardCap && due.messages >= settings.contactPressureMessages {
            _ = try record(step, of: journey, due, status: .skipped, reason: SkipReason.capped.rawValue, dueAt: nil, writer)
            tally.steps[index].capped += 1
            return false
        } else if due.holdout {
            (status, reason) = (.holdout, "holdout")
        } else if let quiet = step.quietHours ?? (step.channel == .email ? settings.defaultEmailQuietHours : nil),
            let end = Evaluator.quietHoursEnd(quiet, now: now, zone: zone)
        {
            (status, reason, dueAt) = (.queued, "held for quiet hours", end)
        } else {
            (status, dueAt) = (.queued, now)
        }
        if status == .queued && countsTowardCap && due.messages + due.lowerMessages >= settings.contactPressureMessages,
            let displaced = try writer.displaceRuleSend(customerID: due.customerID, decidedAt: now, rules: lower)
        {
            tally.displaced.append(JourneyTally.Displaced(rule: displaced.rule, held: displaced.held))
        }
        // An empty coupon pool turns a queued send into a skip (`no_coupon`).
        if try record(step, of: journey, due, status: status, reason: reason, dueAt: dueAt, writer) != status {
            (status, reason) = (.skipped, SkipReason.noCoupon.rawValue)
        }
        tally.steps[index].advanced += 1
        switch status {
        case .queued:
            tally.steps[index].queued += 1
            if reason != nil { tally.steps[index].heldForQuietHours += 1 }
        case .holdout: tally.steps[index].holdout += 1
        default: tally.steps[index].skipped[reason ?? "", default: 0] += 1
        }
        if leaving {
            if try writer.endEnrolment(due.id, as: .left, detail: "consent withdrawn", at: now, journeyHash: journey.contentHash) {
                tally.left["consent withdrawn", default: 0] += 1
            }
        } else if index + 1 < journey.steps.count {
            let next = journey.steps[index + 1]
            try writer.advanceEnrolment(
                due.id, to: next.name, since: now, waitEndsAt: JourneySchedule.waitEnd(after: now, wait: next.waitBefore, zone: zone),
                journeyHash: journey.contentHash)
        } else if try writer.endEnrolment(due.id, as: .completed, detail: nil, at: now, journeyHash: journey.contentHash) {
            tally.completed += 1
        }
        return true
    }

    private func record(
        _ step: JourneyStep, of journey: Journey, _ due: Due, status: SendStatus, reason: String?, dueAt: Int64?,
        _ writer: any JourneyTickWriter
    ) throws -> SendStatus {
        // The variant is decided at queueing, like a rule's (steps have no `winner`).
        let variant = status == .queued
            ? VariantHash.variant(of: step.variants, rule: journey.sendName(of: step), customer: due.externalID, winner: nil) : nil
        return try writer.recordStep(
            SendDecision(
                sendID: makeSendID(), rule: journey.sendName(of: step), ruleHash: journey.contentHash, customerID: due.customerID,
                channel: step.channel.rawValue, target: variant ?? step.target, windowKey: due.enteredAt, decidedAt: now,
                status: status, reason: reason, evidence: "{}", dueAt: dueAt, journey: journey.name, step: step.name,
                purpose: step.purpose.rawValue, variant: variant),
            couponPool: step.couponPool)
    }

    /// Active enrolments at `step` whose wait has ended, with the step's checks.
    private func dueEnrolments(_ journey: Journey, _ step: JourneyStep, _ writer: any JourneyTickWriter, lower: [String]) throws
        -> [Due]
    {
        let facts = compiler.facts
        let dialect = compiler.dialect
        let window = now - Int64(settings.contactPressureDays) * 86_400
        // This tick's sends of lower-priority rules, counted apart (0 when there are none).
        let isLower = lower.isEmpty
            ? SQLFragment(dialect.falseLiteral)
            : SQLFragment.composed(
                "(s.journey IS NULL AND s.decided_at = {} AND s.rule IN ({}))", .value(now.databaseValue),
                SQLFragment.joined(lower.map { .value($0.databaseValue) }, separator: ", "))
        let query = SQLFragment.composed(
            """
            SELECT e.id, e.customer_id, c.time_zone, e.entered_at, e.holdout, {}, {}, {}, {},
                   (SELECT count(*) FROM send s WHERE s.customer_id = e.customer_id AND s.channel IN ('email', 'letter')
                      AND s.purpose = 'marketing' AND s.status IN \(SendStatus.sqlList(SendStatus.messages)) AND s.decided_at > {} AND s.decided_at <= {}),
                   (SELECT count(*) FROM send s WHERE s.customer_id = e.customer_id AND s.channel IN ('email', 'letter')
                      AND s.purpose = 'marketing' AND s.status IN \(SendStatus.sqlList(SendStatus.messages)) AND {}),
                   c.external_id
            FROM enrolment e
            \(dialect.orderedJoin("customer_facts", "f", "f.customer_id = e.customer_id"))
            \(dialect.orderedJoin("customer", "c", "c.id = e.customer_id"))
            WHERE e.journey = {} AND e.step = {} AND e.ended IS NULL AND e.wait_ends_at <= {}
            ORDER BY e.id
            """,
            step.condition.map(condition) ?? SQLFragment(dialect.trueLiteral),
            step.purpose == .service ? facts.consentNotWithdrawn(step.channel) : facts.consentGranted(step.channel),
            facts.suppressed(step.channel), facts.addressComplete(step.channel), .value(window.databaseValue),
            .value(now.databaseValue), isLower, .value(journey.name.databaseValue), .value(step.name.databaseValue),
            .value(now.databaseValue))
        // As SQLite's column reader: NULL and 0 are false.
        func flag(_ value: SQLValue) -> Bool { (value.int64 ?? 0) != 0 }
        func number(_ value: SQLValue) -> Int64 { value.int64 ?? 0 }
        return try writer.journeyRows(query.sql, arguments: query.sqlValues).map { row in
            let lowerMessages = Int(number(row[10]))
            return Due(
                id: number(row[0]), customerID: number(row[1]), timeZone: row[2].string, enteredAt: number(row[3]),
                holdout: flag(row[4]), conditionHolds: flag(row[5]), consentGranted: flag(row[6]), suppressed: flag(row[7]),
                addressComplete: flag(row[8]), messages: Int(number(row[9])) - lowerMessages, lowerMessages: lowerMessages,
                externalID: row[11].string ?? "")
        }
    }

    /// The ids `query` selects (its first column).
    private func ids(_ query: SQLFragment, _ writer: any JourneyTickWriter) throws -> [Int64] {
        try writer.journeyRows(query.sql, arguments: query.sqlValues).compactMap { $0[0].int64 }
    }

    /// A condition compiled as the rules' audience queries compile theirs.
    private func condition(_ condition: Condition) -> SQLFragment {
        let compiled = compiler.compile(condition)
        return compiler.dialect.testsRunInWrittenOrder && Evaluator.testsCustomerColumns(ruleSet.inliningSegments(in: condition))
            ? compiled.dependingOnCustomerRow : compiled
    }
}
