import Foundation

extension Report {
    /// The report as a person reads it in a terminal; `localTime` writes an instant
    /// (`2026-11-20 09:30 (Europe/Helsinki)`).
    public func text(localTime: (Int64) -> String) -> String {
        var out = "report at \(localTime(query.now))"
        out += query.since.map { ", decisions since \(localTime($0))" } ?? ", all decisions"
        out += "\nconversion: a purchase within \(Figures.count(query.windowDays, "day")) after the decision;"
        out += " each customer counts once per rule\n"
        if !journeys.isEmpty {
            out += "journeys: conversion is the goal reached or a purchase within \(Figures.count(query.windowDays, "day"))"
            out += " after entry; each entry counts once\n"
        }
        if rules.isEmpty && journeys.isEmpty {
            return out + "\nno sends or holdouts in the period\n"
        }
        for rule in rules {
            out += "\n" + text(rule, localTime: localTime)
        }
        for journey in journeys {
            out += "\n" + text(journey)
        }
        return out
    }

    private func text(_ journey: JourneyReport) -> String {
        func column(_ text: String, _ width: Int = 16) -> String {
            String(repeating: " ", count: max(0, width - text.count)) + text
        }
        func row(_ label: String, _ entrants: String, _ holdout: String) -> String {
            "  " + label.padding(toLength: 22, withPad: " ", startingAt: 0) + column(entrants) + column(holdout) + "\n"
        }
        var out = "journey \(journey.journey)\n"
        out += row("", "entrants", "holdout")
        out += row("customers", "\(journey.entrants.customers)", "\(journey.holdout.customers)")
        out += row("reached the goal", "\(journey.entrantsGoal)", "\(journey.holdoutGoal)")
        out += row("converted", Figures.converted(journey.entrants), Figures.converted(journey.holdout))
        out += row("revenue per customer", money(journey.entrants.revenuePerCustomer), money(journey.holdout.revenuePerCustomer))
        if journey.pending > 0 {
            out += "  still in their window: \(Figures.count(journey.pending, "entrant")) (not counted)\n"
        }
        if let line = liftText(journey.conversion) { out += "  lift     \(line)\n" }
        if let revenue = journey.revenueDifference {
            out += "  revenue  \(Figures.interval(revenue, signedMoney, unit: " per customer"))\n"
        }
        out += "  verdict  \(journey.verdict.sentence)\n"
        guard !journey.steps.isEmpty else { return out }
        let width = max(10, journey.steps.map(\.step.count).max() ?? 0) + 2
        out += "  " + "step".padding(toLength: width, withPad: " ", startingAt: 0)
        out += ["queued", "sent", "failed", "holdout", "skipped"].map { column($0, 9) }.joined() + "\n"
        for step in journey.steps {
            out += "  " + step.step.padding(toLength: width, withPad: " ", startingAt: 0)
            out += [step.queued, step.sent, step.failed, step.holdout, step.skippedTotal].map { column("\($0)", 9) }.joined()
            out += "\n"
            for skip in step.skipped {
                out += "    skipped \(skip.count): \(skip.reason.isEmpty ? "no reason" : skip.reason)\n"
            }
        }
        return out
    }

    private func text(_ rule: RuleReport, localTime: (Int64) -> String) -> String {
        func column(_ text: String, _ width: Int = 16) -> String {
            String(repeating: " ", count: max(0, width - text.count)) + text
        }
        func row(_ label: String, _ recipients: String, _ holdout: String) -> String {
            "  " + label.padding(toLength: 22, withPad: " ", startingAt: 0) + column(recipients) + column(holdout) + "\n"
        }
        let test = rule.conversion
        var out = "\(rule.rule)\n"
        out += row("", "recipients", "holdout")
        out += row("customers", "\(rule.recipients.customers)", "\(rule.holdout.customers)")
        out += row("converted", Figures.converted(rule.recipients), Figures.converted(rule.holdout))
        out += row("revenue per customer", money(rule.recipients.revenuePerCustomer), money(rule.holdout.revenuePerCustomer))
        if rule.pending > 0 {
            out += "  still in their window: \(Figures.count(rule.pending, "customer")) (not counted)\n"
        }
        if let line = liftText(test) { out += "  lift     \(line)\n" }
        if let line = revenueText(rule) { out += "  revenue  \(line)\n" }
        if let line = couponText(rule) { out += "  coupons  \(line)\n" }
        out += "  verdict  \(rule.verdict.sentence)\n"
        return out + variantsText(rule, localTime: localTime)
    }

