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
        #expect(try await engine.tick(at: instant).queued == 20)
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

extension EngineClockTests {
    @Test("a shifted clock (run --once --at) reads its instant at first and then advances with the system clock")
    func shiftedClock() async throws {
        let instant = 2_111_000_000.0  // 2036, far from the system clock
        let before = Date().timeIntervalSince1970
        let clock = ShiftedClock(startingAt: instant)
        let first = clock.now()
        let afterFirst = Date().timeIntervalSince1970
        // Between the instant and the instant plus the system time that passed since it was made.
        #expect(first >= instant - 0.001 && first <= instant + (afterFirst - before) + 0.001)
        try await clock.sleep(seconds: 0.01)
        let second = clock.now()
        let afterSecond = Date().timeIntervalSince1970
        #expect(second >= first + 0.01 - 0.001 && second <= instant + (afterSecond - before) + 0.001)
    }
}
