import CampaignConfig
import CustomerStore
import Engine
import Logging
import Synchronization

extension RuntimeLoader {
    /// An engine over `store` that loads its configuration from `configPath` now and again on
    /// each reload, reading the time from `clock`. A reload whose config names another store or
    /// currency than the first load fails (`storeChange`): the open store stays, and its
    /// currency is fixed when it is created.
    ///
    /// - Throws: `RuntimeLoader.Failure` with every problem when the first load fails.
    public static func engine(
        store: any EngineStore, configPath: String, logger: Logger, clock: any EngineClock = SystemClock()
    ) throws -> Engine {
        let first = Mutex<Config?>(nil)
        return try Engine(store: store, clock: clock, logger: logger, loader: {
            let config = try RuntimeLoader.loadConfig(path: configPath)
            let change = first.withLock { opened -> String? in
                guard let opened else {
                    opened = config
                    return nil
                }
                return storeChange(from: opened, to: config)
            }
            if let change { throw Failure(description: change) }
            return try RuntimeLoader.load(config: config)
        })
    }

    /// What a reload cannot apply: another store or currency than the running daemon opened.
    static func storeChange(from opened: Config, to fresh: Config) -> String? {
        if fresh.store != opened.store {
            return "the config's store changed (\(opened.store.description) → \(fresh.store.description)); "
                + "a running daemon keeps the store it opened (hint: restart campaignd to use the new one)"
        }
        if fresh.currency != opened.currency {
            return "the config's currency changed (\(opened.currency) → \(fresh.currency)); "
                + "the store's currency is fixed when it is created (hint: set it back to \(opened.currency))"
        }
        return nil
    }
}
