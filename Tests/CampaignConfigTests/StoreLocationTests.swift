@testable import CampaignConfig
import Foundation
import Testing

@Suite("Config: the store, SQLite or PostgreSQL")
struct StoreLocationTests {
    private func load(_ json: String) throws(ConfigError) -> Config {
        try Config.parse(json: Data(json.utf8), path: "test.json", baseDirectory: "/etc/campaignd")
    }

    private func problems(_ json: String) -> [String] {
        let error = #expect(throws: ConfigError.self) { try load(json) }
        return error?.problems ?? []
    }

    @Test("a path stays SQLite, resolved against the config's directory")
    func path() throws {
        #expect(try load(#"{"store": "data/shop.sqlite"}"#).store == .sqlite(path: "/etc/campaignd/data/shop.sqlite"))
        #expect(try load("{}").store == .sqlite(path: "/etc/campaignd/var/campaignd.sqlite"))
        #expect(try load(#"{"store": "data/shop.sqlite"}"#).storePath == "/etc/campaignd/data/shop.sqlite")
    }

    @Test("postgres:// and postgresql:// URLs, with port, sslmode, sslrootcert and pool_size")
    func urls() throws {
        #expect(try load(#"{"store": "postgres://campaignd@db.internal/shop"}"#).store
            == .postgres(.init(host: "db.internal", database: "shop", user: "campaignd")))
        let full = try load(
            #"{"store": "postgresql://camp%40aign@10.0.0.5:6432/shop_eu?sslmode=verify-full&sslrootcert=/etc/ssl/db-ca.pem&pool_size=4"}"#)
        #expect(full.store == .postgres(.init(
            host: "10.0.0.5", port: 6432, database: "shop_eu", user: "camp@aign", sslMode: .verifyFull,
            sslRootCertificate: "/etc/ssl/db-ca.pem", poolSize: 4)))
        #expect(full.store.description == "postgres://camp@aign@10.0.0.5:6432/shop_eu")
        let ipv6 = try PostgresSettings(url: "postgres://u@[::1]:5433/db?sslmode=require")
        #expect(ipv6.host == "::1" && ipv6.port == 5433 && ipv6.sslMode == .require)
        #expect(ipv6.description == "postgres://u@[::1]:5433/db")
    }

    @Test("a bad URL is one line naming what is wrong, with a hint")
    func badURLs() {
        let form = "(hint: write it as \(PostgresSettings.urlForm))"
        let cases: [(String, String)] = [
            ("postgres://db.internal/shop", "'store' URL names no user \(form)"),
            ("postgres://u@db.internal", "'store' URL names no database (the path after the host) \(form)"),
            ("postgres://u@db.internal/", "'store' URL names no database (the path after the host) \(form)"),
            ("postgres://u@:5432/shop", "'store' URL names no host \(form)"),
            ("postgres://u@h:99999/shop", "'store' URL has port 99999, out of range \(form)"),
            ("postgres://u@h/shop?pool_size=0", "'store' URL has pool_size \"0\"; it must be a whole number from 1 to 256 \(form)"),
            ("postgres://u@h/shop?connect_timeout=3",
             "'store' URL has an unknown parameter \"connect_timeout\" (hint: campaignd knows sslmode, sslrootcert and pool_size)"),
            ("postgres://u@h/shop?sslmode=prefer",
             "'store' URL sslmode must be disable, require or verify-full, not \"prefer\" (hint: libpq's prefer, allow and verify-ca are not offered: choose require or verify-full for TLS)"),
            ("postgres://u:secret@h/shop",
             "'store' URL must not hold a password (hint: give the store as an object with \"password_file\" (a file or credential:NAME), or --password-file)"),
            ("mysql://u@h/shop", "'store' must be a file path (SQLite) or a postgres:// URL, not \"mysql://u@h/shop\""),
        ]
        for (url, expected) in cases {
            let found = problems(#"{"store": "\#(url)"}"#)
            #expect(found == [expected], "\(url)")
            #expect(!found.joined().contains("secret"))
        }
    }

    @Test("the object form: password_file resolved like a path, password only as credential:NAME")
    func object() throws {
        let config = try load(#"""
            {"store": {"host": "db.internal", "port": 5433, "database": "shop", "user": "campaignd",
                       "password_file": "secrets/db.pw", "sslmode": "require", "pool_size": 16}}
            """#)
        #expect(config.store == .postgres(.init(
            host: "db.internal", port: 5433, database: "shop", user: "campaignd", passwordFile: "/etc/campaignd/secrets/db.pw",
            sslMode: .require, poolSize: 16)))
        let credential = try load(#"{"store": {"host": "h", "database": "d", "user": "u", "password": "credential:db-password"}}"#)
        guard case .postgres(let settings) = credential.store else { Issue.record("not postgres"); return }
        #expect(settings.passwordFile == "credential:db-password")
        #expect(settings.port == 5432 && settings.poolSize == 8 && settings.sslMode == .disable)
    }

    @Test("the object form reports every problem, never echoing a password")
    func badObject() {
        let found = problems(#"""
            {"store": {"host": "h", "port": "5432", "password": "hunter2", "sslmode": "verify-ca", "pool_sise": 3}}
            """#)
        #expect(found == [
            "'store.port' must be a whole number from 1 to 65535",
            "'store.password' must be \"credential:NAME\", never the password itself (hint: or \"password_file\": a file holding it)",
            "'store.sslmode' must be disable, require or verify-full, not \"verify-ca\" (hint: libpq's prefer, allow and verify-ca are not offered: choose require or verify-full for TLS)",
            "'store.database' is required for a PostgreSQL store (hint: or give \"store\" as \(PostgresSettings.urlForm))",
            "'store.user' is required for a PostgreSQL store (hint: or give \"store\" as \(PostgresSettings.urlForm))",
            "unknown key 'store.pool_sise' (did you mean 'store.pool_size'?)",
        ])
        #expect(!found.joined().contains("hunter2"))
        #expect(problems(#"{"store": 3}"#) == ["'store' must be a string or an object"])
    }
}
