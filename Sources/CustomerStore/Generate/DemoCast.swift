import RuleLanguage

/// The customers `generate --demo` plants beside the synthetic ones, so that every rule of the
/// starting set in `rules/` matches someone at any instant of the day that begins at `until`
/// (UTC midnight), whatever that day is: a birthday today (and one tomorrow, for the evening
/// hours when Helsinki has already turned the date), a key customer, a detractor who answered
/// yesterday, two carts abandoned within the last day, regulars who stopped buying, and for the
/// journeys: first-time buyers, a customer who became key and one who stopped being regular
/// since the history tick, and one who was sent the first cart reminder at it.
///
/// Every row lies at or before `until`, so nothing is in the future of the demo's instant. The
/// rows depend only on `until` and the first customer number: the same day gives the same cast.
struct DemoCast {
    /// One planted customer and what makes a rule match them.
    private struct Member {
        var role: String
        var first: String, last: String
        var birthday: (year: Int, month: Int, day: Int)
        var zone = "Europe/Helsinki"
        var tags = "", tier = ""
        /// Days before `until` and the amount in cents.
        var purchases: [(daysAgo: Int, cents: Int)]
        var channels: [String] = ["email"]
        /// Seconds before `until`, score and comment of each NPS answer.
        var answers: [(secondsAgo: Int64, score: Int, comment: String)] = []
        /// Seconds before `until` of an abandoned cart.
        var cartAbandoned: Int64?
    }

    private static let day: Int64 = 86400

    /// How long before `until` scripts/demo runs its history tick (`run --once --at`): two days
    /// before, at 12:00 UTC.
    static let historyTick: Int64 = 2 * day - 12 * 3600

    let customers: [String]
    /// Purchase rows with their times, in time order.
    let purchases: [(at: Int64, line: String)]
    let consents: [String]
    let feedback: [String]
    let events: [String]
    /// The planted customer ids with the rule each one is there for.
    let roles: [(id: String, role: String)]

