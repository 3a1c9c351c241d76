/// A daemon as the store last heard of it (`daemon` table): daemons sharing a PostgreSQL store
/// write a heartbeat there, and `campaignd status` lists them.
public struct DaemonRecord: Sendable, Equatable {
    /// The id its claims carry in `send.owner` (`host:pid:random`).
    public var owner: String
    public var host: String
    public var pid: Int64
    /// campaignd's version (`campaignd --version`).
    public var version: String
    /// Its HTTP listener's address (`/healthz`, `/metrics`), if it has one.
    public var http: String?
    /// Unix seconds, by the database server's clock.
    public var startedAt: Int64
    /// The last heartbeat (Unix seconds, by the database server's clock).
    public var seenAt: Int64
    /// When it stopped gracefully, or nil while it runs (or after a crash).
    public var stoppedAt: Int64?
    /// Sends it holds in flight now.
    public var inFlight: Int64

    public init(
        owner: String, host: String, pid: Int64, version: String, http: String?, startedAt: Int64, seenAt: Int64,
        stoppedAt: Int64? = nil, inFlight: Int64 = 0
    ) {
        self.owner = owner
        self.host = host
        self.pid = pid
        self.version = version
        self.http = http
        self.startedAt = startedAt
        self.seenAt = seenAt
        self.stoppedAt = stoppedAt
        self.inFlight = inFlight
    }

    /// How long the rows of daemons not heard of are kept (a week).
    public static let keptSeconds: Int64 = 7 * 86_400
}
