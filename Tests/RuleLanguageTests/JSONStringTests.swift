import Foundation
import RuleLanguage
import Testing

/// The one JSON string escaper, used by the import's attribute objects and by webhook payloads
/// and templates.
@Suite("JSON strings")
struct JSONStringTests {
    @Test("quotes, backslashes and control characters are escaped; short forms where JSON has them")
    func escapesWhatJSONRequires() {
        #expect(JSONString.escaped(#"say "hi" \ bye"#) == #"say \"hi\" \\ bye"#)
        #expect(JSONString.escaped("a\nb\rc\td") == #"a\nb\rc\td"#)
        #expect(JSONString.escaped("\u{0}\u{1}\u{8}\u{B}\u{C}\u{1B}\u{1F}") == #"\u0000\u0001\u0008\u000b\u000c\u001b\u001f"#)
        #expect(JSONString.quoted("") == #""""#)
        #expect(JSONString.quoted(#"x"y"#) == #""x\"y""#)
    }

    @Test("U+2028 and U+2029 are escaped (JavaScript line terminators); other non-ASCII stays as it is")
    func lineSeparatorsAndNonASCII() {
        #expect(JSONString.escaped("a\u{2028}b\u{2029}c") == #"a\u2028b\u2029c"#)
        #expect(JSONString.escaped("Pöllö 🦉 €\u{7F}\u{85}\u{A0}") == "Pöllö 🦉 €\u{7F}\u{85}\u{A0}")
        #expect(JSONString.escaped("/") == "/")
    }

    @Test("every escaped text parses back to itself with Foundation's JSON reader")
    func parsesBack() throws {
        var samples = ["", "plain", "Ääkköset ja 🦉", "\"\\\"\\", "line\u{2028}sep\u{2029}para"]
        samples.append(String(decoding: (0..<0x20).map { UInt8($0) }, as: UTF8.self))
        samples.append((0..<2000).map { String(UnicodeScalar(UInt8($0 % 128))) }.joined())
        for text in samples {
            let parsed = try JSONSerialization.jsonObject(with: Data(JSONString.quoted(text).utf8), options: [.fragmentsAllowed])
            #expect(parsed as? String == text)
        }
    }
}
