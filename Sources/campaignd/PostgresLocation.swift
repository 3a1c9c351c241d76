import CampaignConfig
import Delivery
import Foundation
import PostgresStore

extension PostgresStore.Location {
    /// The config's PostgreSQL settings as the store's location, the password read now from
    /// `password_file` (a file or `credential:NAME`, as for the channels' secrets); errors name
    /// `passwordKey`, where the file was given (`store.password_file`, `--password-file`).
    init(_ settings: PostgresSettings, passwordKey: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        var password: String?
        if let file = settings.passwordFile {
            do {
                password = try SecretFile.read(file, key: passwordKey, environment: environment)
            } catch {
                throw CommandFailure(error.description, hint: "the file holds the password of \(settings.user), nothing else")
            }
        }
        if let file = settings.sslRootCertificate, !FileManager.default.isReadableFile(atPath: file) {
            let reason = FileManager.default.fileExists(atPath: file) ? "cannot read" : "no such file"
            throw CommandFailure("sslrootcert: \(reason) \(file)", hint: "name the PEM file of the CA that signed the server's certificate")
        }
        let tls: TLS = switch settings.sslMode {
        case .disable: .disable
        case .require: .require
        case .verifyFull: .verifyFull(rootCertificates: settings.sslRootCertificate)
        }
        self.init(
            host: settings.host, port: settings.port, user: settings.user, password: password, database: settings.database,
            poolSize: settings.poolSize, tls: tls)
    }
}
