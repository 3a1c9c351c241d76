import Foundation
import Testing
import TestSupport

/// `HangGuard`, which the tick's atomicity tests rely on to fail instead of hanging.
@Suite("the hang guard of tests that could wait for good")
struct HangGuardTests {
    @Test("a body that ends in time gives its result or its error; one that does not is reported still running")
    func reportsHangs() throws {
        #expect(try HangGuard.finishing(within: 60) { 42 } == 42)
        struct Broken: Error {}
        #expect(throws: Broken.self) { try HangGuard.finishing(within: 60) { () throws -> Int in throw Broken() } }
        let started = Date()
        #expect(throws: HangGuard.StillRunning.self) {
            try HangGuard.finishing(within: 1) { Thread.sleep(forTimeInterval: 300) }
        }
        // The guard gave up at its limit, not when the body ended (its thread sleeps on).
        #expect(Date().timeIntervalSince(started) < 299)
    }
}
