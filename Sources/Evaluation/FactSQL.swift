import CustomerStore
import Foundation
import GRDB
import RuleLanguage

/// SQL expressions for built-in facts over `customer c JOIN customer_facts f`.
///
/// Fast paths read the per-customer facts; when a fact changed after `now` (an evaluation in
/// the past) the expression falls back to the history tables, so any instant gives the answer
/// the store would have given then. Numbers and money are integers (money in minor units),
/// dates are local day numbers in the business time zone, booleans are the dialect's, missing is
/// NULL. What SQL dialects spell differently goes through `dialect`.
struct FactSQL: Sendable {
    let settings: EvaluationSettings
    /// True when no customer's history changed after `now` (checked per evaluation, see
    /// `Evaluator.factsAreCurrent`): the facts are then exact at `now` and the fallbacks to the
    /// history tables are left out of the SQL.
    let factsAreCurrent: Bool
    let dialect: SQLDialect

    init(settings: EvaluationSettings, factsAreCurrent: Bool = false, dialect: SQLDialect) {
        self.settings = settings
        self.factsAreCurrent = factsAreCurrent
        self.dialect = dialect
    }

    private var now: DatabaseValue { settings.now.databaseValue }
    private var zone: DatabaseValue { settings.businessTimeZone.identifier.databaseValue }
    private func from(_ days: Int) -> DatabaseValue { (settings.now - Int64(days) * 86_400).databaseValue }
    /// The column, or 0 when it is NULL.
    private func orZero(_ column: String) -> String { dialect.ifNull(column, "0") }

