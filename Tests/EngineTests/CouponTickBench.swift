@testable import CustomerStore
@testable import Engine
import Evaluation
import Foundation
import GRDB
import RuleLanguage
import Testing
import TestSupport

/// A benchmark, not a behaviour test: the 20-rule tick (`bench/rules/typical.rules`) with the
/// three rules that queue the most email sends taking codes from pools of 200,000 codes each,
/// against the same tick without the pools. Runs only when `CAMPAIGND_COUPON_BENCH` names a
/// store (scripts/bench-coupon-tick makes one); each tick runs on a fresh copy, the pools are
/// filled before the clock starts. Prints wall seconds per run, the medians and their ratio,
/// and asserts only that the pooled rules took codes.
@Suite("coupon tick benchmark")
struct CouponTickBench {
    static let environment = ProcessInfo.processInfo.environment

    @Test("20 rules, three of them on coupon pools of 200,000 codes, against none", .enabled(if: environment["CAMPAIGND_COUPON_BENCH"] != nil))
    func bench() throws {
        let source = Self.environment["CAMPAIGND_COUPON_BENCH"]!
        let runs = Int(Self.environment["CAMPAIGND_COUPON_BENCH_RUNS"] ?? "") ?? 3
        let poolSize = Int(Self.environment["CAMPAIGND_COUPON_BENCH_CODES"] ?? "") ?? 200_000
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: repository.appendingPathComponent("bench/rules/typical.rules"), encoding: .utf8)
        let fx = try EngineFixture()
        let plain = try fx.ruleSet(text)
        let at = EngineFixture.time("2026-11-21T00:00:00Z")
        let settings = EvaluationSettings(
            now: at, businessTimeZone: TimeZone(identifier: "Europe/Helsinki")!, currency: "EUR", contactPressureMessages: 3,
            contactPressureDays: 7)

        /// Progress as it happens (stdout is block-buffered under `swift test`).
        func report(_ line: String) { FileHandle.standardError.write(Data((line + "\n").utf8)) }

        /// A fresh copy of the source store, migrated, with `pools` of `poolSize` codes each.
        func copy(pools: [String]) throws -> CustomerStore {
            let path = "\(fx.directory)/copy-\(UUID().uuidString).sqlite"
            try DatabaseQueue(path: source).backup(to: DatabaseQueue(path: path))
            let store = try CustomerStore(path: path)
            // The codes go in with one statement per pool, queued in the order they are made (what
            // `import coupons` writes, without its per-line checks, which a debug build on a
            // shared machine makes slow).
            try store.database.write { db in
                for pool in pools {
                    try db.execute(
                        sql: """
                            WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ? - 1)
                            INSERT INTO coupon(code, pool, place, imported_at) SELECT ? || '-' || i, ?, i + 1, ? FROM n
                            """, arguments: [poolSize, pool, pool, at - 86_400])
                }
            }
            return store
        }
        func cpu() -> Double {
            var usage = rusage()
            getrusage(RUSAGE_SELF.rawValue, &usage)
            return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        }
        /// One tick on a fresh copy: wall and process CPU seconds (CPU is the steadier figure on a
        /// machine other builds share).
        func tick(_ ruleSet: RuleSet, pools: [String]) throws -> (wall: Double, cpu: Double, summary: Outbox.TickSummary) {
            let store = try copy(pools: pools)
            defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: store.path + suffix) } }
            let started = ContinuousClock.now
            let cpuBefore = cpu()
            let summary = try Outbox(store: store, clock: SystemClock(), logger: fx.logger).tick(ruleSet: ruleSet, settings: settings, slices: 2)
            return ((ContinuousClock.now - started) / .seconds(1), cpu() - cpuBefore, summary)
        }
        func line(_ label: String, _ run: (wall: Double, cpu: Double, summary: Outbox.TickSummary)) -> String {
            let taken = run.summary.coupons.values.reduce(0) { $0 + $1.taken }
            return "\(label) \(String(format: "%.3f", run.wall)) s wall, \(String(format: "%.3f", run.cpu)) s CPU, \(run.summary.queued) queued, \(taken) codes taken"
        }

        // The first tick without pools is the first measurement too; it picks the three email
        // rules that queue the most.
        let first = try tick(plain, pools: [])
        report("BENCH run 1: " + line("without pools", first))
        let chosen = plain.rules.filter { $0.channel == .email }
            .sorted { (first.summary.recordedByRule[$0.name]?[.queued] ?? 0) > (first.summary.recordedByRule[$1.name]?[.queued] ?? 0) }
            .prefix(3).map(\.name)
        var pooledText = text
        for (index, name) in chosen.enumerated() {
            let header = "rule \"\(name)\" {"
            pooledText = pooledText.replacingOccurrences(of: header, with: "\(header)\n  coupon from pool \"BENCH\(index + 1)\"")
        }
        let pooled = try fx.ruleSet(pooledText)
        #expect(pooled.rules.filter { $0.couponPool != nil }.count == 3)
        let pools = ["BENCH1", "BENCH2", "BENCH3"]
        report("BENCH rules on pools of \(poolSize) codes: \(chosen.map { "\($0) (\(first.summary.recordedByRule[$0]?[.queued] ?? 0) queued)" }.joined(separator: ", "))")

        var without = [first], with: [(wall: Double, cpu: Double, summary: Outbox.TickSummary)] = []
        for run in 1...runs {
            if run > 1 {
                without.append(try tick(plain, pools: []))
                report("BENCH run \(run): " + line("without pools", without[without.count - 1]))
            }
            with.append(try tick(pooled, pools: pools))
            report("BENCH run \(run): " + line("with pools", with[with.count - 1]))
        }
        func median(_ values: [Double]) -> Double {
            let sorted = values.sorted()
            return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        }
        for (name, key) in [("wall", \(wall: Double, cpu: Double, summary: Outbox.TickSummary).wall), ("CPU", \.cpu)] as [(String, KeyPath<(wall: Double, cpu: Double, summary: Outbox.TickSummary), Double>)] {
            let a = median(without.map { $0[keyPath: key] }), b = median(with.map { $0[keyPath: key] })
            report("BENCH median \(name): without pools \(String(format: "%.3f", a)) s, with pools \(String(format: "%.3f", b)) s, ratio \(String(format: "%.3f", b / a))")
        }
        let taken = with.last?.summary.coupons.values.reduce(0) { $0 + $1.taken } ?? 0
        #expect(taken > 0)
    }
}