    /// Each variant side by side, then each against the holdout and against each other, and the winner.
    private func variantsText(_ rule: RuleReport, localTime: (Int64) -> String) -> String {
        guard !rule.variants.isEmpty else { return "" }
        func column(_ text: String) -> String {
            let width = max(16, (rule.variants.map(\.variant.count).max() ?? 0) + 2)
            return String(repeating: " ", count: max(0, width - text.count)) + text
        }
        func row(_ label: String, _ cells: [String]) -> String {
            "  " + label.padding(toLength: 22, withPad: " ", startingAt: 0) + cells.map(column).joined() + "\n"
        }
        var out = "\n" + row("variants", rule.variants.map(\.variant))
        out += row("customers", rule.variants.map { "\($0.recipients.customers)" })
        out += row("converted", rule.variants.map { Figures.converted($0.recipients) })
        out += row("revenue per customer", rule.variants.map { money($0.recipients.revenuePerCustomer) })
        if rule.variants.contains(where: { $0.pending > 0 }) {
            out += row("still in their window", rule.variants.map { "\($0.pending)" })
        }
        for variant in rule.variants {
            let test = rule.conversion(of: variant)
            out += "  \"\(variant.variant)\" against the holdout: \(liftText(test) ?? "no holdout"); \(LiftVerdict(test).sentence)\n"
        }
        for comparison in rule.variantComparisons {
            out += "  \"\(comparison.first.variant)\" against \"\(comparison.second.variant)\": "
            if let lift = comparison.test.absoluteLift {
                out += Figures.interval(lift, Figures.signedPoints, unit: " points")
            }
            if let p = comparison.pValue { out += ", p \(p < 0.0001 ? "< 0.0001" : String(format: "= %.4f", p))" }
            out += "; \(comparison.verdict)\n"
        }
        if let winner = rule.winner {
            out += "  winner   \"\(winner.variant)\", decided \(localTime(winner.decidedAt)): every new send goes to it\n"
        }
        return out
    }

    /// `+4.0 points (95 % CI +2.6 to +5.4), +50.0 % relative (95 % CI …), p < 0.0001`.
    func liftText(_ test: TwoProportion) -> String? {
        guard let lift = test.absoluteLift else { return nil }
        var line = Figures.interval(lift, Figures.signedPoints, unit: " points")
        if let relative = test.relativeLift {
            line += ", " + Figures.interval(relative, Figures.signedPercent, unit: " relative")
        }
        if let p = test.pValue { line += ", p \(p < 0.0001 ? "< 0.0001" : String(format: "= %.4f", p))" }
        return line
    }

    /// `+1.72 EUR per customer (95 % CI +0.80 EUR to +2.64 EUR)`.
    func revenueText(_ rule: RuleReport) -> String? {
        rule.revenueDifference.map { revenue in
            Figures.interval(revenue, signedMoney, unit: " per customer")
        }
    }

    /// `312 handed out, 309 delivered, 41 redeemed (13.3 % of delivered)`, for a rule on a coupon pool.
    func couponText(_ rule: RuleReport) -> String? {
        rule.coupons.map { coupons in
            "\(coupons.assigned) handed out, \(coupons.delivered) delivered, \(coupons.redeemed) redeemed"
                + (coupons.redemptionRate.map { String(format: " (%.1f %% of delivered)", $0 * 100) } ?? "")
        }
    }
}
