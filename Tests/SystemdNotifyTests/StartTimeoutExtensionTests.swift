import Testing
import TestSupport

@testable import SystemdNotify

@Suite("EXTEND_TIMEOUT_USEC while the start-up migrates")
struct StartTimeoutExtensionTests {
    @Test("from begin to end: three intervals more and the status, at once and every interval; nothing after end")
    func extendsUntilEnd() throws {
        let listener = try DatagramListener()
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.address])
        let extension_ = StartTimeoutExtension(notifier: notifier, interval: 0.2)
        extension_.begin(status: "migrating the store:\n2 migrations")
        let expected = "EXTEND_TIMEOUT_USEC=600000\nSTATUS=migrating the store: 2 migrations"
        #expect(try listener.receive() == expected)
        // The next one, an interval later, from the same (only) pinger.
        #expect(try listener.receive() == expected)
        extension_.begin(status: "a second begin")
        extension_.end()
        // What was sent before `end` returned may still be queued; then nothing comes (`receive`
        // gives up after 5 s): a pinger still running would send one every 0.2 s for ever.
        var queued: [String] = []
        while queued.count < 10, let message = try? listener.receive() { queued.append(message) }
        #expect(queued.count < 10 && queued.allSatisfy { $0 == expected }, "\(queued)")
        extension_.end()
    }

}
