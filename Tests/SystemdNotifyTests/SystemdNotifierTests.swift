import Glibc
import Testing
import TestSupport

@testable import SystemdNotify

@Suite("sd_notify")
struct SystemdNotifierTests {
    @Test("each convenience sends its exact datagram to a socket path")
    func datagramsToPath() throws {
        let listener = try DatagramListener()
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.address])
        #expect(notifier.isEnabled)

        #expect(notifier.ready())
        #expect(try listener.receive() == "READY=1")
        #expect(notifier.stopping())
        #expect(try listener.receive() == "STOPPING=1")
        #expect(notifier.watchdog())
        #expect(try listener.receive() == "WATCHDOG=1")
        #expect(notifier.status("Ticking every 300 s; 12 sends due"))
        #expect(try listener.receive() == "STATUS=Ticking every 300 s; 12 sends due")
        #expect(notifier.notify("EXTEND_TIMEOUT_USEC=5000000"))
        #expect(try listener.receive() == "EXTEND_TIMEOUT_USEC=5000000")
    }

    @Test("an abstract socket (@name) receives the same datagrams")
    func datagramsToAbstractSocket() throws {
        let listener = try DatagramListener.abstract()
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.address])
        #expect(notifier.ready())
        #expect(try listener.receive() == "READY=1")
        #expect(notifier.status("Äänekoski ✓"))
        #expect(try listener.receive() == "STATUS=Äänekoski ✓")
    }

    @Test("reloading sends RELOADING=1 and the CLOCK_MONOTONIC time in microseconds")
    func reloading() throws {
        let listener = try DatagramListener()
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.address])
        let before = monotonicMicroseconds()
        #expect(notifier.reloading())
        let after = monotonicMicroseconds()

        let lines = try listener.receive().split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 2)
        #expect(lines.first == "RELOADING=1")
        let stamp = try #require(lines.last.flatMap { $0.hasPrefix("MONOTONIC_USEC=") ? UInt64($0.dropFirst(15)) : nil })
        #expect(before <= stamp && stamp <= after)
    }

    @Test("a status cannot smuggle in assignments: line breaks and NUL become spaces")
    func statusIsOneLine() throws {
        let listener = try DatagramListener()
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.address])
        #expect(notifier.status("rules: 3\nREADY=1\r\nx\0y"))
        #expect(try listener.receive() == "STATUS=rules: 3 READY=1 x y")
    }

    @Test("without NOTIFY_SOCKET every call is a no-op that reports no failure")
    func disabled() {
        for environment in [[:], ["NOTIFY_SOCKET": ""]] {
            let notifier = SystemdNotifier(environment: environment)
            #expect(!notifier.isEnabled)
            #expect(notifier.ready())
            #expect(notifier.reloading())
            #expect(notifier.stopping())
            #expect(notifier.watchdog())
            #expect(notifier.status("idle"))
            #expect(notifier.watchdogInterval == nil)
        }
    }

    @Test(
        "a socket nobody listens on, or an address that cannot be one, is a failure",
        arguments: [
            "/nonexistent-dir/notify.sock",  // no such path
            "run/systemd/notify",  // relative: neither '/' nor '@' first
            "/" + String(repeating: "x", count: 108),  // longer than sun_path
        ])
    func failures(address: String) {
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": address])
        #expect(notifier.isEnabled)
        #expect(!notifier.ready())
    }

    @Test(
        "the watchdog interval is half of WATCHDOG_USEC, for this process only",
        arguments: [
            (["WATCHDOG_USEC": "60000000"], Duration.seconds(30)),
            (["WATCHDOG_USEC": "60000000", "WATCHDOG_PID": String(getpid())], .seconds(30)),
            (["WATCHDOG_USEC": "3"], .nanoseconds(1500)),
            (["WATCHDOG_USEC": "60000000", "WATCHDOG_PID": String(getpid() + 1)], nil),
            (["WATCHDOG_USEC": "60000000", "WATCHDOG_PID": "main"], nil),
            (["WATCHDOG_USEC": "0"], nil),
            (["WATCHDOG_USEC": "-5"], nil),
            (["WATCHDOG_USEC": "60s"], nil),
            (["WATCHDOG_PID": String(getpid())], nil),
            ([:], nil),
        ] as [([String: String], Duration?)])
    func watchdogInterval(environment: [String: String], expected: Duration?) {
        #expect(SystemdNotifier(environment: environment).watchdogInterval == expected)
    }

    /// CLOCK_MONOTONIC in microseconds, read independently of the notifier.
    private func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
    }
}
