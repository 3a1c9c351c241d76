import Foundation

/// How the report writes its numbers: one decimal, a real minus sign for decreases.
enum Figures {
    /// `12.0 %`.
    static func percent(_ fraction: Double) -> String { String(format: "%.1f %%", fraction * 100) }

    /// `1105 (12.3 %)`: a group's converters and its conversion rate.
    static func converted(_ group: GroupTally) -> String { "\(group.converted) (\(percent(group.conversionRate)))" }

    /// `+50.0 %`, `−3.2 %`.
    static func signedPercent(_ fraction: Double) -> String { signed(fraction * 100) + " %" }

    /// `+2.7`, `−0.4`: a difference of rates in percentage points, without the unit.
    static func signedPoints(_ fraction: Double) -> String { signed(fraction * 100) }

    /// `+4.0 (95 % CI +2.5 to +5.5)` with `format` writing each number.
    static func interval(_ interval: Interval, _ format: (Double) -> String, unit: String = "") -> String {
        "\(format(interval.estimate))\(unit) (95 % CI \(format(interval.low)) to \(format(interval.high)))"
    }

    /// `1 customer`, `12 customers`.
    static func count(_ number: Int, _ noun: String) -> String { "\(number) \(noun)\(number == 1 ? "" : "s")" }

    /// One decimal with its sign; a value that rounds to zero is `+0.0`.
    private static func signed(_ value: Double) -> String {
        let text = String(format: "%.1f", abs(value))
        return (value < 0 && text != "0.0" ? "−" : "+") + text
    }
}
