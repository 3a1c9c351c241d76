@testable import Delivery
import Foundation
import Testing

@Suite("Email messages (RFC 5322 / MIME)")
struct EmailMessageTests {
    private func build(name: String?, subject: String, html: String? = nil, unsubscribe: String? = nil) -> String {
        let message = EmailMessage(
            from: EmailAddress(parsing: "Kauppa Öhman <shop@example.com>")!,
            to: EmailAddress(address: "aino@example.com", displayName: name)!,
            subject: subject, text: "Hei\nrivi kaksi\r\nÄäkköset ja = merkki ", html: html, sendID: "send-42",
            date: Date(timeIntervalSince1970: 1_790_000_000), unsubscribeURL: unsubscribe)
        return String(decoding: message.bytes(), as: UTF8.self)
    }

    private func headerNames(_ text: String) -> [String] {
        let head = text.components(separatedBy: "\r\n\r\n")[0]
        return head.components(separatedBy: "\r\n").filter { !$0.hasPrefix(" ") }.map { String($0.prefix { $0 != ":" }) }
    }

    @Test("headers: Date, encoded From/To/Subject, stable Message-ID, one-click unsubscribe")
    func headers() {
        let text = build(name: "Aino Äänekoski", subject: "Tervetuloa Äänekoskelle", unsubscribe: "https://shop.example/u/abc.def")
        #expect(headerNames(text) == [
            "Date", "From", "To", "Subject", "Message-ID", "MIME-Version", "List-Unsubscribe", "List-Unsubscribe-Post",
            "Content-Type", "Content-Transfer-Encoding",
        ])
        #expect(text.hasPrefix("Date: Mon, 21 Sep 2026 14:13:20 +0000\r\n"))
        #expect(text.contains("Message-ID: <send-42.campaignd@example.com>\r\n"))
        #expect(text.contains("To: Aino =?utf-8?B?"))
        #expect(text.contains("Subject: =?utf-8?B?"))
        #expect(text.contains("List-Unsubscribe: <https://shop.example/u/abc.def>\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"))
        #expect(text.contains("Ä\u{0}") == false)
        #expect(text.utf8.allSatisfy { $0 < 0x80 }, "the message is 7-bit")
    }

    @Test("CR, LF and NUL in a name or subject never start a header")
    func injection() {
        let text = build(name: "X\r\nBcc: evil@example.com", subject: "Hi\r\nBcc: evil@example.com\u{0}")
        #expect(!headerNames(text).contains("Bcc"))
        #expect(text.contains("To: \"X Bcc: evil@example.com\" <aino@example.com>\r\n"))
        #expect(text.contains("Subject: Hi Bcc: evil@example.com\r\n"))
        #expect(EmailAddress(address: "a@example.com\r\nRCPT TO:<evil@example.com>") == nil)
        #expect(EmailAddress(address: "a b@example.com") == nil)
        #expect(EmailAddress(address: "<a@example.com>") == nil)
        #expect(EmailAddress(address: "first.last+tag@sub.example.com") != nil)
    }

    @Test("multipart/alternative with a boundary from the send id; no line over 78 octets")
    func multipart() {
        let long = String(repeating: "Öhman pitkä otsikko ", count: 20)
        let text = build(name: long, subject: long, html: "<p>" + String(repeating: "x", count: 3000) + "</p>")
        #expect(text.contains("Content-Type: multipart/alternative; boundary=\"=_campaignd_send-42\""))
        #expect(text.contains("--=_campaignd_send-42\r\nContent-Type: text/html; charset=utf-8\r\n"))
        #expect(text.hasSuffix("--=_campaignd_send-42--\r\n"))
        for line in text.components(separatedBy: "\r\n") { #expect(line.utf8.count <= 78, "\(line)") }
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"), "no bare LF")
    }

    @Test("encoded words never split a character and stay within 75 characters")
    func encodedWords() {
        let words = HeaderEncoding.encodedWords(String(repeating: "Ä😀", count: 40), firstLineUsed: 9)
        for word in words {
            #expect(word.count <= 75)
            let base64 = word.dropFirst("=?utf-8?B?".count).dropLast(2)
            let decoded = Data(base64Encoded: String(base64)).flatMap { String(data: $0, encoding: .utf8) }
            #expect(decoded != nil, "each word is whole UTF-8")
        }
    }

    @Test("quoted-printable: soft breaks at 76, trailing spaces and '=' encoded")
    func quotedPrintable() {
        let encoded = String(decoding: QuotedPrintable.encode(String(repeating: "a", count: 100) + " \nb=c"), as: UTF8.self)
        let lines = encoded.components(separatedBy: "\r\n")
        #expect(lines.allSatisfy { $0.count <= 76 })
        #expect(lines[0].hasSuffix("="))
        #expect(encoded.hasSuffix("=20\r\nb=3Dc"))
    }

    @Test("quoted-printable round-trips any text: lines within 76 octets, 7-bit, decoded back to the text with CRLF line ends")
    func quotedPrintableRoundTrip() throws {
        let texts = [
            "", "=", "a=b", "Äänekoski €100 😀", String(repeating: "é", count: 60), String(repeating: "x", count: 75),
            String(repeating: "x", count: 76), "tab\tend\t", "space at end \r\nCRLF\rCR\nLF\n\n",
            String(repeating: "=", count: 40) + " \u{7f}\u{1}", String(repeating: "ab ", count: 70),
        ]
        for text in texts {
            let encoded = QuotedPrintable.encode(text)
            #expect(encoded.allSatisfy { $0 < 128 }, "7-bit: \(text)")
            let lines = String(decoding: encoded, as: UTF8.self).components(separatedBy: "\r\n")
            #expect(lines.allSatisfy { $0.utf8.count <= 76 }, "\(text)")
            #expect(lines.allSatisfy { !$0.hasSuffix(" ") && !$0.hasSuffix("\t") }, "\(text)")
            let expected = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
                .replacingOccurrences(of: "\n", with: "\r\n")
            #expect(String(decoding: try Self.decodeQuotedPrintable(encoded), as: UTF8.self) == expected)
        }
    }

    /// RFC 2045 §6.7 decoding: `=XX` is an octet, `=` before CRLF a soft break.
    static func decodeQuotedPrintable(_ bytes: [UInt8]) throws -> [UInt8] {
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "=") {
                if index + 2 < bytes.count, bytes[index + 1] == 13, bytes[index + 2] == 10 {
                    index += 3
                    continue
                }
                let hex = try #require(index + 2 < bytes.count ? String(decoding: bytes[index + 1...index + 2], as: UTF8.self) : nil)
                out.append(try #require(UInt8(hex, radix: 16)))
                index += 3
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return out
    }

    @Test("a send id that is not plain gives a hashed, stable token")
    func token() {
        #expect(EmailMessage.token(for: "abc-1_2") == "abc-1_2")
        let odd = EmailMessage.token(for: "a/b\r\n")
        #expect(odd.count == 32 && odd == EmailMessage.token(for: "a/b\r\n"))
    }
}
