import Foundation
import Testing
@testable import RuleLanguage

/// The PRODUCT.md §2 example is a contract: it must check cleanly and mean what its comments say.
struct ProductExampleTests {
    let ruleSet: RuleSet
    let file: SourceFile

    init() throws {
        file = try Fixtures.sourceFile("good/product-example.rules")
        let result = RuleSetLoader.check([file], environment: Fixtures.environment)
        #expect(result.diagnostics.isEmpty, "\(DiagnosticRenderer(colour: false).render(result.diagnostics))")
        ruleSet = try #require(result.ruleSet)
    }

    @Test func hasTheThreeSegmentsAndFiveRules() {
        #expect(ruleSet.segments.map(\.name) == ["occasional", "regular", "key"])
        #expect(ruleSet.rules.map(\.name) == [
            "winback-coupon", "birthday", "key-thank-you-letter", "detractor-alert", "abandoned-cart",
        ])
    }

    @Test func segmentsGroupCustomersByPurchaseHistory() throws {
        #expect(
            ruleSet.segment(named: "occasional")?.condition.sExpression
                == "(and (>= orders 1 number) (< orders[last 365] 3 number))")
        #expect(ruleSet.segment(named: "regular")?.condition.sExpression == "(>= orders[last 365] 3 number)")
        // 2000 is money: 2000.00 in the store currency, kept exact.
        let key = try #require(ruleSet.segment(named: "key"))
        #expect(key.condition.sExpression == "(>= spent[last 365] 2000 money)")
        guard case .comparison(_, _, let amount, .money) = key.condition.kind, case .literal(.number(let value)) = amount.kind
        else {
            Issue.record("key is not a money comparison")
            return
        }
        #expect(value == Decimal(2000))
    }

    @Test func winbackCouponHasLimitAndHoldout() throws {
        let rule = try #require(ruleSet.rule(named: "winback-coupon"))
        #expect(rule.description == "Regulars who have not bought for 90 days get a 10 % coupon")
        #expect(
            rule.condition.sExpression
                == "(and (not purchase[last 90]) (>= orders 2 number) consent[email])")
        #expect(rule.channel == .email)
        #expect(rule.target == "winback-coupon")
        #expect(rule.limit == .oncePer(days: 180))
        #expect(rule.holdoutPercent == 10)
        #expect(rule.quietHours == nil)
        #expect(rule.priority == 0)
        #expect(rule.activeWindow == nil)
    }

    @Test func birthdayIsTodayWithQuietHoursOverMidnight() throws {
        let rule = try #require(ruleSet.rule(named: "birthday"))
        #expect(rule.condition.sExpression == "(and birthday[in 0] (>= orders 1 number) consent[email])")
        #expect(rule.limit == .oncePer(days: 365))
        #expect(rule.holdoutPercent == 0)
        let quiet = try #require(rule.quietHours)
        #expect(quiet.start == TimeOfDay(hour: 21, minute: 0))
        #expect(quiet.end == TimeOfDay(hour: 8, minute: 0))
        #expect(quiet.contains(TimeOfDay(hour: 23, minute: 30)!))
        #expect(quiet.contains(TimeOfDay(hour: 7, minute: 59)!))
        #expect(!quiet.contains(TimeOfDay(hour: 8, minute: 0)!))
        #expect(!quiet.contains(TimeOfDay(hour: 20, minute: 59)!))
    }

    @Test func keyThankYouLetterUsesTheKeySegment() throws {
        let rule = try #require(ruleSet.rule(named: "key-thank-you-letter"))
        #expect(rule.condition.sExpression == "(and segment[key] consent[letter])")
        #expect(rule.channel == .letter)
        #expect(rule.target == "thank-you")
        #expect(rule.limit == .oncePer(days: 365))
        #expect(
            ruleSet.inliningSegments(in: rule.condition).sExpression
                == "(and (>= spent[last 365] 2000 money) consent[letter])")
    }

    @Test func detractorAlertIsLatestNpsAndRecentFeedback() throws {
        let rule = try #require(ruleSet.rule(named: "detractor-alert"))
        #expect(rule.condition.sExpression == "(and (<= nps 6 number) feedback[any last 2])")
        #expect(rule.channel == .webhook)
        #expect(rule.target == "crm-escalation")
        #expect(rule.limit == .oncePer(days: 30))
        #expect(file.text(rule.condition.range) == "nps <= 6 and feedback in last 2 days")
    }

    @Test func abandonedCartNeedsEventWithoutPurchase() throws {
        let rule = try #require(ruleSet.rule(named: "abandoned-cart"))
        #expect(
            rule.condition.sExpression
                == "(and event[cart_abandoned last 1] (not purchase[last 1]) consent[email])")
        #expect(rule.target == "cart-reminder")
        #expect(rule.limit == .oncePer(days: 7))
    }

    @Test func rulesCarryFileAndContentHash() throws {
        let rule = try #require(ruleSet.rules.first)
        #expect(rule.filePath == "good/product-example.rules")
        #expect(rule.contentHash.count == 16)
        #expect(rule.contentHash.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        #expect(rule.contentHash == FNV1a.hexDigest(of: file.bytes))
        #expect(file.text(rule.nameRange) == "\"winback-coupon\"")
        #expect(file.location(of: rule.nameRange.lowerBound) == SourceLocation(line: 6, column: 6))
    }

    @Test func conditionsKeepSourceRanges() throws {
        let rule = try #require(ruleSet.rule(named: "winback-coupon"))
        guard case .all(let parts) = rule.condition.kind else {
            Issue.record("expected an 'and'")
            return
        }
        #expect(parts.map { file.text($0.range) } == ["no purchase in last 90 days", "orders >= 2", "consent email"])
    }
}