    /// The value of `fact` for one customer.
    func value(_ fact: Fact) -> SQLFragment {
        let t = now
        switch fact {
        case .orders(nil) where factsAreCurrent:
            return SQLFragment("f.orders")
        case .orders(nil):
            return SQLFragment(
                "(CASE WHEN \(orZero("f.last_purchase_at")) <= ? THEN f.orders "
                    + "ELSE (SELECT count(*) FROM purchase p WHERE p.customer_id = f.customer_id AND p.at <= ?) END)", [t, t])
        case .orders(let days?):
            return windowed(days: days, whole: "f.orders", aggregate: "count(*)")
        case .spent(nil) where factsAreCurrent:
            return SQLFragment("f.spent_minor")
        case .spent(nil):
            return SQLFragment(
                "(CASE WHEN \(orZero("f.last_purchase_at")) <= ? THEN f.spent_minor "
                    + "ELSE (SELECT coalesce(sum(p.amount_minor), 0) FROM purchase p WHERE p.customer_id = f.customer_id AND p.at <= ?) END)",
                [t, t])
        case .spent(let days?):
            return windowed(days: days, whole: "f.spent_minor", aggregate: "coalesce(sum(p.amount_minor), 0)")
        case .purchase(let days) where factsAreCurrent:
            return SQLFragment("(\(orZero("f.last_purchase_at")) >= ?)", [from(days)])
        case .purchase(let days):
            let f = from(days)
            // Written so the usual case (no purchase after `now`) costs two comparisons.
            return SQLFragment(
                "(\(orZero("f.last_purchase_at")) >= ? AND (f.last_purchase_at <= ? OR (f.first_purchase_at <= ? "
                    + "AND EXISTS (SELECT 1 FROM purchase p WHERE p.customer_id = f.customer_id AND p.at BETWEEN ? AND ?))))",
                [f, t, t, f, t])
        case .daysSinceLastPurchase:
            return SQLFragment.composed("(\(dialect.integerQuotient("({} - {})", "86400")))", .value(t), lastPurchaseAt)
        case .daysSinceFirstPurchase:
            return SQLFragment(
                "(\(dialect.integerQuotient("(? - (CASE WHEN f.first_purchase_at <= ? THEN f.first_purchase_at END))", "86400")))",
                [t, t])
        case .firstPurchase:
            return SQLFragment(
                dialect.localDay("CASE WHEN f.first_purchase_at <= ? THEN f.first_purchase_at END", "?"), [t, zone], cost: 3)
        case .lastPurchase:
            return SQLFragment.composed(dialect.localDay("{}", "{}"), lastPurchaseAt, .value(zone), cost: 3)
        case .score(let kind) where factsAreCurrent:
            return SQLFragment("f.\(kind.rawValue)_score")
        case .score(let kind):
            return SQLFragment(
                "(CASE WHEN \(orZero("f.\(kind.rawValue)_at")) <= ? THEN f.\(kind.rawValue)_score "
                    + "ELSE (SELECT fb.score FROM feedback fb WHERE fb.customer_id = f.customer_id AND fb.kind = ? AND fb.at <= ? "
                    + "ORDER BY fb.at DESC LIMIT 1) END)",
                [t, kind.rawValue.databaseValue, t])
        case .feedback(let kind, let days) where factsAreCurrent:
            return SQLFragment("(\(orZero(kind.map { "f.\($0.rawValue)_at" } ?? "f.last_feedback_at")) >= ?)", [from(days)])
        case .feedback(let kind, let days):
            let column = kind.map { "f.\($0.rawValue)_at" } ?? "f.last_feedback_at"
            let f = from(days)
            let kindFilter = kind == nil ? "" : " AND fb.kind = ?"
            return SQLFragment(
                "(\(orZero(column)) >= ? AND (\(column) <= ? "
                    + "OR EXISTS (SELECT 1 FROM feedback fb WHERE fb.customer_id = f.customer_id\(kindFilter) AND fb.at BETWEEN ? AND ?)))",
                [f, t] + (kind.map { [$0.rawValue.databaseValue] } ?? []) + [f, t])
        case .event(let name, let days):
            return SQLFragment(
                "(f.customer_id IN (SELECT ev.customer_id FROM event ev WHERE ev.name = ? AND ev.at BETWEEN ? AND ?))",
                [name.databaseValue, from(days), t], cost: 2)
        case .birthday(let days):
            // Only a few month-days can be "today + N" anywhere on Earth; compare those first.
            let candidates = SQLFragment.joined(
                BirthdayRule.candidateMonthDays(now: settings.now, days: days).map { .value($0.databaseValue) },
                separator: ", ")
            let matches = dialect.birthdayIn("c.birthday", "c.time_zone", "{}", "{}", "{}")
            return SQLFragment.composed(
                "(\(dialect.monthDay("c.birthday")) IN ({}) AND \(matches))",
                candidates, .value(zone), .value(t), .value(days.databaseValue), cost: 3)
        case .joined:
            return SQLFragment(dialect.localDay("CASE WHEN c.joined_at <= ? THEN c.joined_at END", "?"), [t, zone], cost: 3)
        case .daysSinceJoined:
            return SQLFragment("(CASE WHEN c.joined_at <= ? THEN \(dialect.integerQuotient("(? - c.joined_at)", "86400")) END)", [t, t])
        case .consent(let channel):
            return SQLFragment.composed("({} AND NOT {})", consentGranted(channel), suppressed(channel))
        case .tagged(let tag):
            return SQLFragment("(f.customer_id IN (SELECT ct.customer_id FROM customer_tag ct WHERE ct.tag = ?))", [tag.databaseValue], cost: 2)
        case .customerField(let field):
            return SQLFragment("c.\(field.rawValue)")
        case .attribute(let name):
            return attributeText(name)
        case .transition:
            // Needs the segment's condition: compiled by `ConditionCompiler.transition`.
            preconditionFailure("segment transitions are compiled by ConditionCompiler")
        case .received(let name, let days):
            return SQLFragment(
                "(f.customer_id IN (SELECT s.customer_id FROM send s WHERE s.rule = ? AND \(Self.delivered) "
                    + "AND s.updated_at BETWEEN ? AND ?))",
                [name.databaseValue, from(days), t], cost: 2)
        case .daysSinceReceived(let name):
            // The set of receivers first (read once per query): most customers never got NAME,
            // and the correlated look-up of the last receipt then never runs for them.
            return SQLFragment.composed(
                "(CASE WHEN {} THEN \(dialect.integerQuotient("({} - {})", "86400")) END)",
                receivedEver(name), .value(t), lastReceipt(name))
        case .purchaseSinceReceived(let name):
            return SQLFragment.composed(
                "coalesce({} AND {} > {}, \(dialect.falseLiteral))", receivedEver(name), lastPurchaseAt, lastReceipt(name))
        }
    }

