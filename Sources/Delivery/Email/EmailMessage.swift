import Crypto
import Foundation
#if canImport(Glibc)
    import Glibc
#endif

/// One email as RFC 5322 / MIME bytes, with the envelope it travels in.
///
/// The same bytes go to SMTP and to the spool. The Message-ID and the MIME boundary come from
/// the send id, so a retry or a resend after a crash is the same message to the receiver.
public struct EmailMessage: Sendable {
    public var from: EmailAddress
    public var to: EmailAddress
    public var subject: String
    public var text: String
    public var html: String?
    public var sendID: String
    public var date: Date
    /// For marketing mail: `List-Unsubscribe` with this URL and RFC 8058 one-click.
    public var unsubscribeURL: String?

    public init(
        from: EmailAddress, to: EmailAddress, subject: String, text: String, html: String? = nil,
        sendID: String, date: Date, unsubscribeURL: String? = nil
    ) {
        self.from = from
        self.to = to
        self.subject = subject
        self.text = text
        self.html = html
        self.sendID = sendID
        self.date = date
        self.unsubscribeURL = unsubscribeURL
    }

    /// `<…@domain>`: stable for a send id, at the sender's domain.
    public var messageID: String { "<\(Self.token(for: sendID)).campaignd@\(from.domain)>" }

    /// The message, CRLF line ends, no line over 78 octets except a long List-Unsubscribe URL.
    public func bytes() -> [UInt8] {
        var headers = [
            "Date: " + Self.rfc5322Date(date),
            HeaderEncoding.address("From", from),
            HeaderEncoding.address("To", to),
            HeaderEncoding.unstructured("Subject", subject),
            "Message-ID: " + messageID,
            "MIME-Version: 1.0",
        ]
        if let unsubscribeURL {
            headers.append("List-Unsubscribe: <\(HeaderEncoding.sanitize(unsubscribeURL))>")
            headers.append("List-Unsubscribe-Post: List-Unsubscribe=One-Click")
        }
        var out: [UInt8] = []
        func line(_ text: String) {
            out.append(contentsOf: text.utf8)
            out.append(13)
            out.append(10)
        }
        let textPart = QuotedPrintable.encode(text)
        if let html {
            let boundary = "=_campaignd_" + Self.token(for: sendID).prefix(24)
            headers.append("Content-Type: multipart/alternative; boundary=\"\(boundary)\"")
            headers.forEach(line)
            line("")
            for (type, body) in [("text/plain", textPart), ("text/html", QuotedPrintable.encode(html))] {
                line("--" + boundary)
                line("Content-Type: \(type); charset=utf-8")
                line("Content-Transfer-Encoding: quoted-printable")
                line("")
                out += body
                line("")
            }
            line("--" + boundary + "--")
        } else {
            headers.append("Content-Type: text/plain; charset=utf-8")
            headers.append("Content-Transfer-Encoding: quoted-printable")
            headers.forEach(line)
            line("")
            out += textPart
            line("")
        }
        return out
    }

    /// The send id itself when it is plain (letters, digits, `-`, `_`), else a hash of it: safe in
    /// a Message-ID, a MIME boundary and a file name.
    static func token(for sendID: String) -> String {
        let plain = !sendID.isEmpty && sendID.count <= 64
            && sendID.utf8.allSatisfy { (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) || $0 == 45 || $0 == 95 }
        if plain { return sendID }
        return SHA256.hash(data: Array(sendID.utf8)).prefix(16).map { String(format: "%02x", $0) }.joined()
    }

    /// `Tue, 01 Dec 2026 10:00:00 +0000`.
    static func rfc5322Date(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) +0000"
    }
}
