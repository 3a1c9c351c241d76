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
        var signed = Array("\(id).\(timestamp).".utf8)
        signed += body
        return keys.map { key in
            "v1," + Data(HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: key))).base64EncodedString()
        }.joined(separator: " ")
    }
}
