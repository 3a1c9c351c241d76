/// Told when opening a store starts running its pending migrations and when they end (done or
/// failed), so that a daemon can keep its service manager waiting meanwhile: a migration of a
/// large store can outlast systemd's start timeout. Both stores call it the same way.
public struct MigrationWatch: Sendable {
    /// `pending` migrations are about to run.
    public var started: @Sendable (_ pending: Int) -> Void
    /// They ended, with success or not.
    public var ended: @Sendable () -> Void

    public init(started: @escaping @Sendable (_ pending: Int) -> Void, ended: @escaping @Sendable () -> Void) {
        self.started = started
        self.ended = ended
    }
}
