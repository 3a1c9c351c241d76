import Foundation
import RuleLanguage

/// What a rule test takes from the config: the business time zone (a test may set its own),
/// currency, contact-pressure cap and default email quiet hours; and how often it ticks.
public struct RuleTestSettings: Sendable {
    public var businessTimeZone: TimeZone
    public var currency: String
    public var contactPressureMessages: Int
    public var contactPressureDays: Int
    public var defaultEmailQuietHours: QuietHours?
    /// Seconds between simulated ticks (an hour).
    public var tickSeconds: Int64

    public init(
        businessTimeZone: TimeZone, currency: String = "EUR", contactPressureMessages: Int = 0, contactPressureDays: Int = 7,
        defaultEmailQuietHours: QuietHours? = nil, tickSeconds: Int64 = 3600
    ) {
        self.businessTimeZone = businessTimeZone
        self.currency = currency
        self.contactPressureMessages = contactPressureMessages
        self.contactPressureDays = contactPressureDays
        self.defaultEmailQuietHours = defaultEmailQuietHours
        self.tickSeconds = max(60, tickSeconds)
    }
}
