import CustomerStore

extension Report {
    /// A rule's variants side by side (one column each, the holdout last), each against the
    /// holdout and against each other, and the winner; empty for a rule without variants.
    func variantsHTML(_ rule: RuleReport) -> String {
        guard !rule.variants.isEmpty else { return "" }
        let e = HTMLText.escape
        func row(_ label: String, _ cells: [String], _ holdout: String) -> String {
            "<tr><td>\(e(label))</td>" + cells.map { "<td>\(e($0))</td>" }.joined() + "<td>\(e(holdout))</td></tr>\n"
        }
        var out = "<h3>Variants</h3>\n<table class=\"variants\">\n<tr><th></th>"
        out += rule.variants.map { "<th>\(e($0.variant))\(rule.winner?.variant == $0.variant ? " (winner)" : "")</th>" }.joined()
        out += "<th>holdout</th></tr>\n"
        out += row("customers", rule.variants.map { "\($0.recipients.customers)" }, "\(rule.holdout.customers)")
        out += row("converted", rule.variants.map { Figures.converted($0.recipients) }, Figures.converted(rule.holdout))
        out += row(
            "revenue per customer", rule.variants.map { money($0.recipients.revenuePerCustomer) },
            money(rule.holdout.revenuePerCustomer))
        out += row("against the holdout", rule.variants.map { LiftVerdict(rule.conversion(of: $0)).text }, "")
        out += "</table>\n"
        for comparison in rule.variantComparisons {
            var line = "\(comparison.first.variant) against \(comparison.second.variant): "
            if let lift = comparison.test.absoluteLift { line += Figures.interval(lift, Figures.signedPoints, unit: " points") + "; " }
            out += "<p class=\"lift\">\(e(line + comparison.verdict))</p>\n"
        }
        if let winner = rule.winner {
            out += "<p class=\"verdict significant\">winner: \(e(winner.variant)), decided \(e(date(winner.decidedAt))); "
            out += "every new send goes to it</p>\n"
        }
        return out
    }
}
