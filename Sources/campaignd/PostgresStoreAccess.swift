import CampaignConfig
import CustomerStore
import PostgresStore

extension GlobalOptions {
    /// Opens the config's PostgreSQL store (its password from `store.password_file`), runs `body`
    /// and closes it; a store error ends the command in one line with its hint.
    func withPostgresStore<T>(
        _ settings: PostgresSettings, currency: String, migrations: MigrationWatch? = nil, _ body: (PostgresStore) async throws -> T
    ) async throws -> T {
        let location = try PostgresStore.Location(settings, passwordKey: "store.password_file")
        do {
            let store = try await PostgresStore(location, currency: currency, logger: makeLogger(), migrations: migrations)
            let result: T
            do {
                result = try await body(store)
            } catch {
                await store.close()
                throw error
            }
            await store.close()
            return result
        } catch let error as PostgresStoreError {
            throw CommandFailure(error.description, hint: error.hint)
        }
    }
}
