import CustomerStore
import Metrics
import RuleLanguage

/// The engine's metrics through swift-metrics (the executable bootstraps Prometheus; without a
/// backend they cost next to nothing). Names and labels are listed in docs/operations.md.
enum EngineMetrics {
    /// A tick ended: `result` is `ok` or `failed`; its duration goes to the tick timer.
    static func tick(result: String, seconds: Double) {
        Counter(label: "campaignd_ticks_total", dimensions: [("result", result)]).increment()
        if result == "ok" {
            Metrics.Timer(label: "campaignd_tick_duration_seconds").recordNanoseconds(Int64(seconds * 1e9))
        }
    }

    /// New rows a tick recorded for one rule: `decision` is `queued`, `holdout` or `skipped`.
    static func decisions(rule: String, channel: Channel, decision: SendStatus, count: Int) {
        Counter(
            label: "campaignd_tick_decisions_total",
            dimensions: [("rule", rule), ("channel", channel.rawValue), ("decision", decision.rawValue)]
        ).increment(by: count)
    }

    /// One dispatch outcome: `status` is `sent`, `retried`, `failed`, `skipped` or `held`.
    static func send(rule: String, channel: Channel, status: String) {
        Counter(label: "campaignd_sends_total", dimensions: [("rule", rule), ("channel", channel.rawValue), ("status", status)])
            .increment()
        if status == "retried" {
            Counter(label: "campaignd_retries_total", dimensions: [("channel", channel.rawValue)]).increment()
        }
    }

    /// Queued rows due now, measured after each tick and each dispatch round.
    static func queueDepth(_ rows: Int) {
        Gauge(label: "campaignd_queue_depth").record(rows)
    }

    /// A reload ended: `result` is `ok` or `failed`.
    static func reload(result: String, rules: Int) {
        Counter(label: "campaignd_reloads_total", dimensions: [("result", result)]).increment()
        rulesLoaded(rules)
    }

    /// Rules in the running rule set.
    static func rulesLoaded(_ count: Int) {
        Gauge(label: "campaignd_rules_loaded").record(count)
    }

    /// A coupon pool after a tick that used it: codes left, and 1 in `…_running_low` when fewer
    /// are left than the tick took (or it ran out), else 0.
    static func couponPool(_ pool: String, left: Int, runningLow: Bool) {
        Gauge(label: "campaignd_coupon_pool_left", dimensions: [("pool", pool)]).record(left)
        Gauge(label: "campaignd_coupon_pool_running_low", dimensions: [("pool", pool)]).record(runningLow ? 1 : 0)
    }
}
