import CustomerStore
import Engine
import Logging

extension RuntimeLoader {
    /// An engine over `store` that loads its configuration from `configPath` now and again on
    /// each reload, reading the time from `clock`.
    ///
    /// - Throws: `RuntimeLoader.Failure` with every problem when the first load fails.
    public static func engine(
        store: CustomerStore, configPath: String, logger: Logger, clock: any EngineClock = SystemClock()
    ) throws -> Engine {
        try Engine(store: store, clock: clock, logger: logger, loader: { try RuntimeLoader.load(configPath: configPath) })
    }
}
