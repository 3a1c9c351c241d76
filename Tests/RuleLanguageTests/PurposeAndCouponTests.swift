import Foundation
@testable import RuleLanguage
import Testing

/// `purpose marketing|service` and `coupon from pool "NAME"`, in rules and journey steps.
@Suite("purpose and coupon pools")
struct PurposeAndCouponTests {
    static var environment: CheckEnvironment {
        var environment = CheckEnvironment(
            emailTemplates: ["receipt", "sneaky", "promo"], letterTemplates: [], webhookEndpoints: ["crm"])
        environment.emailTemplateTexts = [
            "receipt": "Your order {{facts.orders}} has shipped.",
            "sneaky": "Your order shipped! Use {{send.coupon}} next time. Unsubscribe: {{send.unsubscribe_url}}",
            "promo": "Save with {{send.coupon}}",
        ]
        return environment
    }

    func check(_ text: String) -> CheckResult {
        RuleSetLoader.check([SourceFile(name: "t.rules", text: text)], environment: Self.environment)
    }

    func messages(_ result: CheckResult, _ severity: Diagnostic.Severity) -> [String] {
        result.diagnostics.filter { $0.severity == severity }.map(\.message)
    }

    @Test("defaults: marketing for email, service for webhook; the clauses set purpose and pool")
    func defaults() throws {
        let result = check("""
            rule "promo" { when orders >= 1  send email "promo"  coupon from pool "WINBACK10"  limit once }
            rule "alert" { when nps <= 6  send webhook "crm"  limit once }
            rule "receipt" { when orders >= 1  send email "receipt"  purpose service  limit once }
            journey "j" {
              enter when orders >= 1
              step "a" { send email "promo"  coupon from pool "J"  purpose marketing }
              wait 1 day
              step "b" { send webhook "crm" }
            }
            """)
        let ruleSet = try #require(result.ruleSet, "\(DiagnosticRenderer(colour: false).render(result.diagnostics))")
        #expect(ruleSet.rule(named: "promo")?.purpose == .marketing && ruleSet.rule(named: "promo")?.couponPool == "WINBACK10")
        #expect(ruleSet.rule(named: "alert")?.purpose == .service && ruleSet.rule(named: "alert")?.couponPool == nil)
        #expect(ruleSet.rule(named: "receipt")?.purpose == .service)
        let steps = try #require(ruleSet.journey(named: "j")).steps
        #expect(steps.map(\.purpose) == [.marketing, .service] && steps.map(\.couponPool) == ["J", nil])
        #expect(messages(result, .warning).isEmpty)
    }

    @Test("check warns when a service email's template offers a coupon or mentions unsubscribing, or it takes a coupon")
    func marketingInDisguise() {
        let result = check("""
            rule "sneaky" { when orders >= 1  send email "sneaky"  purpose service  limit once }
            rule "coupon-alert" { when nps <= 6  send webhook "crm"  coupon from pool "P"  limit once }
            rule "fine" { when orders >= 1  send email "receipt"  purpose service  limit once }
            """)
        #expect(result.ruleSet != nil)
        #expect(messages(result, .warning) == [
            "rule 'sneaky' is a service message but template 'sneaky' contains a coupon (send.coupon) and the word 'unsubscribe'",
            "rule 'coupon-alert' is a service message but takes a coupon",
        ])
    }

    @Test("an unknown purpose, a malformed pool clause and a duplicate clause are errors")
    func errors() {
        let result = check("""
            rule "a" { when orders >= 1  send email "promo"  purpose servise  limit once }
            rule "b" { when orders >= 1  send email "promo"  coupon pool "X"  limit once }
            rule "c" { when orders >= 1  send email "promo"  coupon from pool ""  limit once }
            rule "d" { when orders >= 1  send email "promo"  purpose service  purpose marketing  limit once }
            """)
        #expect(result.ruleSet == nil)
        #expect(messages(result, .error) == [
            "unknown purpose 'servise'",
            "expected 'from pool' after 'coupon', found 'pool'",
            "a coupon pool name cannot be empty or contain spaces",
            "duplicate 'purpose' clause in rule 'd'",
        ])
    }
}
