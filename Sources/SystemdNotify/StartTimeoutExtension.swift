#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Dispatch
import Synchronization

/// Keeps systemd's start timeout (`TimeoutStartSec=`) from expiring while a long start-up step
/// runs, such as a store's migrations: from `begin` to `end`, a dispatch queue of its own sends
/// `EXTEND_TIMEOUT_USEC` every `interval`, each time asking for three intervals more, with a
/// `STATUS=` line saying why. If the process dies the messages stop and the timeout applies
/// again (systemd: a timeout occurs once the extension passes without a new message, and
/// only beyond the original `TimeoutStartSec=`). Without `$NOTIFY_SOCKET` it does nothing.
public final class StartTimeoutExtension: Sendable {
    private let notifier: SystemdNotifier
    /// Seconds between two messages.
    private let interval: Double
    /// The running pinger: the semaphore that ends it and the semaphore it signals when it has.
    private let running = Mutex<(stop: DispatchSemaphore, stopped: DispatchSemaphore)?>(nil)

    public init(notifier: SystemdNotifier, interval seconds: Double = 10) {
        self.notifier = notifier
        self.interval = seconds
    }

    /// The message sent every `interval`: an extension of three intervals, and `status`.
    func message(status: String) -> String {
        "EXTEND_TIMEOUT_USEC=\(Int64(interval * 3 * 1_000_000))\n" + SystemdNotifier.statusAssignment(status)
    }

    /// Sends the first extension now and then one every `interval` until `end`. A second `begin`
    /// before `end` changes nothing.
    public func begin(status: String) {
        guard notifier.isEnabled else { return }
        let message = message(status: status)
        let semaphores = (stop: DispatchSemaphore(value: 0), stopped: DispatchSemaphore(value: 0))
        let started = running.withLock { running -> Bool in
            guard running == nil else { return false }
            running = semaphores
            return true
        }
        guard started else { return }
        let notifier = notifier
        let wait = DispatchTimeInterval.nanoseconds(Int(interval * 1_000_000_000))
        DispatchQueue(label: "campaignd.start-timeout-extension").async {
            repeat { notifier.notify(message) } while semaphores.stop.wait(timeout: .now() + wait) == .timedOut
            semaphores.stopped.signal()
        }
    }

    /// Stops the messages; once this returns, no more are sent.
    public func end() {
        guard let semaphores = running.withLock({ running in defer { running = nil }; return running }) else { return }
        semaphores.stop.signal()
        semaphores.stopped.wait()
    }
}
