/// Send ids: 32 lowercase hex digits, the creation time in milliseconds (48 bits) then 80 random
/// bits. Stable for the life of a send, so a Message-ID, an `Idempotency-Key` or a `webhook-id`
/// derived from it survives retries and restarts. The time prefix keeps a tick's new ids together
/// at the end of the `send_id` index instead of scattered over all of it (a 20-rule tick over a
/// million customers writes some 400,000 of them); the random part keeps them unguessable.
///
/// The time is the caller's (the engine clock's), never read here.
enum SendIdentifier {
    /// A new send id made at `now` (Unix seconds, fractional).
    static func make(now: Double) -> String {
        var generator = SystemRandomNumberGenerator()
        let milliseconds = UInt64(max(0, now * 1000)) & 0xFFFF_FFFF_FFFF
        let random = generator.next() as UInt64
        let more = (generator.next() as UInt64) & 0xFFFF
        return hex(milliseconds, digits: 12) + hex(more, digits: 4) + hex(random, digits: 16)
    }

    private static func hex(_ value: UInt64, digits count: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: count - digits.count) + digits
    }
}
