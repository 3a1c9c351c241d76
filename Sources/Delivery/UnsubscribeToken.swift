import Crypto
import Foundation
import RuleLanguage

/// The signed token of a one-click unsubscribe link: who (the customer's external id) and from
/// what (the channel), with an HMAC-SHA256 over both under a secret only the daemon knows.
///
/// Token text: `base64url(channel ":" externalID) "." base64url(HMAC)`, safe as a URL path
/// segment. `sign` is used when mail is built, `verify` by the HTTP listener that receives the
/// click (`POST <unsubscribe_url>/<token>`) and by `campaignd unsubscribe TOKEN`.
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
    /// Only the exact text `sign` made verifies: base64 that decodes to the same bytes through
    /// different spare bits of its last character is rejected too.
    public func verify(_ token: String) -> (externalID: String, channel: Channel)? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let payload = Self.decodeBase64URL(parts[0]),
              let signature = Self.decodeBase64URL(parts[1]),
              Self.base64URL(payload) == parts[0], Self.base64URL(signature) == parts[1],
              HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: payload, using: key)
        else { return nil }
        let text = String(decoding: payload, as: UTF8.self)
        guard let colon = text.firstIndex(of: ":"), let channel = Channel(rawValue: String(text[..<colon])) else { return nil }
        return (String(text[text.index(after: colon)...]), channel)
    }

    /// The customer's link: `base/TOKEN` (`base` is the listener's public `/unsubscribe` URL).
    public func url(base: String, externalID: String, channel: Channel) -> String {
        (base.hasSuffix("/") ? base : base + "/") + sign(externalID: externalID, channel: channel)
    }

    private func mac(_ payload: [UInt8]) -> HashedAuthenticationCode<SHA256> {
        HMAC<SHA256>.authenticationCode(for: payload, using: key)
    }

    /// Base64url without padding (RFC 4648 §5), encoded here: Foundation's base64 and three
    /// `replacingOccurrences` were most of the cost of signing a link, once per email.
    static func base64URL(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let count = min(3, bytes.count - index)
            var group = UInt32(bytes[index]) << 16
            if count > 1 { group |= UInt32(bytes[index + 1]) << 8 }
            if count > 2 { group |= UInt32(bytes[index + 2]) }
            for position in 0...count {
                out.append(base64URLAlphabet[Int((group >> (18 - 6 * UInt32(position))) & 63)])
            }
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static let base64URLAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    static func decodeBase64URL(_ text: Substring) -> [UInt8]? {
        guard text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64).map(Array.init)
    }
}

extension UnsubscribeToken {
    /// The signer and link base the email settings name (`unsubscribe_url`,
    /// `unsubscribe_secret_file`), or nil when neither is set.
    ///
    /// - Throws: `ChannelSetupError` for a bad URL, a missing, unreadable or short secret, or
    ///   only one of the two settings.
    public static func configured(
        email settings: [String: String], environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ChannelSetupError) -> (token: UnsubscribeToken, baseURL: String)? {
        switch (settings["unsubscribe_url"], settings["unsubscribe_secret_file"]) {
        case (let url?, let file?):
            if !(url.hasPrefix("https://") || url.hasPrefix("http://")) || url.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value >= 0x7F }) {
                throw ChannelSetupError("'channels.email.unsubscribe_url' must be an http(s) URL without spaces: \"\(HeaderEncoding.sanitize(String(url.prefix(200))))\"")
            }
            if url.contains("?") || url.contains("#") {
                throw ChannelSetupError(
                    "'channels.email.unsubscribe_url' is the listener's public base such as \"https://shop.example/unsubscribe\" (the token is added as a path segment); it has no ? or #")
            }
            let secret = try SecretFile.read(file, key: "channels.email.unsubscribe_secret_file", environment: environment)
            do {
                return (try UnsubscribeToken(secret: Array(secret.utf8)), url)
            } catch {
                throw ChannelSetupError("'channels.email.unsubscribe_secret_file': \(error)")
            }
        case (nil, nil): return nil
        case (_?, nil): throw ChannelSetupError("'channels.email.unsubscribe_url' needs 'channels.email.unsubscribe_secret_file'")
        case (nil, _?): throw ChannelSetupError("'channels.email.unsubscribe_secret_file' needs 'channels.email.unsubscribe_url'")
        }
    }
}

/// Why an unsubscribe token signer could not be made.
public enum UnsubscribeTokenError: Error, Sendable, CustomStringConvertible {
    case secretTooShort
    public var description: String { "the unsubscribe secret must be at least 16 bytes" }
}
