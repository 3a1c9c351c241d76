/// 64-bit FNV-1a, the stable content hash of a rule file (`Rule.contentHash`).
///
/// Not cryptographic: it identifies which version of a file produced a send, nothing more.
enum FNV1a {
    static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    static let prime: UInt64 = 0x0000_0100_0000_01b3

    static func hash(of bytes: [UInt8]) -> UInt64 {
        var hash = offsetBasis
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* prime
        }
        return hash
    }

    /// The hash as 16 lowercase hexadecimal digits.
    static func hexDigest(of bytes: [UInt8]) -> String {
        let hex = String(hash(of: bytes), radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
