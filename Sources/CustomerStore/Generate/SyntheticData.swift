import Foundation
import RuleLanguage

/// Writes a deterministic synthetic data set as import-ready CSV files: customers with Finnish
/// names and addresses, purchases over two years, consents, NPS/CSAT answers and cart events.
///
/// The same options always give byte-identical files. Purchases come in time order, as a shop's
/// export would; busy customers buy much more often than occasional ones (a heavy-tailed weight),
/// about one in seven never buys, and nobody buys before joining. With `demo`, the customers of
/// `DemoCast` follow the synthetic ones, so every rule of `rules/` matches someone on the day
/// that begins at `until`; the synthetic rows are the same with or without them.
public struct SyntheticData {
    public var customers: Int
    public var purchases: Int
    public var seed: UInt64
    /// The end of the two-year purchase period (Unix seconds).
    public var until: Int64
    /// Whether to plant the demo's customers (`DemoCast`) after the synthetic ones.
    public var demo: Bool

    public init(customers: Int, purchases: Int, seed: UInt64 = 1, until: Int64, demo: Bool = false) {
        self.customers = customers
        self.purchases = purchases
        self.seed = seed
        self.until = until
        self.demo = demo
    }

    /// The planted customers' ids, each with the rule it is there for (empty without `demo`).
    public var plantedRoles: [(id: String, role: String)] {
        demo ? DemoCast(firstIndex: customers, until: until).roles : []
    }

    /// The files written, by kind, in the order they must be imported.
    public static let files: [(kind: ImportKind, name: String)] = [
        (.customers, "customers.csv"), (.purchases, "purchases.csv"), (.consents, "consents.csv"),
        (.feedback, "feedback.csv"), (.events, "events.csv"),
    ]

    private static let day: Int64 = 86400

