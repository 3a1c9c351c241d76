/// Formats integer minor units as a decimal amount, exactly.
public enum MoneyFormat {
    /// Decimals of the currency's minor unit (ISO 4217): 2 for EUR, 0 for JPY, 3 for KWD.
    public static func exponent(of currency: String) -> Int {
        FieldParsers.currencyExponent(currency)
    }

    /// `123456, "EUR"` → `1234.56 EUR`.
    public static func text(_ minor: Int64, currency: String) -> String {
        let exponent = FieldParsers.currencyExponent(currency)
        guard exponent > 0 else { return "\(minor) \(currency)" }
        var scale: Int64 = 1
        for _ in 0..<exponent { scale *= 10 }
        let sign = minor < 0 ? "-" : ""
        let magnitude = minor.magnitude
        let fraction = String(magnitude % UInt64(scale))
        let padded = String(repeating: "0", count: exponent - fraction.count) + fraction
        return "\(sign)\(magnitude / UInt64(scale)).\(padded) \(currency)"
    }
}
