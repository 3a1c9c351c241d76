@testable import CustomerStore
import Engine
import Foundation
import Synchronization
import Testing
import TestSupport

/// A wall clock that steps while the tick service runs: `sleep` moves it forward by the wait
/// (like `ManualClock`), then by the step scripted for that sleep (negative: back); after
/// `sleeps` sleeps it throws `CancellationError`, which ends the service. `onSleep` sees each
/// sleep's number first (a test frees a full disk there).
final class SteppingClock: EngineClock {
    private let state: Mutex<(now: Double, sleeps: Int)>
    let steps: [Int: Double]
    let sleeps: Int
    let onSleep: @Sendable (Int) -> Void

    init(_ start: Double, steps: [Int: Double] = [:], sleeps: Int, onSleep: @escaping @Sendable (Int) -> Void = { _ in }) {
        state = Mutex((start, 0))
        self.steps = steps
        self.sleeps = sleeps
        self.onSleep = onSleep
    }

    /// How many times `sleep` was called.
    var sleepCount: Int { state.withLock { $0.sleeps } }

    func now() -> Double { state.withLock { $0.now } }

    func sleep(seconds: Double) async throws {
        let ended = state.withLock { state -> Bool in
            state.sleeps += 1
            guard state.sleeps <= sleeps else { return true }
            state.now += max(0, seconds) + (steps[state.sleeps] ?? 0)
            return false
        }
        if ended { throw CancellationError() }
        onSleep(sleepCount)
        await Task.yield()
    }
}

@Suite("the wall clock steps back and forward while the daemon ticks")
struct ClockStepTests {
    /// No limit: every tick's instant is its own window, so a re-evaluated instant or a
    /// duplicated send would show as extra rows.
    static let rules = #"rule "every-tick" { when consent email  send email "x" }"#
    static let interval = 300.0

    /// Runs the tick service on `clock` until its script ends; returns each tick's instant and
    /// the clock's time when it finished.
    static func ticks(_ fx: EngineFixture, clock: SteppingClock) async throws -> (engine: Engine, ticks: [(instant: Int64, at: Double)]) {
        let configuration = try fx.configuration(rules: rules, cap: 10_000)
        let engine = try Engine(store: fx.store, clock: clock, logger: fx.logger, loader: { configuration })
        let ticks = Mutex<[(instant: Int64, at: Double)]>([])
        try await TickService(engine: engine, afterTick: {
            if let tick = engine.lastTick { ticks.withLock { $0.append((tick.instant, tick.finishedAt)) } }
        }).run()
        return (engine, ticks.withLock { $0 })
    }

    @Test("back an hour: no instant is ticked twice, none before the clock reaches it, and no send is duplicated")
    func backAnHour() async throws {
        let fx = try EngineFixture()
        try fx.customers(5)
        let start = Double(EngineFixture.time("2026-11-20T10:00:00Z"))
        // Three ticks, then the clock steps back an hour during the third wait; 30 waits in all.
        let clock = SteppingClock(start, steps: [3: -3600], sleeps: 30)
        let (_, ticks) = try await Self.ticks(fx, clock: clock)
        let instants = ticks.map(\.instant)
        #expect(instants.count >= 4, "the service ticked again after the clock caught up: \(instants)")
        #expect(zip(instants, instants.dropFirst()).allSatisfy { $0 < $1 }, "every instant once, in order: \(instants)")
        for tick in ticks {
            #expect(Double(tick.instant) <= tick.at, "instant \(tick.instant) was ticked when the clock read \(tick.at)")
        }
        // The clock went back an hour after the tick at 10:10; the next tick is 10:15, once the
        // clock reads 10:15 again, and none was run for 09:15…10:10.
        #expect(Array(instants.prefix(4)) == [0, 300, 600, 900].map { Int64(start) + $0 })
        let rows = try fx.count("SELECT count(*) FROM send")
        let distinct = try fx.count("SELECT count(DISTINCT customer_id || '@' || decided_at) FROM send")
        #expect(rows == instants.count * 5)
        #expect(distinct == rows, "no send recorded twice for one customer and instant")
    }

    @Test("forward a day: one catch-up tick at the latest instant, not 288")
    func forwardADay() async throws {
        let fx = try EngineFixture()
        try fx.customers(5)
        let start = Double(EngineFixture.time("2026-11-20T10:00:00Z"))
        // One tick, then the clock jumps a day during the first wait; 3 waits in all.
        let clock = SteppingClock(start, steps: [1: 86_400], sleeps: 3)
        let (_, ticks) = try await Self.ticks(fx, clock: clock)
        let instants = ticks.map(\.instant)
        let first = Int64(start)
        #expect(instants == [first, first + 86_400 + 300, first + 86_400 + 600, first + 86_400 + 900], "\(instants)")
        #expect(try fx.count("SELECT count(DISTINCT decided_at) FROM send") == instants.count)
        #expect(try fx.count("SELECT count(*) FROM send") == instants.count * 5)
    }

    @Test("a restart with the clock an hour behind re-evaluates instants already ticked, but queues nothing twice")
    func restartBehind() async throws {
        let fx = try EngineFixture()
        try fx.customers(5)
        let start = Double(EngineFixture.time("2026-11-20T10:00:00Z"))
        let (_, before) = try await Self.ticks(fx, clock: SteppingClock(start, steps: [:], sleeps: 12))
        let rows = try fx.count("SELECT count(*) FROM send")
        #expect(rows == before.count * 5)
        // The next start's clock is an hour behind: every instant it ticks was ticked before.
        let (_, after) = try await Self.ticks(fx, clock: SteppingClock(start, steps: [:], sleeps: 5))
        #expect(Set(after.map(\.instant)).isSubset(of: Set(before.map(\.instant))))
        #expect(try fx.count("SELECT count(*) FROM send") == rows, "the unique window key: nothing queued again")
    }
}