    init(firstIndex: Int, until: Int64) {
        let today = Int(until.floorDivided(by: Self.day))
        var members = [
            Member(role: "birthday today", first: "Aino", last: "Syntymäpäivä", birthday: Self.birthday(celebratedOn: today),
                   purchases: [(45, 6490)]),
            Member(role: "birthday tomorrow (today in Helsinki from 21:00/22:00 UTC)", first: "Eino", last: "Huominen",
                   birthday: Self.birthday(celebratedOn: today + 1), purchases: [(200, 3950)]),
            Member(role: "key customer", first: "Helmi", last: "Avainasiakas", birthday: (1968, 5, 17), tags: "vip;newsletter",
                   tier: "gold", purchases: [(150, 69000), (75, 72050), (20, 85000)], channels: ["email", "letter"]),
            Member(role: "detractor", first: "Väinö", last: "Tyytymätön", birthday: (1979, 9, 3),
                   purchases: [(120, 4200), (30, 8900)], channels: ["email", "webhook"],
                   answers: [(200 * Self.day, 9, ""), (10 * 3600, 3, "Toimitus myöhästyi")]),
            Member(role: "cart abandoned at midnight", first: "Sofia", last: "Ostoskori", birthday: (1990, 12, 24),
                   purchases: [(60, 2990)], cartAbandoned: 0),
            Member(role: "cart abandoned yesterday evening", first: "Onni", last: "Kärrynen", birthday: (1985, 7, 7),
                   zone: "Europe/Stockholm", purchases: [(300, 1590)], cartAbandoned: 5 * 3600),
        ]
        // The journeys and the rules that read history (rules/journeys.rules). scripts/demo
        // first runs a tick two days before `until`, at 12:00 UTC (`historyTick`): it records
        // the segments' membership (the baseline of `entered`/`left`) and sends the first cart
        // reminder, so that the demo's own tick sees the transitions and the earlier send.
        for (offset, name) in [("Ilona", "Ensiostos"), ("Toivo", "Uusiasiakas")].enumerated() {
            members.append(Member(
                role: "first-time buyer yesterday (onboarding)", first: name.0, last: name.1, birthday: (1995 + offset, 6, 2 + offset),
                purchases: [(1, 3490 + 1000 * offset)]))
        }
        members += [
            Member(role: "key customer since yesterday (new-key-customer)", first: "Kaarina", last: "Nouseva", birthday: (1972, 4, 8),
                   purchases: [(200, 90000), (100, 90000), (1, 50000)], channels: ["email", "letter"]),
            Member(role: "no longer regular since the history tick (lapsed-regular)", first: "Pentti", last: "Poissaoleva",
                   birthday: (1958, 10, 30), purchases: [(366, 5200), (200, 4800), (100, 6100)]),
            Member(role: "cart abandoned before the history tick (second-reminder)", first: "Kerttu", last: "Muistutettava",
                   birthday: (1988, 1, 19), purchases: [(250, 2490)], cartAbandoned: Self.historyTick + 3600),
        ]
        for (offset, name) in [("Emma", "Kanta-asiakas"), ("Leo", "Palaaja"), ("Aada", "Vakio")].enumerated() {
            members.append(Member(
                role: "regular, no purchase for 100 days", first: name.0, last: name.1, birthday: (1960 + 7 * offset, 3 + offset, 11),
                purchases: [300, 220, 160, 100].map { (daysAgo: $0 + 7 * offset, cents: 4500 + 1000 * offset) }))
        }

        var customers: [String] = [], purchases: [(at: Int64, line: String)] = [], consents: [String] = []
        var feedback: [String] = [], events: [String] = [], roles: [(id: String, role: String)] = []
        let joined = until - 800 * Self.day
        for (offset, member) in members.enumerated() {
            let index = firstIndex + offset
            let id = SyntheticData.customerID(index)
            roles.append((id, member.role))
            let email = "\(FinnishNames.asciiFolded(member.first)).\(FinnishNames.asciiFolded(member.last)).\(index + 1)@example.fi"
            let (year, month, dayOfMonth) = member.birthday
            customers.append([
                id, email.lowercased(), "\(member.first) \(member.last)", "+358 40 \(1_000_000 + index)",
                "Kauppakatu \(offset + 1)", "00100", "Helsinki", "FI",
                "\(String(year).leftPadded(to: 4))-\(String(month).leftPadded(to: 2))-\(String(dayOfMonth).leftPadded(to: 2))",
                SyntheticData.isoDate(joined), member.zone, "fi-FI", member.tags, member.tier,
            ].joined(separator: ","))
            for (number, purchase) in member.purchases.enumerated() {
                let at = until - Int64(purchase.daysAgo) * Self.day + 12 * 3600
                let order = "D" + String(index + 1).leftPadded(to: 7) + String(number + 1).leftPadded(to: 2)
                purchases.append((at, "\(id),\(order),\(SyntheticData.isoDateTime(at)),\(purchase.cents / 100).\(String(purchase.cents % 100).leftPadded(to: 2)),EUR"))
            }
            for channel in member.channels {
                consents.append("\(id),\(channel),granted,\(SyntheticData.isoDateTime(joined)),\(channel == "letter" ? "legitimate_interest" : "consent")")
            }
            for answer in member.answers {
                feedback.append("\(id),nps,\(answer.score),\(SyntheticData.isoDateTime(until - answer.secondsAgo)),\(answer.comment)")
            }
            if let secondsAgo = member.cartAbandoned {
                events.append("\(id),cart_abandoned,\(SyntheticData.isoDateTime(until - secondsAgo))")
            }
        }
        self.customers = customers
        self.purchases = purchases.sorted { $0.at < $1.at }
        self.consents = consents
        self.feedback = feedback
        self.events = events
        self.roles = roles
    }

    /// A birthday (born 1984, a leap year) that the rules celebrate on day number `day`: its own
    /// month and day, or 29 February when `day` is 28 February of a common year.
    private static func birthday(celebratedOn day: Int) -> (year: Int, month: Int, day: Int) {
        let (year, month, dayOfMonth) = CivilCalendar.date(dayNumber: day)
        if month == 2 && dayOfMonth == 28 && !CivilCalendar.isLeap(year) { return (1984, 2, 29) }
        return (1984, month, dayOfMonth)
    }
}
