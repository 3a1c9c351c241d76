import Foundation
import Testing
@testable import RuleLanguage

/// The test-file format (docs/testing-rules.md): what it parses to, and errors with positions.
@Suite("rule test files: parser and checker")
struct RuleTestParserTests {
    static let issueExample = """
        test "winback reaches regulars after 90 quiet days" {
          customer "a" { email "a@example.com"  consent email granted 2025-01-01
                         purchases 2025-01-10 40.00, 2025-02-10 25.00 }
          customer "b" { email "b@example.com"  consent email granted 2025-01-01
                         purchases 2025-02-10 25.00 }
          at 2025-05-12T09:00:00Z expect send "winback-coupon" to "a"
          at 2025-05-12T09:00:00Z expect no send "winback-coupon" to "b"   # only one order
          at 2025-05-13T09:00:00Z expect no send "winback-coupon" to "a"   # limit once per 180 days
        }
        """

    static let rules = """
        segment key = spent in last 365 days >= 2000
        rule "winback-coupon" {
          when no purchase in last 90 days and orders >= 2 and consent email
          send email "winback-coupon"
          limit once per 180 days
          holdout 10%
        }
        journey "onboarding" {
          enter when orders = 1 and consent email
          step "thanks" { send email "onboarding-thanks" }
        }
        """

    static func parse(_ text: String) -> (RuleTestFile, [String]) {
        let (file, diagnostics) = RuleTestParser.parse(SourceFile(name: "t.test", text: text))
        return (file, diagnostics.map { "\($0.locationDescription): \($0.message)" })
    }

    static func check(_ text: String) throws -> [String] {
        let ruleSet = try #require(RuleSetLoader.check([SourceFile(name: "r.rules", text: rules)], environment: nil).ruleSet)
        let (file, problems) = parse(text)
        return problems + RuleTestChecker.check(file, ruleSet: ruleSet).map { "\($0.locationDescription): \($0.message)\($0.hint.map { " (\($0))" } ?? "")" }
    }

    @Test("the issue's example parses as written")
    func issueExample() throws {
        let (file, problems) = Self.parse(Self.issueExample)
        #expect(problems == [])
        let test = try #require(file.tests.first)
        #expect(test.name == "winback reaches regulars after 90 quiet days")
        #expect(test.customers.map(\.name) == ["a", "b"])
        let a = test.customers[0]
        #expect(a.email == "a@example.com")
        #expect(a.consents.map(\.value) == [.init(channel: "email", granted: true)])
        #expect(a.consents[0].at == .date(CalendarDate(year: 2025, month: 1, day: 1)!))
        #expect(a.purchases.map(\.value.amount) == [Decimal(string: "40.00")!, Decimal(string: "25.00")!])
        #expect(test.expectations.map(\.kind) == [.send, .noSend, .noSend])
        #expect(test.expectations.map(\.customer) == ["a", "b", "a"])
        // 2025-05-12T09:00:00Z
        #expect(test.expectations[0].at == .instant(1_747_040_400))
        #expect(try Self.check(Self.issueExample) == [])
    }

    @Test("events, feedback, time zones, address, holdout pins, skip reasons and offsets")
    func everyItem() throws {
        let (file, problems) = Self.parse("""
            test "all" {
              time zone "Europe/Helsinki"
              start 2025-03-01T08:00:00+02:00
              customer "a" { name "A"  birthday 1992-02-29  time zone "America/New_York"
                             address "Katu 1", "00100", "Helsinki", "FI"
                             consent letter withdrawn 2025-02-01T12:30Z
                             events "cart_abandoned" 2025-03-01T10:00:00Z, "newsletter_signup" 2025-03-02
                             feedback nps 3 2025-03-01T10:00:00Z, csat 5 2025-03-02
                             holdout in "winback-coupon"  holdout out }
              at 2025-03-02 expect skip "winback-coupon" to "a" because no_consent
                            expect holdout "onboarding/thanks" to "a"
            }
            """)
        #expect(problems == [])
        let test = try #require(file.tests.first)
        #expect(test.timeZone == "Europe/Helsinki")
        #expect(test.start == .instant(1_740_808_800))  // 2025-03-01T06:00:00Z
        let a = try #require(test.customers.first)
        #expect(a.fullName == "A")
        #expect(a.birthday == CalendarDate(year: 1992, month: 2, day: 29))
        #expect(a.timeZone == "America/New_York")
        #expect(a.address == ["Katu 1", "00100", "Helsinki", "FI"])
        #expect(a.consents.map(\.value) == [.init(channel: "letter", granted: false)])
        #expect(a.consents[0].at == .instant(1_738_413_000))  // 2025-02-01T12:30:00Z
        #expect(a.events.map(\.value) == ["cart_abandoned", "newsletter_signup"])
        #expect(a.feedback.map(\.value) == [.init(kind: "nps", score: 3), .init(kind: "csat", score: 5)])
        #expect(a.holdoutPins.map { "\($0.inside) \($0.name ?? "*")" } == ["true winback-coupon", "false *"])
        #expect(test.expectations.map(\.kind) == [.skip(reason: "no_consent"), .holdout])
        #expect(test.expectations[1].at == .date(CalendarDate(year: 2025, month: 3, day: 2)!))
    }

