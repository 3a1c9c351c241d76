import Foundation

extension Report {
    /// One JSON document with the stable field names of docs/cli.md.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(document), as: UTF8.self)
    }

    var document: Document {
        Document(
            generatedAt: Self.utc(query.now), since: query.since.map(Self.utc), windowDays: query.windowDays,
            currency: currency, timeZone: timeZone.identifier,
            rules: rules.map { rule in
                let verdict = rule.verdict
                let test = rule.conversion
                var reason: String?
                if case .notEnoughData(let why) = verdict { reason = why }
                return RuleDocument(
                    rule: rule.rule, recipients: GroupDocument(rule.recipients), holdout: GroupDocument(rule.holdout),
                    pending: rule.pending, absoluteLift: test.absoluteLift.map(Self.rounded),
                    relativeLift: test.relativeLift.map(Self.rounded), z: test.z.map { Self.rounded($0) },
                    pValue: test.pValue.map { Self.rounded($0, places: 8) },
                    revenuePerCustomerDifferenceMinor: rule.revenueDifference.map { Self.rounded($0, places: 2) },
                    verdict: verdict.code, verdictText: verdict.text, verdictReason: reason,
                    weeks: rule.weeks.map { week in
                        WeekDocument(
                            start: weekDate(week.start), recipients: week.recipients.customers,
                            recipientsConverted: week.recipients.converted, holdout: week.holdout.customers,
                            holdoutConverted: week.holdout.converted)
                    })
            })
    }

    static func utc(_ seconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    /// Rounded for a stable, readable document: rates and lifts to 6 places.
    static func rounded(_ value: Double, places: Int = 6) -> Double {
        let scale = pow(10, Double(places))
        return (value * scale).rounded() / scale
    }

    static func rounded(_ interval: Interval, places: Int) -> Interval {
        Interval(
            estimate: rounded(interval.estimate, places: places), low: rounded(interval.low, places: places),
            high: rounded(interval.high, places: places))
    }

    static func rounded(_ interval: Interval) -> Interval { rounded(interval, places: 6) }

    struct Document: Encodable {
        var generatedAt: String
        var since: String?
        var windowDays: Int
        var currency: String
        var timeZone: String
        var rules: [RuleDocument]

        enum CodingKeys: String, CodingKey {
            case generatedAt = "generated_at", since, windowDays = "window_days", currency, timeZone = "time_zone", rules
        }
    }

    struct RuleDocument: Encodable {
        var rule: String
        var recipients: GroupDocument
        var holdout: GroupDocument
        var pending: Int
        var absoluteLift: Interval?
        var relativeLift: Interval?
        var z: Double?
        var pValue: Double?
        var revenuePerCustomerDifferenceMinor: Interval?
        var verdict: String
        var verdictText: String
        var verdictReason: String?
        var weeks: [WeekDocument]

        enum CodingKeys: String, CodingKey {
            case rule, recipients, holdout, pending, absoluteLift = "absolute_lift", relativeLift = "relative_lift", z
            case pValue = "p_value", revenuePerCustomerDifferenceMinor = "revenue_per_customer_difference_minor"
            case verdict, verdictText = "verdict_text", verdictReason = "verdict_reason", weeks
        }
    }

    struct GroupDocument: Encodable {
        var customers: Int
        var delivered: Int
        var converted: Int
        var conversionRate: Double
        var orders: Int
        var revenueMinor: Int64
        var revenuePerCustomerMinor: Double

        init(_ tally: GroupTally) {
            customers = tally.customers
            delivered = tally.delivered
            converted = tally.converted
            conversionRate = Report.rounded(tally.conversionRate)
            orders = tally.orders
            revenueMinor = tally.revenueMinor
            revenuePerCustomerMinor = Report.rounded(tally.revenuePerCustomer, places: 2)
        }

        enum CodingKeys: String, CodingKey {
            case customers, delivered, converted, conversionRate = "conversion_rate", orders
            case revenueMinor = "revenue_minor", revenuePerCustomerMinor = "revenue_per_customer_minor"
        }
    }

    struct WeekDocument: Encodable {
        var start: String
        var recipients: Int
        var recipientsConverted: Int
        var holdout: Int
        var holdoutConverted: Int

        enum CodingKeys: String, CodingKey {
            case start, recipients, recipientsConverted = "recipients_converted", holdout
            case holdoutConverted = "holdout_converted"
        }
    }
}
