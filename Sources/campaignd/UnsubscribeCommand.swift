import ArgumentParser
import CampaignConfig
import CustomerStore
import Delivery
import Foundation
import Unsubscribe

/// `campaignd unsubscribe TOKEN`: what `POST /unsubscribe/TOKEN` does, for shops whose own
/// website receives the unsubscribe link and passes the token on.
struct UnsubscribeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unsubscribe",
        abstract: "Withdraw consent for the customer and channel an unsubscribe token names (the last part of the link).")

    @ParentCommand var root: Campaignd

    @Argument(help: "The token: the last path segment of the customer's unsubscribe link.")
    var token: String

    func run() async throws {
        try await failingCleanly {
            let config = try root.global.loadConfigAnyStore()
            switch config.store {
            case .sqlite(let path):
                guard FileManager.default.fileExists(atPath: path) else {
                    throw CommandFailure("no store at \(path)", hint: "import customers first: campaignd import customers FILE")
                }
                // A tick may hold the write lock for a while; wait for it rather than fail.
                try await unsubscribe(config, in: try CustomerStore(path: path, currency: config.currency, busyTimeout: 120))
            case .postgres(let settings):
                try await root.global.withPostgresStore(settings, currency: config.currency) { store in
                    do {
                        try await unsubscribe(config, in: store)
                    } catch let failure as CommandFailure {
                        throw failure
                    } catch {
                        throw store.explaining(error, operation: "withdraw consent")
                    }
                }
            }
        }
    }

    /// Verifies the token with the config's secret and withdraws the consent it names in `store`.
    private func unsubscribe(_ config: Config, in store: any ConsentWithdrawing) async throws {
        // The result goes to stdout; the unsubscriber's info line would only repeat it.
        var logger = root.global.makeLogger()
        logger.logLevel = max(logger.logLevel, .warning)
        let unsubscriber: Unsubscriber
        do {
            guard let configured = try Unsubscriber.configured(
                config, store: store, now: { Date().timeIntervalSince1970 }, logger: logger)
            else {
                throw CommandFailure(
                    "the config has no unsubscribe secret", hint: "set channels.email.unsubscribe_url and unsubscribe_secret_file")
            }
            unsubscriber = configured
        } catch let error as ChannelSetupError {
            throw CommandFailure(error.description)
        }
        // A link pasted whole works too.
        let text = token.split(separator: "/").last.map(String.init) ?? token
        let result = try await unsubscriber.unsubscribe(text, source: "cli")
        switch result {
        case .withdrawn(let channel): print("unsubscribed: \(channel.rawValue) consent withdrawn")
        case .alreadyWithdrawn(let channel): print("unsubscribed: \(channel.rawValue) consent was already withdrawn")
        case .unknownCustomer(let channel): print("unsubscribed: no such customer in the store (\(channel.rawValue); erased?); nothing to change")
        case .invalidToken:
            throw CommandFailure(
                "not a valid unsubscribe token", hint: "pass the last part of the link exactly; tokens signed with another secret are rejected")
        }
    }
}
