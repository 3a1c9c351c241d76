import Crypto

/// A coupon code derived from the send id: the same send always shows the same code (retries,
/// resends), different sends different codes. The shop's checkout can be fed the codes from
/// the send log.
public enum Coupon {
    /// Crockford-style alphabet: no I, L, O or U, so codes read aloud and typed back work.
    private static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")

    /// Ten characters in two groups, e.g. `K7Q2M-9XD4T`.
    public static func code(sendID: String) -> String {
        let digest = Array(SHA256.hash(data: Array("campaignd-coupon\u{0}\(sendID)".utf8)))
        var bits: UInt64 = 0
        for byte in digest.prefix(8) { bits = bits << 8 | UInt64(byte) }
        var characters: [Character] = []
        for index in 0..<10 {
            characters.append(alphabet[Int((bits >> UInt64(index * 5)) & 31)])
            if index == 4 { characters.append("-") }
        }
        return String(characters)
    }
}
