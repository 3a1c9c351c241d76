import ArgumentParser
import CampaignConfig
import CustomerStore
import Foundation
import PostgresStore

/// `campaignd forget CUSTOMER`: erases one customer (the right to erasure), keeping only a hashed
/// suppression of their addresses and their send-log rows without personal data.
struct ForgetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forget",
        abstract: "Erase a customer: profile, history and personal data in the send log; keep a hashed suppression.",
        discussion: """
            Works while the daemon runs (it waits up to --wait seconds for the store). Works on SQLite and PostgreSQL. Queued sends to the \
            customer are skipped with reason "erased". Backups made before still hold the data (docs/operations.md).
            """)

    @ParentCommand var root: Campaignd

    @Argument(help: "The customer's id as imported (external id).")
    var customer: String

    @Option(name: .long, help: "How long to wait for a busy store, in seconds.")
    var wait: Double = 60

    @Flag(name: .long, help: "Print one JSON document (field names in docs/cli.md).")
    var json = false

    func run() async throws {
        try await failingCleanly {
            let config = try root.global.loadConfigAnyStore()
            if case .postgres(let settings) = config.store {
                let erasure = try await root.global.withPostgresStore(settings, currency: config.currency) { store in
                    do {
                        return try await store.erase(
                            externalID: customer, now: Int64(Date().timeIntervalSince1970), lockTimeout: .milliseconds(Int(wait * 1000)))
                    } catch StoreError.unknownCustomer {
                        throw unknownCustomer(in: settings.description)
                    } catch {
                        throw PostgresStoreError.explaining(error, location: store.location, operation: "forget \(customer)")
                    }
                }
                print(try output(erasure))
                return
            }
            guard FileManager.default.fileExists(atPath: config.storePath) else {
                throw CommandFailure("no store at \(config.storePath)", hint: "check the \"store\" key of the config")
            }
            let store = try CustomerStore(path: config.storePath, currency: config.currency, busyTimeout: wait)
            let erasure: Erasure
            do {
                erasure = try store.erase(externalID: customer, now: Int64(Date().timeIntervalSince1970))
            } catch StoreError.unknownCustomer {
                throw unknownCustomer(in: config.storePath)
            } catch {
                throw store.explaining(error, operation: "forget \(customer)")
            }
            print(try output(erasure))
        }
    }

    /// The failure for an id the store does not hold.
    private func unknownCustomer(in store: String) -> CommandFailure {
        CommandFailure("forget: no customer with id \"\(customer)\" in \(store)", hint: "the id is the one imported (column \"id\"); nothing was changed")
    }

    /// The JSON document or the line.
    private func output(_ erasure: Erasure) throws -> String {
        guard json else { return Self.line(erasure) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(erasure), as: UTF8.self)
    }

    /// One line of what was done.
    static func line(_ erasure: Erasure) -> String {
        let history = [
            (erasure.purchases, "purchase"), (erasure.events, "event"), (erasure.feedback, "feedback"),
            (erasure.consents, "consent"), (erasure.tags, "tag"),
        ].map { count, noun in "\(count) \(noun)\(count == 1 || noun == "feedback" ? "" : "s")" }.joined(separator: ", ")
        let suppressed = erasure.suppressed.isEmpty ? "no address to suppress" : "suppressed \(erasure.suppressed.joined(separator: ", ")) by hash"
        return "forgot customer \(erasure.customer): deleted the profile, \(history); "
            + "scrubbed \(erasure.sendsScrubbed) send-log rows (\(erasure.sendsCancelled) pending sends skipped); \(suppressed)"
    }
}
