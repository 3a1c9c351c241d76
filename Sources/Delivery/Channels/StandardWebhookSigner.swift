import Crypto
import Foundation

/// Signs webhook requests by the Standard Webhooks scheme: `webhook-signature` is
/// `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, one signature per secret (several during a
/// rotation, separated by spaces). Secrets are `whsec_` followed by the base64 key.
struct StandardWebhookSigner: Sendable {
    /// Key bytes (SymmetricKey is not Sendable in swift-crypto 3).
    private let keys: [[UInt8]]

    struct InvalidSecret: Error, CustomStringConvertible {
        var description: String { "is not a Standard Webhooks secret (\"whsec_\" followed by base64)" }
    }

    init(secrets: [String]) throws(InvalidSecret) {
        var keys: [[UInt8]] = []
        for secret in secrets {
            let text = secret.trimmingCharacters(in: .whitespacesAndNewlines)
            guard text.hasPrefix("whsec_"), let bytes = Data(base64Encoded: String(text.dropFirst(6))), !bytes.isEmpty else {
                throw InvalidSecret()
            }
            keys.append(Array(bytes))
        }
        self.keys = keys
    }

    var isEmpty: Bool { keys.isEmpty }

    /// The `webhook-signature` header value.
    func signature(id: String, timestamp: Int, body: [UInt8]) -> String {
        let prefix = Array("\(id).\(timestamp).".utf8)
        return keys.map { key in
            // The body is hashed where it lies, not copied behind the prefix.
            var hmac = HMAC<SHA256>(key: SymmetricKey(data: key))
            hmac.update(data: prefix)
            hmac.update(data: body)
            return "v1," + Data(hmac.finalize()).base64EncodedString()
        }.joined(separator: " ")
    }
}
