import CustomerStore
import Foundation

/// Two small inline SVG charts of one rule, per week of the decision: customers and converters
/// as bars (recipients and holdout side by side), and the conversion rate of each group as lines.
struct WeekChart {
    let weeks: [WeekTally]
    /// `MM-DD` of a week's start, for the axis.
    let label: (Int64) -> String

    static let recipientsColour = "#2f6db5"
    static let recipientsLight = "#a9c6ea"
    static let holdoutColour = "#d9822b"
    static let holdoutLight = "#f3cfa6"

    private let width = 400.0, height = 200.0
    private let left = 44.0, right = 8.0, top = 24.0, bottom = 28.0
    private var plotWidth: Double { width - left - right }
    private var plotHeight: Double { height - top - bottom }

    /// Customers per week (light) with their converters (dark), recipients then holdout.
    func countsSVG() -> String {
        let maximum = weeks.map { max($0.recipients.customers, $0.holdout.customers) }.max() ?? 0
        let (step, top) = Self.axis(Double(maximum))
        var body = grid(top: top, step: step) { String(Int($0)) }
        let slot = plotWidth / Double(max(weeks.count, 1))
        let bar = min(18, slot * 0.4)
        for (index, week) in weeks.enumerated() {
            let x = left + slot * Double(index) + slot / 2
            for (offset, group, light, dark) in [
                (-bar, week.recipients, Self.recipientsLight, Self.recipientsColour),
                (0.0, week.holdout, Self.holdoutLight, Self.holdoutColour),
            ] {
                body += rect(x: x + offset, value: Double(group.customers), top: top, width: bar, fill: light)
                body += rect(x: x + offset, value: Double(group.converted), top: top, width: bar, fill: dark)
            }
        }
        body += xLabels(slot: slot)
        return svg(title: "Customers (light) and converters (dark) per week", body: body)
    }

    /// The conversion rate per week of each group, in %.
    func ratesSVG() -> String {
        let rates = weeks.map { ($0.recipients.conversionRate * 100, $0.holdout.conversionRate * 100) }
        let maximum = rates.map { max($0.0, $0.1) }.max() ?? 0
        let (step, top) = Self.axis(maximum)
        var body = grid(top: top, step: step) { String(format: step < 1 ? "%.1f %%" : "%.0f %%", $0) }
        let slot = plotWidth / Double(max(weeks.count, 1))
        for (series, colour) in [(rates.map(\.0), Self.recipientsColour), (rates.map(\.1), Self.holdoutColour)] {
            let points = series.enumerated().map { index, value in
                String(format: "%.1f,%.1f", left + slot * Double(index) + slot / 2, y(value, top: top))
            }
            body += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" points=\"\(points.joined(separator: " "))\"/>"
            for point in points {
                let xy = point.split(separator: ",")
                body += "<circle cx=\"\(xy[0])\" cy=\"\(xy[1])\" r=\"2.5\" fill=\"\(colour)\"/>"
            }
        }
        body += xLabels(slot: slot)
        return svg(title: "Conversion rate per week", body: body)
    }

    /// A round step and axis top for values up to `maximum`: 1, 2 or 5 × 10ⁿ, at most 5 steps.
    static func axis(_ maximum: Double) -> (step: Double, top: Double) {
        guard maximum > 0 else { return (1, 1) }
        let raw = maximum / 5
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        return (step, (maximum / step).rounded(.up) * step)
    }

    private func y(_ value: Double, top: Double) -> Double {
        self.top + plotHeight * (1 - value / top)
    }

    private func rect(x: Double, value: Double, top: Double, width: Double, fill: String) -> String {
        let y = y(value, top: top)
        return String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%@\"/>",
                      x, y, width, self.top + plotHeight - y, fill)
    }

    private func grid(top: Double, step: Double, label: (Double) -> String) -> String {
        var out = ""
        var value = 0.0
        while value <= top + step / 2 {
            let y = y(value, top: top)
            out += String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>", left, y, width - right, y)
            out += String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" class=\"axis\">%@</text>",
                          left - 4, y + 3.5, HTMLText.escape(label(value)))
            value += step
        }
        return out
    }

    private func xLabels(slot: Double) -> String {
        let every = max(1, Int((Double(weeks.count) / 8).rounded(.up)))
        var out = ""
        for (index, week) in weeks.enumerated() where index % every == 0 {
            out += String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" class=\"axis\">%@</text>",
                          left + slot * Double(index) + slot / 2, height - bottom + 14, HTMLText.escape(label(week.start)))
        }
        return out
    }

    private func svg(title: String, body: String) -> String {
        """
        <svg width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" role="img" \
        aria-label="\(HTMLText.escape(title))">\
        <text x="\(Int(left))" y="14" class="title">\(HTMLText.escape(title))</text>\(body)</svg>
        """
    }
}
