import Foundation

/// Validation and conversion of single import values; each returns nil or throws a message.
enum FieldParsers {
    /// Why a text is not an amount.
    struct AmountError: Error {
        var message: String
    }

    /// An amount such as `19.90` in minor units of a currency with `exponent` decimals; never via a binary float.
    static func minorUnits(_ text: String, exponent: Int) -> Result<Int64, AmountError> {
        if let amount = plainMinorUnits(text, exponent: exponent) { return .success(amount) }
        let trimmed = text.trimmingSpaces
        if trimmed.hasPrefix("-") { return .failure(AmountError(message: "negative amount '\(text)'")) }
        let parts = trimmed.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = parts.first, !whole.isEmpty,
              whole.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), whole.count <= 15
        else { return .failure(AmountError(message: "'\(text)' is not an amount like 19.90")) }
        var fraction = parts.count == 2 ? String(parts[1]) : ""
        guard fraction.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), parts.count == 1 || !fraction.isEmpty else {
            return .failure(AmountError(message: "'\(text)' is not an amount like 19.90"))
        }
        while fraction.count > exponent && fraction.hasSuffix("0") { fraction.removeLast() }
        guard fraction.count <= exponent else {
            return .failure(AmountError(message: "amount '\(text)' has more than \(exponent) decimals"))
        }
        fraction += String(repeating: "0", count: exponent - fraction.count)
        var scale: Int64 = 1
        for _ in 0..<exponent { scale *= 10 }
        return .success(Int64(whole)! * scale + (Int64(fraction) ?? 0))
    }

    /// The common case of `minorUnits` without allocating: 1–15 digits, optionally a point and
    /// digits whose significant part fits `exponent`. Nil for anything else (spaces, a sign, an
    /// error), which `minorUnits` then handles and explains.
    private static func plainMinorUnits(_ text: String, exponent: Int) -> Int64? {
        var whole: Int64 = 0, wholeDigits = 0
        var fraction: Int64 = 0, fractionDigits = 0, significantDigits = 0
        var seenPoint = false
        for byte in text.utf8 {
            if byte == UInt8(ascii: ".") {
                if seenPoint { return nil }
                seenPoint = true
                continue
            }
            guard byte >= 48 && byte <= 57 else { return nil }
            let digit = Int64(byte - 48)
            if seenPoint {
                fractionDigits += 1
                guard fractionDigits <= 18 else { return nil }
                fraction = fraction * 10 + digit
                if digit != 0 { significantDigits = fractionDigits }
            } else {
                wholeDigits += 1
                guard wholeDigits <= 15 else { return nil }
                whole = whole * 10 + digit
            }
        }
        guard wholeDigits > 0, !seenPoint || fractionDigits > 0, significantDigits <= exponent else { return nil }
        // Trailing zeros beyond the exponent carry nothing: drop them, then scale to `exponent` decimals.
        while fractionDigits > exponent { fraction /= 10; fractionDigits -= 1 }
        var scale: Int64 = 1
        for _ in 0..<exponent { scale *= 10 }
        for _ in fractionDigits..<exponent { fraction *= 10 }
        return whole * scale + fraction
    }

    /// Decimals of an ISO 4217 currency (2 unless listed).
    static func currencyExponent(_ code: String) -> Int {
        switch code {
        case "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF": 0
        case "BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND": 3
        default: 2
        }
    }

    /// A plausible email address: one `@` with text on both sides, no spaces or control characters.
    static func isEmail(_ text: String) -> Bool {
        guard let at = text.firstIndex(of: "@"), at != text.startIndex, text.index(after: at) != text.endIndex,
              !text[text.index(after: at)...].contains("@")
        else { return false }
        return !text.unicodeScalars.contains { $0.value <= 0x20 || $0.value == 0x7F || $0 == "<" || $0 == ">" || $0 == "," }
    }

    /// The longest single-line value (id, email, name, address, …) an import accepts, in UTF-8 bytes.
    static let maximumLineBytes = 1_000
    /// The longest column or field name an import accepts, in UTF-8 bytes.
    static let maximumNameBytes = 200

    /// True when the text holds a control character (CR, LF, NUL, …), which no single-line field may hold.
    static func hasControlCharacter(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
    }
}
