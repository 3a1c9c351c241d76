import Crypto
import GRDB

/// How a `suppression` row names an address (docs/store.md): the normalised address itself, or,
/// for an erased customer, `sha256:` and the hex SHA-256 of it, so the store no longer holds the
/// address but still recognises it when it comes back.
public enum SuppressionAddress {
    /// The prefix of hashed entries; they sort between `sha256:` and `sha256;`.
    public static let hashPrefix = "sha256:"

    /// The normalised address on `channel` (`email`, `letter`, `webhook`) as SQL over `customer c`.
    public static func sql(channel: String) -> String {
        switch channel {
        case "email": "lower(trim(c.email))"
        case "letter": "lower(trim(c.street) || '|' || trim(c.postal_code) || '|' || trim(c.country))"
        default: "lower(c.external_id)"
        }
    }

    /// `sha256:` and the lower-case hex SHA-256 of the normalised address's UTF-8.
    public static func hashed(_ normalised: String) -> String {
        let hex = "0123456789abcdef".utf8.map { $0 }
        var text = Array(hashPrefix.utf8)
        text.reserveCapacity(hashPrefix.utf8.count + 64)
        for byte in SHA256.hash(data: Array(normalised.utf8)) {
            text.append(hex[Int(byte >> 4)])
            text.append(hex[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// `campaignd_address_hash(address)`: `hashed(address)`, or NULL for NULL. Registered on every
    /// connection of a `CustomerStore`.
    public static let hashFunction = DatabaseFunction("campaignd_address_hash", argumentCount: 1, pure: true) { values in
        String.fromDatabaseValue(values[0]).map(hashed)
    }
}