    /// Writes the five CSV files into `directory` (created if needed).
    public func write(to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let start = until - 730 * Self.day
        var random = SplitMix64(seed: seed)
        let cast = demo ? DemoCast(firstIndex: customers, until: until) : nil

        // Join times ascend with the customer number: a fifth joined in the three years before the
        // period, the rest during it. Weights are heavy-tailed; about one in seven buys nothing.
        var joined = [Int64](repeating: 0, count: customers)
        var cumulativeWeight = [Double](repeating: 0, count: customers)
        var total = 0.0
        for index in 0..<customers {
            let fraction = Double(index) / Double(max(customers, 1))
            joined[index] = fraction < 0.2
                ? start - 1095 * Self.day + Int64(fraction / 0.2 * 1095 * Double(Self.day))
                : start + Int64((fraction - 0.2) / 0.8 * 720 * Double(Self.day))
            let weight = random.unit() < 0.15 ? 0 : min(pow(1 / max(random.unit(), 1e-9), 1 / 1.6), 40)
            total += weight
            cumulativeWeight[index] = total
        }

        let customerFile = try BufferedFileWriter(path: "\(directory)/customers.csv")
        try customerFile.write("id,email,name,phone,street,postal_code,city,country,birthday,joined,time_zone,locale,tags,loyalty_tier\n")
        for index in 0..<customers {
            let first = random.pick(FinnishNames.firstNames), last = random.pick(FinnishNames.surnames)
            let (postalCode, town) = random.pick(FinnishNames.towns)
            let street = "\(random.pick(FinnishNames.streets)) \(random.int(1...120))"
            let birthYear = random.int(1945...2006), birthMonth = random.int(1...12)
            let birthDay = random.int(1...CivilCalendar.daysIn(month: birthMonth, year: birthYear))
            let zone = random.unit() < 0.9 ? "Europe/Helsinki" : random.pick(["Europe/Stockholm", "Europe/Tallinn", ""])
            let locale = random.unit() < 0.85 ? "fi-FI" : random.pick(["sv-FI", "en-FI"])
            let weight = cumulativeWeight[index] - (index > 0 ? cumulativeWeight[index - 1] : 0)
            let tags = weight > 12 ? "vip;newsletter" : (random.unit() < 0.3 ? "newsletter" : "")
            let tier = weight > 12 ? "gold" : (weight > 4 ? "silver" : (random.unit() < 0.3 ? "bronze" : ""))
            let hasAddress = random.unit() < 0.95
            let line = [
                Self.customerID(index),
                "\(FinnishNames.asciiFolded(first)).\(FinnishNames.asciiFolded(last)).\(index + 1)@example.fi",
                "\(first) \(last)",
                "+358 4\(random.int(0...9)) \(random.int(1_000_000...9_999_999))",
                hasAddress ? street : "", hasAddress ? postalCode : "", town, "FI",
                String(format: "%04d-%02d-%02d", birthYear, birthMonth, birthDay),
                Self.isoDate(joined[index]), zone, locale, tags, tier,
            ].joined(separator: ",")
            try customerFile.write(line + "\n")
        }
        for line in cast?.customers ?? [] { try customerFile.write(line + "\n") }
        try customerFile.close()

        // Purchases in time order: sorted uniform times by the spacing method, each given to a
        // customer who had joined by then, chosen by weight.
        let purchaseFile = try BufferedFileWriter(path: "\(directory)/purchases.csv")
        try purchaseFile.write("customer,order,at,amount,currency\n")
        let span = Double(until - start - 3600)
        var time = Double(start)
        var joinedCount = 0
        var planted = (cast?.purchases ?? [])[...]
        for order in 0..<purchases {
            time += -log(1 - random.unit()) * span / Double(purchases + 1)
            let at = min(Int64(time), until - 3600)
            while let next = planted.first, next.at <= at {
                try purchaseFile.write(next.line + "\n")
                planted = planted.dropFirst()
            }
            while joinedCount < customers && joined[joinedCount] <= at { joinedCount += 1 }
            guard joinedCount > 0, cumulativeWeight[joinedCount - 1] > 0 else { continue }
            let target = random.unit() * cumulativeWeight[joinedCount - 1]
            let buyer = Self.firstIndex(in: cumulativeWeight, count: joinedCount, above: target)
            let cents = Int(min(exp(3.6 + 0.8 * Self.normal(&random)), 5000) * 100)
            try purchaseFile.write("\(Self.customerID(buyer)),O\(String(order + 1).leftPadded(to: 9)),\(Self.isoDateTime(at)),\(cents / 100).\(String(cents % 100).leftPadded(to: 2)),EUR\n")
        }
        for purchase in planted { try purchaseFile.write(purchase.line + "\n") }
        try purchaseFile.close()

        let consentFile = try BufferedFileWriter(path: "\(directory)/consents.csv")
        try consentFile.write("customer,channel,status,at,basis\n")
        let feedbackFile = try BufferedFileWriter(path: "\(directory)/feedback.csv")
        try feedbackFile.write("customer,kind,score,at,comment\n")
        let eventFile = try BufferedFileWriter(path: "\(directory)/events.csv")
        try eventFile.write("customer,name,at\n")
        for index in 0..<customers {
            let id = Self.customerID(index)
            let since = max(joined[index], start - 365 * Self.day)
            if random.unit() < 0.7 {
                try consentFile.write("\(id),email,granted,\(Self.isoDateTime(since)),consent\n")
                if random.unit() < 0.06 {
                    let withdrawn = since + Int64(random.unit() * Double(until - since))
                    try consentFile.write("\(id),email,withdrawn,\(Self.isoDateTime(withdrawn)),consent\n")
                }
            }
            if random.unit() < 0.35 {
                try consentFile.write("\(id),letter,granted,\(Self.isoDateTime(since)),legitimate_interest\n")
            }
            if random.unit() < 0.18 {
                let answers = random.unit() < 0.3 ? 2 : 1
                for answer in 0..<answers {
                    // Distinct times, so a customer's two answers are two rows.
                    let at = max(since + Int64(answer) * 3600, until - Int64(random.unit() * 365 * Double(Self.day)) + Int64(answer))
                    let roll = random.unit()
                    let score = roll < 0.18 ? random.int(0...6) : (roll < 0.45 ? random.int(7...8) : random.int(9...10))
                    let comment = score <= 6 ? random.pick(["Toimitus myöhästyi", "Tuote oli rikki", "\"Huono palvelu, ei vastausta\""]) : ""
                    try feedbackFile.write("\(id),nps,\(score),\(Self.isoDateTime(at)),\(comment)\n")
                }
            }
            if random.unit() < 0.04 {
                let at = until - Int64(random.unit() * 14 * Double(Self.day))
                if at >= joined[index] { try eventFile.write("\(id),cart_abandoned,\(Self.isoDateTime(at))\n") }
            }
        }
        if let cast {
            for line in cast.consents { try consentFile.write(line + "\n") }
            for line in cast.feedback { try feedbackFile.write(line + "\n") }
            for line in cast.events { try eventFile.write(line + "\n") }
        }
        try consentFile.close()
        try feedbackFile.close()
        try eventFile.close()
    }

    static func customerID(_ index: Int) -> String { "C" + String(index + 1).leftPadded(to: 7) }

    /// The first index below `count` whose cumulative weight exceeds `target` (binary search).
    private static func firstIndex(in cumulative: [Double], count: Int, above target: Double) -> Int {
        var low = 0, high = count - 1
        while low < high {
            let middle = (low + high) / 2
            if cumulative[middle] > target { high = middle } else { low = middle + 1 }
        }
        return low
    }

    /// A standard normal variate (Box–Muller).
    private static func normal(_ random: inout SplitMix64) -> Double {
        sqrt(-2 * log(1 - random.unit())) * cos(2 * .pi * random.unit())
    }

    /// `YYYY-MM-DD` of a Unix time, in UTC.
    public static func isoDate(_ seconds: Int64) -> String {
        let (year, month, day) = CivilCalendar.date(dayNumber: Int(seconds.floorDivided(by: 86400)))
        return "\(String(year).leftPadded(to: 4))-\(String(month).leftPadded(to: 2))-\(String(day).leftPadded(to: 2))"
    }

    static func isoDateTime(_ seconds: Int64) -> String {
        let secondOfDay = Int(seconds - seconds.floorDivided(by: 86400) * 86400)
        return isoDate(seconds) + "T" + String(secondOfDay / 3600).leftPadded(to: 2) + ":"
            + String(secondOfDay / 60 % 60).leftPadded(to: 2) + ":" + String(secondOfDay % 60).leftPadded(to: 2) + "Z"
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

extension Int64 {
    func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}

extension SyntheticData {
    /// Days since 1970-01-01 of a calendar date (`CivilCalendar.dayNumber`).
    public static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        CivilCalendar.dayNumber(year: year, month: month, day: day)
    }
}