/// Features beyond the example: or, not, parentheses, lists, attributes, dates, priority, active.
struct ExtendedRuleFileTests {
    let ruleSet: RuleSet

    init() throws {
        let result = try Fixtures.check("good/extended.rules")
        #expect(result.diagnostics.isEmpty, "\(DiagnosticRenderer(colour: false).render(result.diagnostics))")
        ruleSet = try #require(result.ruleSet)
    }

    @Test func segmentsComeAfterTheirDependencies() throws {
        let order = ruleSet.segments.map(\.name)
        #expect(Set(order) == ["cold", "nordic", "vip", "big_spender"])
        #expect(order.firstIndex(of: "big_spender")! < order.firstIndex(of: "vip")!)
        #expect(order.firstIndex(of: "cold")! < order.firstIndex(of: "vip")!)
        #expect(ruleSet.segment(named: "vip")?.dependencies == ["big_spender", "cold"])
    }

    @Test func orNotAndParenthesesNest() {
        #expect(
            ruleSet.segment(named: "vip")?.condition.sExpression
                == "(or tagged[vip] (and segment[big_spender] (not segment[cold])))")
        #expect(
            ruleSet.segment(named: "cold")?.condition.sExpression
                == "(or (> days-since-last-purchase 180 number) (not purchase[last 365]))")
        #expect(
            ruleSet.segment(named: "nordic")?.condition.sExpression
                == "(in field[country] [\"FI\", \"SE\", \"NO\", \"DK\"] text)")
    }

    @Test func moneyLiteralsStayExact() throws {
        let segment = try #require(ruleSet.segment(named: "big_spender"))
        guard case .all(let parts) = segment.condition.kind,
            case .comparison(_, .greaterOrEqual, let right, .money) = parts[0].kind,
            case .literal(.number(let amount)) = right.kind
        else {
            Issue.record("unexpected shape: \(segment.condition.sExpression)")
            return
        }
        #expect(amount == Decimal(string: "2000.50"))
        #expect(amount != Decimal(2000))
    }

    @Test func vipNewsletterHasPriorityAndActiveWindow() throws {
        let rule = try #require(ruleSet.rule(named: "vip-newsletter"))
        #expect(rule.priority == 10)
        #expect(rule.activeWindow == ActiveWindow(from: CalendarDate(year: 2025, month: 1, day: 1), until: CalendarDate(year: 2025, month: 12, day: 31)))
        #expect(rule.condition.sExpression == "(and segment[vip] segment[nordic] consent[email] (not tagged[no-newsletter]))")
        #expect(rule.description == "Monthly news for VIPs in the Nordics")
    }

    @Test func attributesAreTypedByWhatTheyAreComparedWith() throws {
        let rule = try #require(ruleSet.rule(named: "shoe-size-offer"))
        #expect(
            rule.condition.sExpression
                == "(and (>= attribute[shoe_size] 42 number) (= attribute[favourite_colour] \"blue\" text) (!= field[locale] \"en_US\" text) (= field[time_zone] \"Europe/Helsinki\" text))")
        #expect(rule.holdoutPercent == Decimal(string: "2.5"))
        #expect(rule.quietHours == QuietHours(start: TimeOfDay(hour: 22, minute: 30)!, end: TimeOfDay(hour: 7, minute: 15)!))
        #expect(rule.limit == .once)
        #expect(rule.channel == .letter)
    }

    @Test func eventsFeedbackDatesAndTextFields() throws {
        let rule = try #require(ruleSet.rule(named: "newsletter-signup-followup"))
        #expect(
            rule.condition.sExpression
                == "(and event[newsletter_signup last 3] (not event[unsubscribed last 30]) (>= csat 4 number) (<= ces 3 number) (not feedback[nps last 90]) (>= joined 2024-06-01 date) (< first-purchase 2025-01-01 date) (<= last-purchase 2025-06-30 date) (>= days-since-first-purchase 30 number) (< days-since-joined 365 number) (or (!= field[email] \"\" text) (= field[name] \"Äänekoski\" text)) (= field[city] \"Helsinki\" text) (= field[postal_code] \"00100\" text))")
        #expect(rule.activeWindow == ActiveWindow(from: nil, until: CalendarDate(year: 2026, month: 1, day: 31)))
        #expect(rule.channel == .webhook)
        #expect(rule.priority == 1)
    }

    @Test func birthdayAheadTakesCalendarDays() throws {
        let rule = try #require(ruleSet.rule(named: "birthday-week-ahead"))
        #expect(rule.condition.sExpression == "(and birthday[in 7] consent[letter] (>= orders 1 number) (> spent 0 money))")
        #expect(rule.activeWindow?.from == CalendarDate(year: 2025, month: 3, day: 1))
    }

    @Test func examplesCheckTogetherAcrossFiles() throws {
        let files = try [Fixtures.sourceFile("good/extended.rules"), Fixtures.sourceFile("good/product-example.rules")]
        let result = RuleSetLoader.check(files, environment: Fixtures.environment)
        #expect(result.errorCount == 0)
        #expect(result.ruleSet?.rules.count == 9)
        #expect(result.ruleSet?.rules.first?.filePath == "good/extended.rules")
    }
}
