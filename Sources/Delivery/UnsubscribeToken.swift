import Crypto
import Foundation
import RuleLanguage

/// The signed token of a one-click unsubscribe link: who (the customer's external id) and from
/// what (the channel), with an HMAC-SHA256 over both under a secret only the daemon knows.
///
/// Token text: `base64url(channel ":" externalID) "." base64url(HMAC)`, safe in a URL query.
/// `sign` is used when mail is built, `verify` by the HTTP listener that receives the click.
public struct UnsubscribeToken: Sendable {
    /// Key bytes (SymmetricKey is not Sendable in swift-crypto 3).
    private let secret: [UInt8]
    private var key: SymmetricKey { SymmetricKey(data: secret) }

    /// - Parameter secret: the secret's bytes (from `unsubscribe_secret_file`); at least 16.
    public init(secret: [UInt8]) throws(UnsubscribeTokenError) {
        guard secret.count >= 16 else { throw .secretTooShort }
        self.secret = secret
    }

    /// The token for a customer and channel.
    public func sign(externalID: String, channel: Channel) -> String {
        let payload = Array("\(channel.rawValue):\(externalID)".utf8)
        return Self.base64URL(payload) + "." + Self.base64URL(Array(mac(payload)))
    }

    /// The customer and channel a genuine token names; nil for anything forged or malformed.
    public func verify(_ token: String) -> (externalID: String, channel: Channel)? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let payload = Self.decodeBase64URL(parts[0]),
              let signature = Self.decodeBase64URL(parts[1]),
              HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: payload, using: key)
        else { return nil }
        let text = String(decoding: payload, as: UTF8.self)
        guard let colon = text.firstIndex(of: ":"), let channel = Channel(rawValue: String(text[..<colon])) else { return nil }
        return (String(text[text.index(after: colon)...]), channel)
    }

    /// `base` with `token=TOKEN` added to its query.
    public func url(base: String, externalID: String, channel: Channel) -> String {
        base + (base.contains("?") ? "&" : "?") + "token=" + sign(externalID: externalID, channel: channel)
    }

    private func mac(_ payload: [UInt8]) -> HashedAuthenticationCode<SHA256> {
        HMAC<SHA256>.authenticationCode(for: payload, using: key)
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decodeBase64URL(_ text: Substring) -> [UInt8]? {
        guard text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64).map(Array.init)
    }
}

/// Why an unsubscribe token signer could not be made.
public enum UnsubscribeTokenError: Error, Sendable, CustomStringConvertible {
    case secretTooShort
    public var description: String { "the unsubscribe secret must be at least 16 bytes" }
}
