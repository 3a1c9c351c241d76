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
                var document = RuleDocument(
                    rule: rule.rule, recipients: GroupDocument(rule.recipients), holdout: GroupDocument(rule.holdout),
                    pending: rule.pending,
                    lift: LiftDocument(verdict: rule.verdict, conversion: rule.conversion, revenueDifference: rule.revenueDifference),
                    weeks: rule.weeks.map { week in
                        WeekDocument(
                            start: weekDate(week.start), recipients: week.recipients.customers,
                            recipientsConverted: week.recipients.converted, holdout: week.holdout.customers,
                            holdoutConverted: week.holdout.converted)
                    },
                    coupons: rule.coupons.map {
                        CouponDocument(assigned: $0.assigned, delivered: $0.delivered, redeemed: $0.redeemed)
                    })
                document.variants = variantsDocument(rule)
                return document
            },
            journeys: journeys.map { journey in
                JourneyDocument(
                    journey: journey.journey, entrants: GroupDocument(journey.entrants, goal: journey.entrantsGoal),
                    holdout: GroupDocument(journey.holdout, goal: journey.holdoutGoal), pending: journey.pending,
                    lift: LiftDocument(
                        verdict: journey.verdict, conversion: journey.conversion, revenueDifference: journey.revenueDifference),
                    steps: journey.steps.map { step in
                        StepDocument(
                            step: step.step, queued: step.queued, sent: step.sent, failed: step.failed, holdout: step.holdout,
                            skipped: step.skippedTotal,
                            skippedByReason: step.skipped.map { SkipDocument(reason: $0.reason, count: $0.count) })
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
        var journeys: [JourneyDocument]

        enum CodingKeys: String, CodingKey {
            case generatedAt = "generated_at", since, windowDays = "window_days", currency, timeZone = "time_zone", rules
            case journeys
        }
    }

    /// A treated group against its holdout: the lift, its test and the verdict. Rules and journeys
    /// carry these fields at their own top level (their `encode(to:)` hands it the same encoder).
    struct LiftDocument: Encodable {
        var absoluteLift: Interval?
        var relativeLift: Interval?
        var z: Double?
        var pValue: Double?
        var revenuePerCustomerDifferenceMinor: Interval?
        var verdict: String
        var verdictText: String
        var verdictReason: String?

        init(verdict: LiftVerdict, conversion test: TwoProportion, revenueDifference: Interval?) {
            absoluteLift = test.absoluteLift.map(Report.rounded)
            relativeLift = test.relativeLift.map(Report.rounded)
            z = test.z.map { Report.rounded($0) }
            pValue = test.pValue.map { Report.rounded($0, places: 8) }
            revenuePerCustomerDifferenceMinor = revenueDifference.map { Report.rounded($0, places: 2) }
            self.verdict = verdict.code
            verdictText = verdict.text
            if case .notEnoughData(let why) = verdict { verdictReason = why }
        }

        enum CodingKeys: String, CodingKey {
            case absoluteLift = "absolute_lift", relativeLift = "relative_lift", z
            case pValue = "p_value", revenuePerCustomerDifferenceMinor = "revenue_per_customer_difference_minor"
            case verdict, verdictText = "verdict_text", verdictReason = "verdict_reason"
        }
    }

    struct JourneyDocument: Encodable {
        var journey: String
        var entrants: GroupDocument
        var holdout: GroupDocument
        var pending: Int
        var lift: LiftDocument
        var steps: [StepDocument]

        enum CodingKeys: String, CodingKey {
            case journey, entrants, holdout, pending, steps
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(journey, forKey: .journey)
            try container.encode(entrants, forKey: .entrants)
            try container.encode(holdout, forKey: .holdout)
            try container.encode(pending, forKey: .pending)
            try container.encode(steps, forKey: .steps)
            try lift.encode(to: encoder)
        }
    }

    struct StepDocument: Encodable {
        var step: String
        var queued: Int
        var sent: Int
        var failed: Int
        var holdout: Int
        var skipped: Int
        var skippedByReason: [SkipDocument]

        enum CodingKeys: String, CodingKey {
            case step, queued, sent, failed, holdout, skipped, skippedByReason = "skipped_by_reason"
        }
    }

    struct SkipDocument: Encodable {
        var reason: String
        var count: Int
    }

    struct RuleDocument: Encodable {
        var rule: String
        var recipients: GroupDocument
        var holdout: GroupDocument
        var pending: Int
        var lift: LiftDocument
        var weeks: [WeekDocument]
        /// Only for a rule on a coupon pool.
        var coupons: CouponDocument?
        /// For a rule with variants (`Report+VariantsJSON`).
        var variants: VariantsDocument?

        enum CodingKeys: String, CodingKey {
            case rule, recipients, holdout, pending, weeks, coupons, variants
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(rule, forKey: .rule)
            try container.encode(recipients, forKey: .recipients)
            try container.encode(holdout, forKey: .holdout)
            try container.encode(pending, forKey: .pending)
            try container.encode(weeks, forKey: .weeks)
            try container.encodeIfPresent(coupons, forKey: .coupons)
            try container.encodeIfPresent(variants, forKey: .variants)
            try lift.encode(to: encoder)
        }
    }

    struct CouponDocument: Encodable {
        var assigned: Int
        var delivered: Int
        var redeemed: Int
    }

    struct GroupDocument: Encodable {
        var customers: Int
        var delivered: Int
        var converted: Int
        var conversionRate: Double
        var orders: Int
        var revenueMinor: Int64
        var revenuePerCustomerMinor: Double
        /// Journeys only: entrants who reached the goal inside the window.
        var goal: Int?

        init(_ tally: GroupTally, goal: Int? = nil) {
            self.goal = goal
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
            case revenueMinor = "revenue_minor", revenuePerCustomerMinor = "revenue_per_customer_minor", goal
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
