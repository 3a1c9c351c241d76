import CampaignConfig
import RuleLanguage

extension Config {
    /// The config's quiet hours as the rule language spells them, for email rules without
    /// their own; nil when the config sets none.
    public var defaultEmailQuietHours: RuleLanguage.QuietHours? {
        quietHours.flatMap { hours in
            guard let start = TimeOfDay(hour: hours.startMinute / 60, minute: hours.startMinute % 60),
                let end = TimeOfDay(hour: hours.endMinute / 60, minute: hours.endMinute % 60)
            else { return nil }
            return RuleLanguage.QuietHours(start: start, end: end)
        }
    }
}
