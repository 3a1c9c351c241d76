/// How the last tick went, for the health endpoint.
public struct TickRecord: Sendable, Equatable {
    /// The scheduled instant the tick evaluated (seconds since the epoch).
    public var instant: Int64
    /// When it ended, by the engine's clock.
    public var finishedAt: Double
    /// Why it failed, or nil.
    public var error: String?
}
