import CustomerStore
import Delivery
import Engine
import Evaluation
import Foundation
import Logging
import RuleLanguage

/// Runs rule tests: per test, a scratch store fed through the import, the real engine ticking
/// every `tickSeconds` of simulated time (and at each `at`) with its dispatcher delivering to a
/// channel that sends nothing, then each expectation compared with the send log.
///
/// Ticks run from the test's `start` (else its first `at`) to its last `at`. A dated record
/// (purchase, consent, event, feedback) enters the store before the first tick at or after its
/// time; customers before the first tick. An expectation at T looks at the decisions of the
/// ticks after the previous `at` up to T (see docs/testing-rules.md).
public struct RuleTestRunner: Sendable {
    public let ruleSet: RuleSet
    public let settings: RuleTestSettings

    public init(ruleSet: RuleSet, settings: RuleTestSettings) {
        self.ruleSet = ruleSet
        self.settings = settings
    }

    /// Every test of `tests`, in order.
    public func run(_ tests: RuleTestFile) async -> [RuleTestResult] {
        var results: [RuleTestResult] = []
        for test in tests.tests { results.append(await run(test, in: tests.file)) }
        return results
    }

    /// One test, on its own scratch store (removed afterwards).
    public func run(_ test: RuleTest, in file: SourceFile) async -> RuleTestResult {
        func failed(_ error: String) -> RuleTestResult {
            RuleTestResult(file: file, test: test, failures: [], error: error, checked: 0, ticks: 0)
        }
        var zone = settings.businessTimeZone
        if let name = test.timeZone {
            guard let named = TimeZone(identifier: name) else { return failed("unknown time zone \"\(name)\"") }
            zone = named
        }
        let scratch: ScratchStore
        do {
            scratch = try ScratchStore(currency: settings.currency)
        } catch {
            return failed("could not make a scratch store: \(error)")
        }
        defer { scratch.remove() }
        do {
            return try await simulate(test, file: file, zone: zone, store: scratch)
        } catch {
            return failed("\(error)")
        }
    }

    private func simulate(_ test: RuleTest, file: SourceFile, zone: TimeZone, store scratch: ScratchStore) async throws -> RuleTestResult {
        var ids: [String: String] = [:]
        for customer in test.customers { ids[customer.name] = try HoldoutPinning.storeID(for: customer, ruleSet: ruleSet) }
        try scratch.load(.customers, test.customers.map { TestRecords.customer($0, id: ids[$0.name]!) })
        let dated = TestRecords.dated(test.customers, ids: ids, zone: zone)

        let checkpoints = Array(Set(test.expectations.map { $0.at.seconds(in: zone) })).sorted()
        guard let first = checkpoints.first, let last = checkpoints.last else {
            return RuleTestResult(file: file, test: test, failures: [], error: nil, checked: 0, ticks: 0)
        }
        let start = test.start?.seconds(in: zone) ?? first
        if first < start {
            throw ScratchStoreError(description: "an 'at' (\(InstantText.utc(first))) is before the test's start (\(InstantText.utc(start)))")
        }
        var instants = Set(checkpoints)
        var instant = start
        while instant <= last {
            instants.insert(instant)
            instant += settings.tickSeconds
        }

        let clock = SimulatedClock(start)
        let engine = try Engine(
            store: scratch.store, clock: clock, logger: Logger(label: "campaignd.test") { _ in SwiftLogNoOpLogHandler() },
            random: { 0.5 }, loader: { [configuration = configuration(zone: zone)] in configuration })
        var failures: [RuleTestResult.Failure] = []
        var windowStart = start
        var previous: Int64?
        var next = 0
        let ticks = instants.sorted()
        for instant in ticks {
            clock.set(instant)
            var due: [ImportKind: [[String: String]]] = [:]
            while next < dated.count && dated[next].at <= instant {
                due[dated[next].kind, default: []].append(dated[next].record)
                next += 1
            }
            for kind in [ImportKind.consents, .purchases, .events, .feedback] { try scratch.load(kind, due[kind] ?? []) }
            try await engine.tick(at: instant)
            _ = try await engine.dispatchDue()
            guard checkpoints.contains(instant) else { continue }
            let check = ExpectationCheck(
                ruleSet: ruleSet, store: scratch.store, settings: evaluationSettings(at: instant, zone: zone), window: windowStart...instant,
                previous: previous)
            for expectation in test.expectations where expectation.at.seconds(in: zone) == instant {
                if let failure = try check.failure(of: expectation, storeID: ids[expectation.customer]) { failures.append(failure) }
            }
            windowStart = instant + 1
            previous = instant
        }
        return RuleTestResult(file: file, test: test, failures: failures, error: nil, checked: test.expectations.count, ticks: ticks.count)
    }

    private func configuration(zone: TimeZone) -> EngineConfiguration {
        var channels: [Channel: any DeliveryChannel] = [:]
        for channel in Channel.allCases { channels[channel] = NullChannel() }
        return EngineConfiguration(
            runtime: EngineRuntime(
                ruleSet: ruleSet, channels: channels, businessTimeZone: zone, currency: settings.currency,
                defaultEmailQuietHours: settings.defaultEmailQuietHours),
            policy: DispatchPolicy(concurrency: 1, ratePerSecond: [:], retry: RetryPolicy(initialDelay: 60, maxDelay: 3600, maxAge: 172_800)),
            tickSeconds: settings.tickSeconds, contactPressureMessages: settings.contactPressureMessages,
            contactPressureDays: settings.contactPressureDays, slices: 1)
    }

    private func evaluationSettings(at instant: Int64, zone: TimeZone) -> EvaluationSettings {
        EvaluationSettings(
            now: instant, businessTimeZone: zone, currency: settings.currency, contactPressureMessages: settings.contactPressureMessages,
            contactPressureDays: settings.contactPressureDays, defaultEmailQuietHours: settings.defaultEmailQuietHours)
    }
}
