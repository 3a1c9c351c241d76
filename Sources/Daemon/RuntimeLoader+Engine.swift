import CustomerStore
import Engine
import Logging

extension RuntimeLoader {
    /// An engine over `store` that loads its configuration from `configPath` now and again on each reload.
    ///
    /// - Throws: `RuntimeLoader.Failure` with every problem when the first load fails.
    public static func engine(store: CustomerStore, configPath: String, logger: Logger) throws -> Engine {
        try Engine(store: store, logger: logger, loader: { try RuntimeLoader.load(configPath: configPath) })
    }
}
