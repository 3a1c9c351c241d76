/// Send ids: 32 lowercase hex digits, the creation time in milliseconds (48 bits) then 80 random
/// bits (`RandomBytes`). Stable for the life of a send, so a Message-ID, an `Idempotency-Key` or a `webhook-id`
/// derived from it survives retries and restarts. The time prefix keeps a tick's new ids together
/// at the end of the `send_id` index instead of scattered over all of it (a 20-rule tick over a
/// million customers writes some 400,000 of them); the random part keeps them unguessable.
///
/// The time is the caller's (the engine clock's), never read here.
enum SendIdentifier {
    /// A new send id made at `now` (Unix seconds, fractional).
    static func make(now: Double) -> String {
        let milliseconds = UInt64(max(0, now * 1000)) & 0xFFFF_FFFF_FFFF
        let random = RandomBytes.shared.next()
        let more = RandomBytes.shared.next() & 0xFFFF
        // Written into one buffer: a tick makes some 400,000 of them.
        return String(unsafeUninitializedCapacity: 32) { buffer in
            write(milliseconds, digits: 12, into: buffer, at: 0)
            write(more, digits: 4, into: buffer, at: 12)
            write(random, digits: 16, into: buffer, at: 16)
            return 32
        }
    }

    /// Writes the low `count` hex digits of `value`, zero-padded, at `offset`.
    private static func write(_ value: UInt64, digits count: Int, into buffer: UnsafeMutableBufferPointer<UInt8>, at offset: Int) {
        var value = value
        for index in stride(from: offset + count - 1, through: offset, by: -1) {
            let digit = UInt8(value & 0xF)
            buffer[index] = digit < 10 ? UInt8(ascii: "0") + digit : UInt8(ascii: "a") + digit - 10
            value >>= 4
        }
    }
}
