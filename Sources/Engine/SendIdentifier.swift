import Foundation

/// Send ids: 128 random bits as 32 lowercase hex digits. Stable for the life of a send, so a
/// Message-ID, an `Idempotency-Key` or a `webhook-id` derived from it survives retries and restarts.
enum SendIdentifier {
    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64
        let low = generator.next() as UInt64
        return hex(high) + hex(low)
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