    /// Whether the customer was ever delivered a send of rule `name` at or before `now`.
    func receivedEver(_ name: String) -> SQLFragment {
        SQLFragment(
            "(f.customer_id IN (SELECT s.customer_id FROM send s WHERE s.rule = ? AND \(Self.delivered) AND s.updated_at <= ?))",
            [name.databaseValue, now], cost: 2)
    }

    /// Send-log rows that count for `received`: delivered ones (`sent`); their `updated_at` is
    /// the delivery time, never changed afterwards.
    static let delivered = "s.status = \(SendStatus.sent.sqlLiteral)"

    /// When the customer was last delivered a send of rule `name`, at or before `now`; NULL if never.
    func lastReceipt(_ name: String) -> SQLFragment {
        SQLFragment(
            "(SELECT max(s.updated_at) FROM send s WHERE s.rule = ? AND s.customer_id = f.customer_id AND \(Self.delivered) "
                + "AND s.updated_at <= ?)",
            [name.databaseValue, now], cost: 3)
    }

    /// Customers in `segment` just before `now`, by its recorded history: the membership of the
    /// previous recorded evaluation. Writes at `now` itself (this tick's) do not change it.
    func memberBefore(_ segment: String) -> SQLFragment {
        SQLFragment(
            "(f.customer_id IN (SELECT m.customer_id FROM segment_membership m WHERE m.segment = ? AND m.entered_at < ? "
                + "AND (m.left_at IS NULL OR m.left_at >= ?)))",
            [segment.databaseValue, now, now], cost: 2)
    }

    /// Whether the segment's membership was recorded by an evaluation before `now` (so its
    /// transitions can be told); read once per query.
    func trackedBefore(_ segment: String) -> SQLFragment {
        SQLFragment(
            "EXISTS (SELECT 1 FROM segment_tracking st WHERE st.segment = ? AND st.since < ?)", [segment.databaseValue, now])
    }

    /// Customers whose recorded history has a `transition` of `segment` in `now - days×24h ..< now`;
    /// entries recorded by the segment's first evaluation (its baseline) are not transitions.
    func recordedTransition(_ transition: SegmentTransition, _ segment: String, days: Int) -> SQLFragment {
        switch transition {
        case .entered:
            return SQLFragment(
                "(f.customer_id IN (SELECT m.customer_id FROM segment_membership m WHERE m.segment = ? AND m.entered_at >= ? "
                    + "AND m.entered_at < ? AND m.entered_at > (SELECT st.since FROM segment_tracking st WHERE st.segment = ?)))",
                [segment.databaseValue, from(days), now, segment.databaseValue], cost: 2)
        case .left:
            return SQLFragment(
                "(f.customer_id IN (SELECT m.customer_id FROM segment_membership m WHERE m.segment = ? AND m.left_at >= ? "
                    + "AND m.left_at < ?))",
                [segment.databaseValue, from(days), now], cost: 2)
        }
    }

