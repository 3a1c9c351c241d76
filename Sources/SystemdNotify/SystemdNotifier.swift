#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Tells systemd what the daemon is doing, through the `sd_notify` protocol.
///
/// Each message is one datagram of newline-separated `KEY=VALUE` assignments sent to the
/// `AF_UNIX` socket named by `$NOTIFY_SOCKET`: a filesystem path, or an abstract name when it
/// starts with `@`. When the variable is unset or empty (not started by systemd, or not
/// `Type=notify`), every call does nothing. The environment is read once, by the initialiser.
///
/// Sending never throws. Each call returns `false` only when a socket is configured and the
/// datagram could not be sent (the caller may log it and carry on, as with systemd's own
/// `sd_notify`); it returns `true` when the datagram was sent or there is nowhere to send it.
///
/// systemd 252 (Debian 12) has no `Type=notify-reload`, so the unit uses `Type=notify` with
/// `ExecReload=/bin/kill -HUP $MAINPID`, and the daemon brackets a reload itself:
/// `reloading()`, re-read everything, then `ready()` whether or not the new set was accepted.
public struct SystemdNotifier: Sendable {
    /// Where notifications go, or nil when `$NOTIFY_SOCKET` is unset or empty.
    private let socket: NotifySocket?

    /// How often to call `watchdog()`: half of `$WATCHDOG_USEC`, as `sd_watchdog_enabled`
    /// advises. Nil when the variable is unset, not a positive integer, or when `$WATCHDOG_PID`
    /// is set and names another process.
    public let watchdogInterval: Duration?

    /// Reads `$NOTIFY_SOCKET`, `$WATCHDOG_USEC` and `$WATCHDOG_PID` from `environment`.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        socket = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : NotifySocket(address: $0) }
        watchdogInterval = Self.watchdogInterval(
            microseconds: environment["WATCHDOG_USEC"], processID: environment["WATCHDOG_PID"])
    }

    /// Whether `$NOTIFY_SOCKET` is set, so that notifications are sent at all.
    public var isEnabled: Bool { socket != nil }

    /// Sends `state`, one or more `KEY=VALUE` lines, as one datagram.
    ///
    /// - Returns: `false` if a socket is configured and sending failed; otherwise `true`.
    @discardableResult
    public func notify(_ state: String) -> Bool {
        socket?.send(state) ?? true
    }

    /// Startup is complete (the store is open): `READY=1`. Also ends a reload.
    @discardableResult
    public func ready() -> Bool { notify("READY=1") }

    /// A reload has begun: `RELOADING=1` with `MONOTONIC_USEC`, the `CLOCK_MONOTONIC` time in
    /// microseconds, which systemd 253 and later require and 252 ignores. End it with `ready()`.
    @discardableResult
    public func reloading() -> Bool {
        notify("RELOADING=1\nMONOTONIC_USEC=\(Self.monotonicMicroseconds())")
    }

    /// Shutdown has begun: `STOPPING=1`.
    @discardableResult
    public func stopping() -> Bool { notify("STOPPING=1") }

    /// The daemon is alive: `WATCHDOG=1`. Call it every `watchdogInterval`.
    @discardableResult
    public func watchdog() -> Bool { notify("WATCHDOG=1") }

    /// A one-line status for `systemctl status`: `STATUS=text`. Line breaks and NUL characters
    /// in `text` become spaces, so it cannot add assignments of its own.
    @discardableResult
    public func status(_ text: String) -> Bool {
        notify(Self.statusAssignment(text))
    }

    /// `STATUS=text` with line breaks and NUL characters in `text` made spaces.
    static func statusAssignment(_ text: String) -> String {
        "STATUS=" + String(text.map { $0.isNewline || $0 == "\0" ? " " : $0 })
    }

    /// Half of `microseconds`, or nil when the watchdog is off or meant for another process.
    static func watchdogInterval(microseconds: String?, processID: String?) -> Duration? {
        guard let text = microseconds, let value = Int64(text), value > 0 else { return nil }
        if let processID, pid_t(processID) != getpid() { return nil }
        return .microseconds(value) / 2
    }

    /// The `CLOCK_MONOTONIC` time in microseconds, the clock systemd compares `MONOTONIC_USEC` with.
    static func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
    }
}
