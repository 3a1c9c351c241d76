import Engine
import Foundation
import Hummingbird

/// `GET /healthz`: is the store reachable, did the last tick succeed and is it recent, can the
/// dispatcher write the store, how many rules are loaded. A failed tick or dispatch write (a full
/// disk) shows until a later one succeeds. 200 with `"status": "ok"`, else 503 with `"status": "failing"` and the
/// problems. Field names are stable (docs/operations.md).
struct HealthReport: Encodable {
    var status: String
    /// `ok`, or the store's error.
    var store: String
    /// The last tick's scheduled instant and when it ended (ISO 8601, UTC); nil before the first.
    var lastTickAt: String?
    var lastTickFinishedAt: String?
    var lastTickError: String?
    /// Why the dispatcher could not write the store, or nil.
    var lastDispatchError: String?
    var rulesLoaded: Int
    var tickSeconds: Int64
    var startedAt: String
    var problems: [String]

    enum CodingKeys: String, CodingKey {
        case status, store, problems
        case lastTickAt = "last_tick_at", lastTickFinishedAt = "last_tick_finished_at", lastTickError = "last_tick_error"
        case lastDispatchError = "last_dispatch_error"
        case rulesLoaded = "rules_loaded", tickSeconds = "tick_seconds", startedAt = "started_at"
    }

    /// Every key always present: null before the first tick.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(status, forKey: .status)
        try container.encode(store, forKey: .store)
        try container.encode(lastTickAt, forKey: .lastTickAt)
        try container.encode(lastTickFinishedAt, forKey: .lastTickFinishedAt)
        try container.encode(lastTickError, forKey: .lastTickError)
        try container.encode(lastDispatchError, forKey: .lastDispatchError)
        try container.encode(rulesLoaded, forKey: .rulesLoaded)
        try container.encode(tickSeconds, forKey: .tickSeconds)
        try container.encode(startedAt, forKey: .startedAt)
        try container.encode(problems, forKey: .problems)
    }

    /// A tick is overdue after this many intervals (a slow tick on a large store still counts).
    static let overdueIntervals = 3.0

    static func make(engine: Engine) async -> HealthReport {
        var problems: [String] = []
        var store = "ok"
        do {
            try await engine.store.ping()
        } catch {
            store = "\(error)"
            problems.append("the store does not answer")
        }
        let configuration = engine.configuration
        let now = engine.clock.now()
        let tick = engine.lastTick
        let limit = Double(configuration.tickSeconds) * overdueIntervals + 60
        if let error = tick?.error { problems.append("the last tick failed: \(error)") }
        let dispatchError = engine.dispatchError
        if let dispatchError { problems.append("the dispatcher cannot write the store: \(dispatchError)") }
        if now - (tick?.finishedAt ?? engine.startedAt) > limit {
            problems.append(tick == nil ? "no tick has finished since the start" : "the last tick is overdue")
        }
        return HealthReport(
            status: problems.isEmpty ? "ok" : "failing", store: store,
            lastTickAt: tick.map { iso8601(Double($0.instant)) }, lastTickFinishedAt: tick.map { iso8601($0.finishedAt) },
            lastTickError: tick?.error, lastDispatchError: dispatchError, rulesLoaded: configuration.runtime.ruleSet.rules.count,
            tickSeconds: configuration.tickSeconds, startedAt: iso8601(engine.startedAt), problems: problems)
    }

    var response: Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = (try? encoder.encode(self)) ?? Data(#"{"status":"failing"}"#.utf8)
        return Response(
            status: status == "ok" ? .ok : .serviceUnavailable,
            headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    static func iso8601(_ seconds: Double) -> String {
        Date(timeIntervalSince1970: seconds.rounded(.down)).formatted(.iso8601)
    }
}