    /// The latest recorded `transition` of `segment` at or before `now`, for `explain`; NULL if none.
    func lastRecordedTransition(_ transition: SegmentTransition, _ segment: String) -> SQLFragment {
        let column = transition == .entered ? "m.entered_at" : "m.left_at"
        let baseline = transition == .entered
            ? " AND m.entered_at > (SELECT st.since FROM segment_tracking st WHERE st.segment = ?)" : ""
        return SQLFragment(
            "(SELECT max(\(column)) FROM segment_membership m WHERE m.segment = ? AND m.customer_id = f.customer_id "
                + "AND \(column) <= ?\(baseline))",
            [segment.databaseValue, now] + (transition == .entered ? [segment.databaseValue] : []), cost: 3)
    }

    /// A custom attribute read as a number (NULL when it is not one).
    func attributeNumber(_ name: String) -> SQLFragment {
        SQLFragment.composed(dialect.number("{}"), attributeText(name), cost: 2)
    }

    /// A custom attribute's text: by a path when the dialect can name it so, else by its key.
    private func attributeText(_ name: String) -> SQLFragment {
        if let path = dialect.attributePath(name) {
            return SQLFragment(dialect.attributeAtPath("c.attributes", "?"), [path.databaseValue], cost: 2)
        }
        return SQLFragment(dialect.attributeWithKey("c.attributes", "?"), [name.databaseValue], cost: 3)
    }

    /// Time of the last purchase at or before `now`.
    var lastPurchaseAt: SQLFragment {
        if factsAreCurrent { return SQLFragment("f.last_purchase_at") }
        return SQLFragment(
            "(CASE WHEN f.last_purchase_at IS NULL OR f.last_purchase_at <= ? THEN f.last_purchase_at "
                + "ELSE (SELECT max(p.at) FROM purchase p WHERE p.customer_id = f.customer_id AND p.at <= ?) END)", [now, now])
    }

    /// Purchase count or sum in `now - days×24h ... now`: from the facts when the customer's
    /// purchases lie wholly inside or outside the window, else from the purchase index.
    private func windowed(days: Int, whole: String, aggregate: String) -> SQLFragment {
        let f = from(days)
        let t = now
        if factsAreCurrent {
            return SQLFragment(
                "(CASE WHEN \(orZero("f.last_purchase_at")) < ? THEN 0 WHEN f.first_purchase_at >= ? THEN \(whole) "
                    + "ELSE (SELECT \(aggregate) FROM purchase p WHERE p.customer_id = f.customer_id AND p.at BETWEEN ? AND ?) END)",
                [f, f, f, t], cost: 10)
        }
        return SQLFragment(
            "(CASE WHEN \(orZero("f.last_purchase_at")) < ? OR f.first_purchase_at > ? THEN 0 "
                + "WHEN f.first_purchase_at >= ? AND f.last_purchase_at <= ? THEN \(whole) "
                + "ELSE (SELECT \(aggregate) FROM purchase p WHERE p.customer_id = f.customer_id AND p.at BETWEEN ? AND ?) END)",
            [f, t, f, t, f, t], cost: 10)
    }

    /// 1 when the customer's latest consent for `channel` at `now` is a grant.
    func consentGranted(_ channel: Channel) -> SQLFragment {
        let state = "f.\(channel.rawValue)_consent"
        let granted = dialect.nullSafeEquals(state, "'granted'")
        if factsAreCurrent { return SQLFragment("(\(granted))") }
        return SQLFragment(
            "(CASE WHEN \(orZero("\(state)_at")) <= ? THEN \(granted) "
                + "ELSE coalesce((SELECT cs.status = 'granted' FROM consent cs WHERE cs.customer_id = f.customer_id AND cs.channel = ? "
                + "AND cs.at <= ? ORDER BY cs.at DESC, cs.status = 'withdrawn' DESC LIMIT 1), \(dialect.falseLiteral)) END)",
            [now, channel.rawValue.databaseValue, now])
    }

