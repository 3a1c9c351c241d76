import Evaluation
import Foundation

/// Everything the engine takes from the config, rules and templates; built whole by the loader
/// at start and on each reload.
public struct EngineConfiguration: Sendable {
    public var runtime: EngineRuntime
    public var policy: DispatchPolicy
    /// Seconds between ticks; ticks fall on multiples of it since the Unix epoch.
    public var tickSeconds: Int64
    public var contactPressureMessages: Int
    public var contactPressureDays: Int
    /// Connections evaluating a tick at once.
    public var slices: Int

    public init(
        runtime: EngineRuntime, policy: DispatchPolicy, tickSeconds: Int64, contactPressureMessages: Int,
        contactPressureDays: Int, slices: Int = ProcessInfo.processInfo.activeProcessorCount
    ) {
        self.runtime = runtime
        self.policy = policy
        self.tickSeconds = max(1, tickSeconds)
        self.contactPressureMessages = contactPressureMessages
        self.contactPressureDays = contactPressureDays
        self.slices = slices
    }

    /// Evaluation settings for a tick at `instant`.
    public func settings(at instant: Int64) -> EvaluationSettings {
        EvaluationSettings(
            now: instant, businessTimeZone: runtime.businessTimeZone, currency: runtime.currency,
            contactPressureMessages: contactPressureMessages, contactPressureDays: contactPressureDays,
            defaultEmailQuietHours: runtime.defaultEmailQuietHours)
    }
}
