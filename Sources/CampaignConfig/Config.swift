import Foundation

/// The daemon's configuration, read from a JSON file (see `config.example.json`).
///
/// Relative paths are resolved against the directory holding the config file, so a config
/// works the same whatever the current directory is.
public struct Config: Sendable, Equatable {
    /// Where the customer store is: a SQLite file or a PostgreSQL database.
    public var store: StoreLocation
    /// Path of the SQLite customer store. Only for a SQLite store: the commands refuse a
    /// PostgreSQL store before they open theirs (`GlobalOptions.loadConfig(for:)`), so reading
    /// it for one is a programming error, and stops the program rather than open a wrong file.
    public var storePath: String {
        guard case .sqlite(let path) = store else { preconditionFailure("storePath read for a PostgreSQL store") }
        return path
    }
    /// Directory holding `*.rules` files.
    public var rulesDirectory: String
    /// Directory holding Mustache templates.
    public var templatesDirectory: String
    /// IANA identifier of the business time zone (dates without a time mean midnight here).
    public var timeZone: TimeZone
    /// ISO 4217 code of the store's currency; amounts are kept in its minor units.
    public var currency: String
    /// How often the daemon evaluates the rules.
    public var tick: Duration
    /// The global contact-pressure cap across all rules and channels.
    public var contactPressure: ContactPressure
    /// Hours in which marketing messages are held, in the customer's local time.
    public var quietHours: QuietHours?
    /// Dispatch concurrency and per-channel rates.
    public var dispatch: Dispatch
    /// Retry policy for failed sends.
    public var retry: Retry
    /// How each channel delivers.
    public var channels: Channels
    /// Where the daemon's HTTP listener (unsubscribe, health, metrics) binds; nil when it is off.
    public var http: HTTPListen?

    /// At most `maxMessages` marketing messages per customer in any `perDays`-day window.
    public struct ContactPressure: Sendable, Equatable {
        public var maxMessages: Int
        public var perDays: Int
    }

    /// A daily local-time window, which may wrap midnight (e.g. 21:00–08:00).
    public struct QuietHours: Sendable, Equatable {
        /// Minutes after local midnight at which the window starts.
        public var startMinute: Int
        /// Minutes after local midnight at which the window ends.
        public var endMinute: Int
    }

    /// Dispatch limits.
    public struct Dispatch: Sendable, Equatable {
        /// Sends in flight at once, across channels.
        public var concurrency: Int
        /// Sends per second, per channel name.
        public var ratePerSecond: [String: Double]
        /// On a PostgreSQL store, how long a dispatcher's claim on a send holds without being
        /// renewed: after a dispatcher dies, its sends wait this long before another resends them.
        public var lease: Duration = .seconds(60)
    }

    /// Exponential backoff with jitter, up to a maximum age.
    public struct Retry: Sendable, Equatable {
        public var initialDelay: Duration
        public var maxDelay: Duration
        public var maxAge: Duration
    }

    /// The address the HTTP listener binds: an IP address (or `localhost`) and a port; port 0
    /// takes any free port (tests).
    /// With the limits that keep it answering under slow or abusive clients.
    public struct HTTPListen: Sendable, Equatable {
        public var host: String
        public var port: Int
        /// Connections open at once (`http.max_connections`); more wait in the kernel's backlog.
        public var maxConnections = 2048
        /// How long a client may take to send a whole request, head and body, from the moment
        /// it connects or sends the request's head (`http.request_timeout`); then it is closed.
        public var requestTimeout: Duration = .seconds(10)

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        /// The default: loopback only, behind the shop's reverse proxy.
        public static let `default` = HTTPListen(host: "127.0.0.1", port: 8470)

        /// `127.0.0.1:8470`, `[::1]:8470`, `localhost:8470`; nil for anything else.
        public init?(parsing text: String) {
            var host: Substring, portText: Substring
            if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
                host = text[text.index(after: text.startIndex)..<close]
                let rest = text[text.index(after: close)...]
                guard rest.hasPrefix(":") else { return nil }
                portText = rest.dropFirst()
                guard host.contains(":"), host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else { return nil }
            } else {
                guard let colon = text.lastIndex(of: ":") else { return nil }
                host = text[..<colon]
                portText = text[text.index(after: colon)...]
                let octets = host.split(separator: ".", omittingEmptySubsequences: false)
                guard host == "localhost" || (octets.count == 4 && octets.allSatisfy { !$0.isEmpty && $0.count <= 3 && UInt8($0) != nil })
                else { return nil }
            }
            guard !portText.isEmpty, portText.allSatisfy(\.isASCII), let port = Int(portText), (0...65_535).contains(port) else { return nil }
            self.init(host: String(host), port: port)
        }

        /// `host:port`, with brackets around an IPv6 address.
        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    /// Delivery settings per channel.
    public struct Channels: Sendable, Equatable {
        public var email: Channel
        public var letter: Channel
        public var webhook: Channel
        /// Named webhook endpoints (`send webhook "NAME"`), keyed by name.
        public var webhookEndpoints: [String: WebhookEndpoint]
    }

    /// How one channel delivers: to a spool directory, or for real.
    public struct Channel: Sendable, Equatable {
        public enum Mode: String, Sendable, Equatable, CaseIterable { case spool, live }
        public var mode: Mode
        /// Where the spool mode writes what it would send.
        public var spoolDirectory: String
        /// Channel-specific settings for live mode, kept as validated JSON text values. Settings
        /// ending in `_file` are paths resolved like every other path, or `credential:NAME` for
        /// `$CREDENTIALS_DIRECTORY/NAME` (systemd's LoadCredential).
        public var settings: [String: String]
        /// Transfers (and connections) at once in live mode.
        public var connections: Int
        /// How long one delivery may take in live mode, connecting included.
        public var timeout: Duration

        public init(mode: Mode, spoolDirectory: String, settings: [String: String], connections: Int, timeout: Duration) {
            self.mode = mode
            self.spoolDirectory = spoolDirectory
            self.settings = settings
            self.connections = connections
            self.timeout = timeout
        }
    }

    /// A webhook receiver.
    public struct WebhookEndpoint: Sendable, Equatable {
        public var url: String
        /// Files holding `whsec_…` secrets (several during rotation), or `credential:NAME`.
        public var secretFiles: [String]

        public init(url: String, secretFiles: [String]) {
            self.url = url
            self.secretFiles = secretFiles
        }
    }
}