    /// 1 unless the customer's latest consent for `channel` at `now` is a withdrawal: what a
    /// service message needs (no record at all is fine).
    func consentNotWithdrawn(_ channel: Channel) -> SQLFragment {
        let state = "f.\(channel.rawValue)_consent"
        let open = "(\(state) IS NULL OR \(state) <> 'withdrawn')"
        if factsAreCurrent { return SQLFragment(open) }
        return SQLFragment(
            "(CASE WHEN \(orZero("\(state)_at")) <= ? THEN \(open) "
                + "ELSE coalesce((SELECT cs.status <> 'withdrawn' FROM consent cs WHERE cs.customer_id = f.customer_id AND cs.channel = ? "
                + "AND cs.at <= ? ORDER BY cs.at DESC, cs.status = 'withdrawn' DESC LIMIT 1), \(dialect.trueLiteral)) END)",
            [now, channel.rawValue.databaseValue, now])
    }

    /// 1 when the customer's address on `channel` is suppressed at `now`, by the address itself or
    /// by its hash (an erased customer's entry, `SuppressionAddress`). The suppression list is read
    /// once per query (non-correlated `IN` and `EXISTS`), not once per customer; the address is
    /// hashed only for customers not suppressed by the plain address, and only when the channel
    /// has hashed entries at all.
    func suppressed(_ channel: Channel) -> SQLFragment {
        let address = Self.address(channel)
        let entries = SQLFragment.composed(
            "FROM suppression s WHERE s.channel = {} AND s.at <= {}", .value(channel.rawValue.databaseValue), .value(now))
        let hashed = SQLFragment.composed(
            "{} AND s.address >= {} AND s.address < {}", entries,
            .value(SuppressionAddress.hashPrefix.databaseValue), .value(Self.hashPrefixEnd.databaseValue))
        return SQLFragment.composed(
            """
            (CASE WHEN {} IN (SELECT s.address {}) THEN \(dialect.trueLiteral) WHEN NOT EXISTS (SELECT 1 {}) THEN \(dialect.falseLiteral) \
            ELSE coalesce(\(dialect.addressHash("{}")) IN (SELECT s.address {}), \(dialect.falseLiteral)) END)
            """,
            address, entries, hashed, address, hashed, cost: Self.hashingCost)
    }

    /// The ordering cost of the suppression test: above a purchase-window subquery (10), so an
    /// `and` tests it last and hashes addresses only for customers every other term let through.
    static let hashingCost = 12

    /// The first text after every hashed suppression address (`sha256;` follows `sha256:…`).
    static let hashPrefixEnd = String(SuppressionAddress.hashPrefix.dropLast()) + ";"

    /// The address a suppression entry names, per channel (see docs/store.md): the lower-cased
    /// email; the lower-cased street, postal code and country; the customer's external id.
    static func address(_ channel: Channel) -> SQLFragment {
        SQLFragment(SuppressionAddress.sql(channel: channel.rawValue))
    }

    /// 1 when the customer has what the channel needs to reach them.
    func addressComplete(_ channel: Channel) -> SQLFragment {
        func present(_ column: String) -> String { "coalesce(trim(c.\(column)), '') <> ''" }
        switch channel {
        case .email: return SQLFragment("(\(present("email")))")
        case .letter:
            return SQLFragment("(" + ["name", "street", "postal_code", "city", "country"].map(present).joined(separator: " AND ") + ")")
        case .webhook: return SQLFragment(dialect.trueLiteral)
        }
    }
}

extension SQLFragment {
    /// The same expression, made to depend on the `customer c` row (`c.id` = `f.customer_id`).
    ///
    /// SQLite tests a WHERE term as soon as the tables it names are read, whatever its position.
    /// A costly purchase subquery that names only `f` would run before every cheap test on
    /// `c` (city, attributes, …); naming `c` lets the cheap tests go first. Worth it only when the
    /// condition has such tests: otherwise it costs a `c` lookup for rows `f` alone would reject.
    var dependingOnCustomerRow: SQLFragment {
        SQLFragment(sql.replacingOccurrences(of: "p.customer_id = f.customer_id", with: "p.customer_id = c.id"), arguments, cost: cost)
    }
}
