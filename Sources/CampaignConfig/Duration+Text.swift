extension Duration {
    /// Parses a duration such as `90s`, `15m`, `1h`, `2d` (a whole number and one unit).
    public init?(configText text: String) {
        guard let unit = text.last, let value = Int64(text.dropLast()), value >= 0 else { return nil }
        switch unit {
        case "s": self = .seconds(value)
        case "m": self = .seconds(value * 60)
        case "h": self = .seconds(value * 3600)
        case "d": self = .seconds(value * 86400)
        default: return nil
        }
    }

    /// Whole seconds in this duration.
    public var wholeSeconds: Int64 { components.seconds }
}
