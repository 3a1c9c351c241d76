import Foundation

extension Report {
    /// The report as a person reads it in a terminal; `localTime` writes an instant
    /// (`2026-11-20 09:30 (Europe/Helsinki)`).
    public func text(localTime: (Int64) -> String) -> String {
        var out = "report at \(localTime(query.now))"
        out += query.since.map { ", decisions since \(localTime($0))" } ?? ", all decisions"
        out += "\nconversion: a purchase within \(Figures.count(query.windowDays, "day")) after the decision;"
        out += " each customer counts once per rule\n"
        if rules.isEmpty {
            return out + "\nno sends or holdouts in the period\n"
        }
        for rule in rules {
            out += "\n" + text(rule)
        }
        return out
    }

    private func text(_ rule: RuleReport) -> String {
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
        return out + "  verdict  \(rule.verdict.sentence)\n"
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
}
