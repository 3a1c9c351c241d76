import Foundation
import RuleLanguage

/// Stable variant choice: a hash of (rule name, customer external id) picks the same variant on
/// every tick and machine, independent of the holdout (`HoldoutHash`), so being held out says
/// nothing about which variant a customer would get.
public enum VariantHash {
    /// A bucket in 0..<10 000: 64-bit FNV-1a of `"variant"`, 0x1F, `rule`, 0x1F and `customer`,
    /// mixed by the splitmix64 finaliser (FNV's low digits alone follow the last bytes too
    /// closely), reduced modulo 10 000.
    public static func bucket(rule: String, customer: String) -> Int {
        var customer = customer
        return customer.withUTF8 { bucket(ruleState: ruleState(rule), customer: UnsafeRawBufferPointer($0)) }
    }

    /// The hash state after the prefix, `rule` and the separator, computed once per rule.
    static func ruleState(_ rule: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "variant".utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        hash = (hash ^ 0x1F) &* 0x0000_0100_0000_01b3
        for byte in rule.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return (hash ^ 0x1F) &* 0x0000_0100_0000_01b3
    }

    /// `bucket(rule:customer:)` from a rule's state and the customer id's UTF-8 bytes.
    static func bucket(ruleState: UInt64, customer: UnsafeRawBufferPointer) -> Int {
        var hash = ruleState
        for byte in customer { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        hash = (hash ^ (hash >> 30)) &* 0xbf58_476d_1ce4_e5b9
        hash = (hash ^ (hash >> 27)) &* 0x94d0_49bb_1331_11eb
        hash ^= hash >> 31
        return Int(hash % 10_000)
    }

    /// The index of the variant whose cumulative weight range holds `bucket`.
    public static func index(in variants: [SendVariant], bucket: Int) -> Int {
        var upper = 0
        for (index, variant) in variants.enumerated() {
            upper += variant.weightBasisPoints
            if bucket < upper { return index }
        }
        return variants.count - 1
    }

    /// The variant `customer` gets from `rule`'s (or a step's) `variants`: the recorded winner's
    /// when there is one and it is still a variant, else the hashed one; nil without variants.
    public static func variant(of variants: [SendVariant], rule: String, customer: String, winner: String?) -> String? {
        guard !variants.isEmpty else { return nil }
        if let winner, variants.contains(where: { $0.target == winner }) { return winner }
        return variants[index(in: variants, bucket: bucket(rule: rule, customer: customer))].target
    }
}

/// A rule's variant choice in the evaluator's hot loop: the rule's hash state and its winner, once.
struct VariantChooser {
    let variants: [SendVariant]
    let state: UInt64
    /// The winner's index, when one is recorded and still a variant.
    let winnerIndex: Int?

    init(variants: [SendVariant], rule: String, winner: String?) {
        self.variants = variants
        state = VariantHash.ruleState(rule)
        winnerIndex = winner.flatMap { name in variants.firstIndex { $0.target == name } }
    }

    /// The variant's index for the customer id's bytes.
    func index(customer: UnsafeRawBufferPointer) -> Int {
        winnerIndex ?? VariantHash.index(in: variants, bucket: VariantHash.bucket(ruleState: state, customer: customer))
    }
}
