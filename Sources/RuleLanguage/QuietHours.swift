/// `quiet hours HH:MM-HH:MM` in the customer's local time; `start > end` spans midnight.
public struct QuietHours: Hashable, Sendable {
    public let start: TimeOfDay
    public let end: TimeOfDay

    public init(start: TimeOfDay, end: TimeOfDay) {
        self.start = start
        self.end = end
    }

    /// Whether a local wall-clock time falls in the quiet period `[start, end)`.
    public func contains(_ time: TimeOfDay) -> Bool {
        start <= end ? (start <= time && time < end) : (time >= start || time < end)
    }
}
