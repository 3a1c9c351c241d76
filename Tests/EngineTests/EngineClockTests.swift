@testable import CustomerStore
import Engine
import Foundation
import GRDB
import Testing

@Suite("one clock: ticks and sends take their instants from the engine clock")
struct EngineClockTests {
    static let rules = """
        rule "welcome" {
          when orders >= 1 and consent email
          send email "welcome"
          limit once per 30 days
        }
        """

    /// The first 12 hex digits of a send id: its creation time in milliseconds (`SendIdentifier`).
    static func millisecondsPrefix(_ seconds: Double) -> String {
        let digits = String(UInt64((seconds * 1000).rounded()), radix: 16)
        return String(repeating: "0", count: 12 - digits.count) + digits
    }

    @Test("a tick's send ids start with the clock's milliseconds; rows' updated_at are the clock's")
    func tickUsesTheEngineClock() async throws {
        let fx = try EngineFixture()
        try fx.customers(20)
        let engine = try fx.engine(try fx.configuration(rules: Self.rules))
        // A quarter second past the tick's instant: the milliseconds tell the clock from the instant.
        fx.clock.advance(0.25)
        let now = fx.clock.now()
        let instant = engine.scheduledInstant(atOrBefore: now)
        #expect(try engine.tick(at: instant).queued == 20)
        let rows = try fx.rows()
        #expect(rows.count == 20)
        for row in rows {
            #expect((row["send_id"] as String).hasPrefix(Self.millisecondsPrefix(now)), "\(row["send_id"] as String)")
            #expect(row["updated_at"] as Int64 == Int64(now))
            #expect(row["decided_at"] as Int64 == instant)
        }

        fx.clock.advance(42)
        let summary = try await engine.dispatchDue()
        #expect(summary.sent == 20)
        let sent = try fx.rows("SELECT * FROM send WHERE status = 'sent'")
        #expect(sent.count == 20)
        for row in sent { #expect(row["updated_at"] as Int64 == Int64(fx.clock.now())) }
    }
}