    @Test("a date means midnight in the time zone given")
    func dateMeansMidnight() {
        let date = TestMoment.date(CalendarDate(year: 2025, month: 7, day: 1)!)
        #expect(date.seconds(in: TimeZone(identifier: "UTC")!) == 1_751_328_000)
        #expect(date.seconds(in: TimeZone(identifier: "Europe/Helsinki")!) == 1_751_328_000 - 3 * 3600)
    }

    @Test("syntax errors are reported with line and column, and parsing goes on")
    func syntaxErrors() {
        let (file, problems) = Self.parse("""
            test "x" {
              customer "a" { emial "a@example.com"  purchases 2025-01-10 }
              at 2025-05-12T25:00:00Z expect send "r" to "a"
              at 2025-05-12 expect sned "r" to "a"
              at 2025-05-12 expect send "r" "a"
            }
            test "y" { at 2025-05-12 expect send "r" to "a" }
            """)
        // The lexer's errors come first; the bad instant causes no second error.
        #expect(problems == [
            "t.test:3:6: malformed instant '2025-05-12T25:00:00Z'",
            "t.test:2:18: unknown item 'emial' in a customer",
            "t.test:2:62: expected the purchase's amount, found '}'",
            "t.test:4:24: expected 'send', 'no send', 'skip' or 'holdout' after 'expect', found 'sned'",
            "t.test:5:33: expected 'to' after the rule's name, found \"a\"",
        ])
        #expect(file.tests.map(\.name) == ["x", "y"])
    }

    @Test("an instant where it does not belong reads as written, in UTC")
    func instantInMessage() {
        let (_, problems) = Self.parse("test 2025-05-12T12:00:00+03:00 { }")
        #expect(problems == ["t.test:1:6: expected the test's name in double quotes, found '2025-05-12T09:00:00Z'"])
    }

    @Test("unknown rules, steps, customers, reasons and pins are errors with a did-you-mean")
    func unknownNames() throws {
        let problems = try Self.check("""
            test "x" {
              customer "anna" { consent emial granted 2025-01-01  feedback nsp 3 2025-01-02  holdout in "winback" }
              at 2025-05-12 expect send "winback-cupon" to "anna"
                            expect send "onboarding/thank" to "ana"
                            expect skip "winback-coupon" to "anna" because no_consnet
              customer "anna" { }
            }
            """)
        #expect(problems == [
            "t.test:2:21: unknown channel 'emial' (did you mean \"email\"?)",
            "t.test:2:64: unknown feedback kind 'nsp' (nps, csat or ces)",
            "t.test:2:82: no rule or journey \"winback\" with a holdout (one of: winback-coupon)",
            "t.test:6:12: duplicate customer \"anna\" in test \"x\"",
            "t.test:3:29: no rule or journey step \"winback-cupon\" (did you mean \"winback-coupon\"?)",
            "t.test:4:29: no rule or journey step \"onboarding/thank\" (did you mean \"onboarding/thanks\"?)",
            "t.test:4:51: no customer \"ana\" in test \"x\" (did you mean \"anna\"?)",
            "t.test:5:64: unknown skip reason 'no_consnet' (did you mean \"no_consent\"?)",
        ])
    }

    @Test("no input crashes the parser", arguments: ["", "test", "test \"", "test \"x\" {", "test \"x\" { customer \"a\" {", "}}}{{{", "at at at expect", "test \"x\" { at 2025-01-01T }"])
    func malformed(_ text: String) {
        let (_, problems) = Self.parse(text)
        #expect(text.isEmpty ? problems.isEmpty : !problems.isEmpty)
    }
}
