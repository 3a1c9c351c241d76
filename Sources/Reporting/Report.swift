import CustomerStore
import Foundation

/// `campaignd report`: per rule, recipients against the holdout over a period — conversion,
/// revenue per customer, lift with 95 % intervals and a verdict; per journey, entrants against
/// the entry holdout, and each step's sends and skips. See docs/report.md.
public struct Report: Sendable {
    public let query: ReportQuery
    public let currency: String
    public let timeZone: TimeZone
    public let rules: [RuleReport]
    public let journeys: [JourneyReport]

    public init(query: ReportQuery, currency: String, timeZone: TimeZone, rules: [RuleReport], journeys: [JourneyReport] = []) {
        self.query = query
        self.currency = currency
        self.timeZone = timeZone
        self.rules = rules
        self.journeys = journeys
    }

    /// The report of `query` over the rows a store read for it (`ReportQuery.request`), amounts
    /// in `currency`.
    public init(query: ReportQuery, rows: ReportRows, currency: String, timeZone: TimeZone) {
        self.init(
            query: query, currency: currency, timeZone: timeZone, rules: query.rules(from: rows), journeys: query.journeys(from: rows))
    }

    /// Runs `query` over the SQLite `store` (one read transaction); amounts in the store's currency.
    public init(query: ReportQuery, store: CustomerStore, timeZone: TimeZone) throws {
        self.init(query: query, rows: try store.reportRows(query.request), currency: store.currency, timeZone: timeZone)
    }

    /// The business date of a week's first day, `2026-11-16`: the date at noon of that day, which is
    /// the same whatever daylight-saving offset the week's start was computed with.
    func weekDate(_ start: Int64) -> String {
        date(start + 12 * 3600)
    }

    /// The business date of an instant, `2026-11-16`.
    func date(_ seconds: Int64) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let day = calendar.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: TimeInterval(seconds)))
        return String(format: "%04d-%02d-%02d", day.year ?? 0, day.month ?? 0, day.day ?? 0)
    }

    /// Minor units as money, rounded to the minor unit: `5.12 EUR`.
    func money(_ minor: Double) -> String {
        MoneyFormat.text(Int64(minor.rounded()), currency: currency)
    }

    /// Minor units as a signed amount, with a real minus sign as in the other figures:
    /// `+1.72 EUR`, `−0.40 EUR`.
    func signedMoney(_ minor: Double) -> String {
        let rounded = Int64(minor.rounded())
        let text = MoneyFormat.text(abs(rounded), currency: currency)
        return (rounded < 0 ? "−" : "+") + text
    }
}
