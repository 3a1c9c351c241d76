import CustomerStore
import Foundation

extension Report {
    /// A self-contained HTML page: the figures of each rule and two small inline SVG charts. No
    /// scripts, no fonts, nothing fetched: it opens in a browser without a network.
    public func html(localTime: (Int64) -> String) -> String {
        let e = HTMLText.escape
        var page = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <title>campaignd report</title>
            <style>
            body { font-family: system-ui, "DejaVu Sans", sans-serif; margin: 24px; color: #222; background: #fff; }
            h1 { font-size: 20px; margin: 0 0 4px; }
            p.meta { color: #555; margin: 0 0 16px; font-size: 13px; }
            section { border: 1px solid #ddd; border-radius: 6px; padding: 12px 16px; margin-bottom: 16px; }
            h2 { font-size: 16px; margin: 0 0 8px; font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
            table { border-collapse: collapse; font-size: 13px; margin-bottom: 6px; }
            th, td { padding: 2px 12px 2px 0; text-align: right; }
            th:first-child, td:first-child { text-align: left; }
            .verdict { font-weight: 600; margin: 6px 0 8px; }
            .significant { color: #1a7f37; } .no_effect { color: #555; } .not_enough_data { color: #9a6700; }
            .lift { font-size: 13px; margin: 2px 0; }
            .charts { display: flex; flex-wrap: wrap; gap: 16px; }
            svg .axis { font-size: 10px; fill: #555; } svg .title { font-size: 12px; fill: #222; }
            .key span { display: inline-block; width: 10px; height: 10px; margin: 0 4px 0 12px; }
            .key { font-size: 12px; color: #444; }
            </style>
            </head>
            <body>
            <h1>Recipients against holdout</h1>

            """
        page += "<p class=\"meta\">At \(e(localTime(query.now)))"
        page += query.since.map { ", decisions since \(e(localTime($0)))" } ?? ", all decisions"
        page += ". Conversion: a purchase within \(Figures.count(query.windowDays, "day")) after the decision; "
        page += "each customer counts once per rule; only customers whose window has ended.</p>\n"
        page += """
            <p class="key">\
            <span style="background:\(WeekChart.recipientsColour)"></span>recipients\
            <span style="background:\(WeekChart.holdoutColour)"></span>holdout</p>

            """
        if rules.isEmpty && journeys.isEmpty { page += "<p>No sends or holdouts in the period.</p>\n" }
        for rule in rules { page += section(rule) }
        if !journeys.isEmpty {
            page += "<h1>Journeys: entrants against the entry holdout</h1>\n"
            page += "<p class=\"meta\">Conversion: the goal reached or a purchase within "
            page += "\(Figures.count(query.windowDays, "day")) after entry; each entry counts once; "
            page += "only entries whose window has ended. Steps: the send log's rows decided in the period.</p>\n"
        }
        for journey in journeys { page += section(journey) }
        return page + "</body>\n</html>\n"
    }

    private func section(_ journey: JourneyReport) -> String {
        let e = HTMLText.escape
        let verdict = journey.verdict
        var out = "<section>\n<h2>\(e(journey.journey))</h2>\n<table>\n"
        out += "<tr><th></th><th>entrants</th><th>holdout</th></tr>\n"
        out += "<tr><td>customers</td><td>\(journey.entrants.customers)</td><td>\(journey.holdout.customers)</td></tr>\n"
        out += "<tr><td>reached the goal</td><td>\(journey.entrantsGoal)</td><td>\(journey.holdoutGoal)</td></tr>\n"
        out += "<tr><td>converted</td><td>\(Figures.converted(journey.entrants))</td><td>\(Figures.converted(journey.holdout))</td></tr>\n"
        out += "<tr><td>revenue per customer</td><td>\(e(money(journey.entrants.revenuePerCustomer)))</td>"
        out += "<td>\(e(money(journey.holdout.revenuePerCustomer)))</td></tr>\n</table>\n"
        if let line = liftText(journey.conversion) { out += "<p class=\"lift\">lift \(e(line))</p>\n" }
        if let revenue = journey.revenueDifference {
            out += "<p class=\"lift\">revenue \(e(Figures.interval(revenue, signedMoney, unit: " per customer")))</p>\n"
        }
        if journey.pending > 0 {
            out += "<p class=\"lift\">\(Figures.count(journey.pending, "more entrant")) still in their window (not counted)</p>\n"
        }
        out += "<p class=\"verdict \(verdict.code)\">\(e(verdict.sentence))</p>\n"
        if !journey.steps.isEmpty {
            out += "<table>\n<tr><th>step</th><th>queued</th><th>sent</th><th>failed</th><th>holdout</th><th>skipped</th></tr>\n"
            for step in journey.steps {
                out += "<tr><td>\(e(step.step))</td><td>\(step.queued)</td><td>\(step.sent)</td><td>\(step.failed)</td>"
                out += "<td>\(step.holdout)</td><td>\(step.skippedTotal)</td></tr>\n"
            }
            out += "</table>\n"
            for step in journey.steps where !step.skipped.isEmpty {
                let skips = step.skipped.map { "\($0.count) \($0.reason.isEmpty ? "no reason" : $0.reason)" }.joined(separator: "; ")
                out += "<p class=\"lift\">\(e(step.step)) skipped: \(e(skips))</p>\n"
            }
        }
        return out + "</section>\n"
    }

    private func section(_ rule: RuleReport) -> String {
        let e = HTMLText.escape
        let test = rule.conversion
        let verdict = rule.verdict
        var out = "<section>\n<h2>\(e(rule.rule))</h2>\n<table>\n"
        out += "<tr><th></th><th>recipients</th><th>holdout</th></tr>\n"
        out += "<tr><td>customers</td><td>\(rule.recipients.customers)</td><td>\(rule.holdout.customers)</td></tr>\n"
        out += "<tr><td>converted</td><td>\(Figures.converted(rule.recipients))</td><td>\(Figures.converted(rule.holdout))</td></tr>\n"
        out += "<tr><td>revenue per customer</td><td>\(e(money(rule.recipients.revenuePerCustomer)))</td>"
        out += "<td>\(e(money(rule.holdout.revenuePerCustomer)))</td></tr>\n</table>\n"
        if let line = liftText(test) { out += "<p class=\"lift\">lift \(e(line))</p>\n" }
        if let line = revenueText(rule) { out += "<p class=\"lift\">revenue \(e(line))</p>\n" }
        if let line = couponText(rule) { out += "<p class=\"lift\">coupons \(e(line))</p>\n" }
        if rule.pending > 0 {
            out += "<p class=\"lift\">\(Figures.count(rule.pending, "more customer")) still in their window (not counted)</p>\n"
        }
        out += "<p class=\"verdict \(verdict.code)\">\(e(verdict.sentence))</p>\n"
        out += variantsHTML(rule)
        let chart = WeekChart(weeks: rule.weeks) { String(self.weekDate($0).dropFirst(5)) }
        out += "<div class=\"charts\">\(chart.countsSVG())\(chart.ratesSVG())</div>\n</section>\n"
        return out
    }
}
