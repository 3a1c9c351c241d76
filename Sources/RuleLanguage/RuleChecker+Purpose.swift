import Foundation

/// `purpose` and `coupon from pool` (issue 16), for rules and journey steps alike.
extension RuleChecker {
    /// The purpose a `purpose WORD` clause names, or nil after reporting an unknown word.
    mutating func checkPurpose(_ word: String, at range: Range<Int>, in file: SourceFile) -> MessagePurpose? {
        if let purpose = MessagePurpose(rawValue: word) { return purpose }
        let suggestion = EditDistance.suggestion(for: word, among: MessagePurpose.allCases.map(\.rawValue))
        diagnostics.error(
            "unknown purpose '\(word)'", in: file, at: range,
            hint: suggestion.map { "did you mean '\($0)'?" } ?? "write 'purpose marketing' or 'purpose service'")
        return nil
    }

    /// The pool a `coupon from pool "NAME"` clause names, or nil after reporting an empty name.
    mutating func checkCouponPool(_ pool: String, at range: Range<Int>, in file: SourceFile) -> String? {
        guard !pool.isEmpty, pool.allSatisfy({ !$0.isWhitespace && !$0.isNewline }) else {
            diagnostics.error(
                "a coupon pool name cannot be empty or contain spaces", in: file, at: range,
                hint: "name it as in 'campaignd import coupons NAME FILE'")
            return nil
        }
        return pool
    }

    /// Warns when a `service` message looks like marketing in disguise: it takes a coupon, or its
    /// email template offers a coupon (`send.coupon`) or mentions unsubscribing.
    mutating func warnIfMarketing(
        _ purpose: MessagePurpose, channel: Channel, target: String, couponPool: String?, owner: String,
        at range: Range<Int>, in file: SourceFile
    ) {
        guard purpose == .service else { return }
        let hint = "a service message needs no consent; if it advertises, write 'purpose marketing'"
        if couponPool != nil {
            diagnostics.warning("\(owner) is a service message but takes a coupon", in: file, at: range, hint: hint)
            return
        }
        guard channel == .email, let text = environment?.emailTemplateTexts[target] else { return }
        let found = [(text.contains("send.coupon"), "a coupon (send.coupon)"),
                     (text.range(of: "unsubscribe", options: .caseInsensitive) != nil, "the word 'unsubscribe'")]
            .filter(\.0).map(\.1)
        guard !found.isEmpty else { return }
        diagnostics.warning(
            "\(owner) is a service message but template '\(target)' contains \(found.joined(separator: " and "))",
            in: file, at: range, hint: hint)
    }
}
