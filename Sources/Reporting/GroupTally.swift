/// What the report counts for one group (recipients or holdout) of a rule, over the customers
/// whose window has ended.
public struct GroupTally: Sendable, Equatable {
    /// Customers in the group (each counted once per rule; see docs/report.md).
    public var customers = 0
    /// Recipients whose send was delivered (status `sent`); always 0 in the holdout group.
    public var delivered = 0
    /// Customers with at least one purchase within the window.
    public var converted = 0
    /// Purchases within the window.
    public var orders = 0
    /// Their amounts, exact, in minor units.
    public var revenueMinor: Int64 = 0
    /// Σ (revenue per customer)², for the variance; a Double so that it cannot overflow.
    public var revenueSquares: Double = 0

    public init() {}

    /// A group's tally from the store's aggregate of it.
    public init(customers: Int, delivered: Int = 0, converted: Int, orders: Int, revenueMinor: Int64, revenueSquares: Double) {
        self.customers = customers
        self.delivered = delivered
        self.converted = converted
        self.orders = orders
        self.revenueMinor = revenueMinor
        self.revenueSquares = revenueSquares
    }

    public var conversionRate: Double { customers == 0 ? 0 : Double(converted) / Double(customers) }

    /// Mean revenue per customer (non-converters count as 0), in minor units.
    public var revenuePerCustomer: Double { customers == 0 ? 0 : Double(revenueMinor) / Double(customers) }

    /// The sample variance of revenue per customer, from the sums.
    var revenueVariance: Double {
        guard customers > 1 else { return 0 }
        let n = Double(customers), sum = Double(revenueMinor)
        return max(0, (revenueSquares - sum * sum / n) / (n - 1))
    }

    static func + (a: GroupTally, b: GroupTally) -> GroupTally {
        var sum = a
        sum.customers += b.customers
        sum.delivered += b.delivered
        sum.converted += b.converted
        sum.orders += b.orders
        sum.revenueMinor += b.revenueMinor
        sum.revenueSquares += b.revenueSquares
        return sum
    }
}
