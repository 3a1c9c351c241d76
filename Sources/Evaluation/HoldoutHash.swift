import Foundation

/// Stable holdout membership: a hash of (rule name, customer external id) picks the same
/// customers on every tick, on every machine, and after a store is rebuilt from the shop's data.
public enum HoldoutHash {
    /// A bucket in 0..<10 000 (basis points): 64-bit FNV-1a of `rule`, a 0x1F separator and
    /// `customer`, reduced modulo 10 000.
    public static func bucket(rule: String, customer: String) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ byte: UInt8) {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        rule.utf8.forEach(mix)
        mix(0x1F)
        customer.utf8.forEach(mix)
        return Int(hash % 10_000)
    }

    /// The hash state after `rule` and the separator, computed once per rule.
    static func ruleState(_ rule: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in rule.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return (hash ^ 0x1F) &* 0x0000_0100_0000_01b3
    }

    /// `bucket(rule:customer:)` from a rule's state and the customer id's UTF-8 bytes.
    static func bucket(ruleState: UInt64, customer: UnsafeRawBufferPointer) -> Int {
        var hash = ruleState
        for byte in customer { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return Int(hash % 10_000)
    }

    /// Whether the customer is in the rule's control group of `percent` % (e.g. 10 or 2.5).
    public static func isHeldOut(rule: String, customer: String, percent: Decimal) -> Bool {
        bucket(rule: rule, customer: customer) < basisPoints(percent)
    }

    /// `percent` in hundredths of a percent: 10 % → 1 000, 2.5 % → 250.
    public static func basisPoints(_ percent: Decimal) -> Int {
        percent > 0 ? NSDecimalNumber(decimal: percent * 100).intValue : 0
    }
}
