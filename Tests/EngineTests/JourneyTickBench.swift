@testable import CustomerStore
@testable import Engine
import Evaluation
import Foundation
import GRDB
import RuleLanguage
import Testing
import TestSupport

/// A benchmark, not a behaviour test: journey ticks on a generated store, run only when
/// `CAMPAIGND_JOURNEY_BENCH` names a store to tick (scripts/bench-journey-tick copies one). It
/// prints wall and CPU seconds per tick and asserts only that enrolments were made.
@Suite("journey tick benchmark")
struct JourneyTickBench {
    @Test("three journeys of three steps at 1M", .enabled(if: ProcessInfo.processInfo.environment["CAMPAIGND_JOURNEY_BENCH"] != nil))
    func bench() throws {
        let path = ProcessInfo.processInfo.environment["CAMPAIGND_JOURNEY_BENCH"]!
        let fx = try EngineFixture()
        let ruleSet = try fx.ruleSet("""
            journey "onboarding" {
              enter when orders = 1 and purchase in last 2 days and consent email
              exit when orders >= 2
              step "thanks" { send email "thanks" }
              wait 3 days
              step "tips" {
                when no purchase in last 3 days
                send email "tips"
              }
              wait 7 days at 09:00
              step "review" { send email "review" }
            }
            journey "winback" {
              enter when no purchase in last 180 days and orders >= 3 and consent email
              exit when purchase in last 1 days
              step "a" { send email "a" }
              wait 7 days
              step "b" { send email "b" }
              wait 7 days
              step "c" { send email "c" }
            }
            journey "vip" {
              enter when spent in last 365 days >= 2000 and consent email
              exit when no purchase in last 365 days
              step "a" { send email "a" }
              wait 7 days
              step "b" { send email "b" }
              wait 7 days at 10:00
              step "c" { send email "c" }
            }
            """)
        let store = try CustomerStore(path: path)
        let outbox = Outbox(store: store, clock: SystemClock(), logger: fx.logger)
        let start = EngineFixture.time("2026-11-21T00:00:00Z")
        func settings(_ at: Int64) -> EvaluationSettings {
            EvaluationSettings(now: at, businessTimeZone: TimeZone(identifier: "Europe/Helsinki")!, currency: "EUR", contactPressureMessages: 3, contactPressureDays: 7)
        }
        let empty = ruleSet.replacingJourneys(with: [])
        let runs: [(String, RuleSet, Int64, Int)] = [
            ("no journeys", empty, start, 2), ("entering", ruleSet, start, 2), ("idle, 2 slices", ruleSet, start + 3600, 2),
            ("idle, 1 slice", ruleSet, start + 7200, 1), ("idle, 2 slices", ruleSet, start + 10800, 2),
            ("idle, 1 slice", ruleSet, start + 14400, 1), ("no journeys again", empty, start + 18000, 2),
        ]
        for (label, set, at, slices) in runs {
            func cpu() -> Double {
                var usage = rusage()
                getrusage(RUSAGE_SELF.rawValue, &usage)
                return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
            }
            let clock = ContinuousClock()
            let began = clock.now
            let cpuBefore = cpu()
            let summary = try outbox.tick(ruleSet: set, settings: settings(at), slices: slices)
            let seconds = (clock.now - began) / .seconds(1)
            print("BENCH \(label): \(String(format: "%.3f", seconds)) s wall, \(String(format: "%.3f", cpu() - cpuBefore)) s CPU; journeys \(summary.journeys.map { "\($0.journey) entered \($0.entered) goal \($0.goal) sent \($0.steps.map(\.queued))" })")
        }
        let active = try store.database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM enrolment WHERE ended IS NULL")! }
        print("BENCH active enrolments \(active)")
        #expect(active > 0)
    }
}
