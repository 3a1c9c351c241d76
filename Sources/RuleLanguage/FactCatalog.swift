import Foundation

/// Every built-in fact.
///
/// The catalog is the single source for name resolution, "did you mean" and the fact table in
/// docs/rules.md (a test checks the docs list every fact's usage).
public enum FactCatalog {
    public static let all: [FactDefinition] = {
        var facts: [FactDefinition] = [
            FactDefinition(
                phrase: "orders", argument: nil, window: .optionalLast, type: .number,
                meaning: "number of purchases, all time or within the window",
                make: { _, days in .orders(inLastDays: days) }),
            FactDefinition(
                phrase: "spent", argument: nil, window: .optionalLast, type: .money,
                meaning: "total amount spent, all time or within the window",
                make: { _, days in .spent(inLastDays: days) }),
            FactDefinition(
                phrase: "purchase", argument: nil, window: .requiredLast, type: .boolean,
                meaning: "at least one purchase within the window (use 'no purchase …' for none)",
                make: { _, days in .purchase(inLastDays: days!) }),
            FactDefinition(
                phrase: "days since last purchase", argument: nil, window: .none, type: .number,
                meaning: "whole days since the most recent purchase; missing if none",
                make: { _, _ in .daysSinceLastPurchase }),
            FactDefinition(
                phrase: "days since first purchase", argument: nil, window: .none, type: .number,
                meaning: "whole days since the first purchase; missing if none",
                make: { _, _ in .daysSinceFirstPurchase }),
            FactDefinition(
                phrase: "first purchase", argument: nil, window: .none, type: .date,
                meaning: "day of the first purchase; missing if none",
                make: { _, _ in .firstPurchase }),
            FactDefinition(
                phrase: "last purchase", argument: nil, window: .none, type: .date,
                meaning: "day of the most recent purchase; missing if none",
                make: { _, _ in .lastPurchase }),
        ]
        for kind in FeedbackKind.allCases {
            facts.append(
                FactDefinition(
                    phrase: kind.rawValue, argument: nil, window: .none, type: .number,
                    meaning: "latest \(kind.rawValue.uppercased()) score; missing if none",
                    make: { _, _ in .score(kind) }))
        }
        facts.append(
            FactDefinition(
                phrase: "feedback", argument: nil, window: .requiredLast, type: .boolean,
                meaning: "any feedback (NPS, CSAT or CES) received within the window",
                make: { _, days in .feedback(nil, inLastDays: days!) }))
        for kind in FeedbackKind.allCases {
            facts.append(
                FactDefinition(
                    phrase: "\(kind.rawValue) feedback", argument: nil, window: .requiredLast, type: .boolean,
                    meaning: "\(kind.rawValue.uppercased()) feedback received within the window",
                    make: { _, days in .feedback(kind, inLastDays: days!) }))
        }
        facts += [
            FactDefinition(
                phrase: "event", argument: "NAME", window: .requiredLast, type: .boolean,
                meaning: "an event with this name happened within the window",
                make: { name, days in .event(name, inLastDays: days!) }),
            FactDefinition(
                phrase: "birthday", argument: nil, window: .requiredAhead, type: .boolean,
                meaning: "the birthday falls N calendar days from today (0 = today), local time; 29 Feb is 28 Feb in other years",
                make: { _, days in .birthday(inDays: days!) }),
            FactDefinition(
                phrase: "joined", argument: nil, window: .none, type: .date,
                meaning: "day the customer joined",
                make: { _, _ in .joined }),
            FactDefinition(
                phrase: "days since joined", argument: nil, window: .none, type: .number,
                meaning: "whole days since the customer joined",
                make: { _, _ in .daysSinceJoined }),
        ]
        for channel in Channel.allCases {
            facts.append(
                FactDefinition(
                    phrase: "consent \(channel.rawValue)", argument: nil, window: .none, type: .boolean,
                    meaning: "\(channel.rawValue) consent granted and not withdrawn, and the address not suppressed",
                    make: { _, _ in .consent(channel) }))
        }
        facts.append(
            FactDefinition(
                phrase: "tagged", argument: "TAG", window: .none, type: .boolean,
                meaning: "the customer has this tag",
                make: { tag, _ in .tagged(tag) }))
        for field in CustomerField.allCases {
            facts.append(
                FactDefinition(
                    phrase: field.rawValue, argument: nil, window: .none, type: .text,
                    meaning: "the customer's \(field.rawValue.replacingOccurrences(of: "_", with: " "))",
                    make: { _, _ in .customerField(field) }))
        }
        facts += [
            FactDefinition(
                phrase: "received", argument: "NAME", window: .requiredLast, type: .boolean,
                meaning: "a send of this rule (or JOURNEY/STEP) was delivered to the customer within the window",
                make: { name, days in .received(name, inLastDays: days!) }),
            FactDefinition(
                phrase: "days since received", argument: "NAME", window: .none, type: .number,
                meaning: "whole days since the last delivered send of this rule; missing if never delivered",
                make: { name, _ in .daysSinceReceived(name) }),
            FactDefinition(
                phrase: "purchase since received", argument: "NAME", window: .none, type: .boolean,
                meaning: "a purchase after the last delivered send of this rule; false if never delivered",
                make: { name, _ in .purchaseSinceReceived(name) }),
        ]
        facts.append(
            FactDefinition(
                phrase: "attribute", argument: "NAME", window: .none, type: nil,
                meaning: "a custom attribute; compared as a number with a number, as text with text",
                make: { name, _ in .attribute(name) }))
        return facts
    }()

    static let byPhrase: [String: FactDefinition] = Dictionary(
        uniqueKeysWithValues: all.map { ($0.phrase, $0) })

    /// The definition written as `phrase`, if any.
    public static func definition(for phrase: String) -> FactDefinition? { byPhrase[phrase] }

    /// Words that a segment may not be named, because a fact is spelled that way.
    static let reservedSegmentNames: Set<String> = Set(all.map(\.phrase).filter { !$0.contains(" ") })
        .union(["consent", "days", "first", "last", "no", "since"])
        .union(SegmentTransition.allCases.map(\.rawValue))

    /// How the segment transitions are written (`entered S [in last N days]`), for the docs and
    /// "did you mean"; resolved by `ConditionChecker`, not through `all`.
    public static let transitionUsages: [(usage: String, meaning: String)] = [
        ("entered SEGMENT [in last N days]", "was not in the segment at the previous evaluation and is now (or did so within the window)"),
        ("left SEGMENT [in last N days]", "was in the segment at the previous evaluation and is not now (or did so within the window)"),
    ]
}
