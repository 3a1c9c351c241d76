@testable import CampaignConfig
import Foundation
import Testing

@Suite("Config loading")
struct ConfigTests {
    private func load(_ json: String) throws(ConfigError) -> Config {
        try Config.parse(json: Data(json.utf8), path: "test.json", baseDirectory: "/etc/campaignd")
    }

    @Test("config.example.json loads, and its values are the defaults plus what the starting rules need")
    func example() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let config = try Config.load(path: root.appendingPathComponent("config.example.json").path)
        // The HTTP listener is opt-in: the example has it on, an empty config has none.
        var defaults = Config.defaults(baseDirectory: root.path)
        #expect(defaults.http == nil)
        defaults.http = .default
        // rules/ sends marketing email (a sender and signed unsubscribe links) and names the
        // webhook endpoint "crm-escalation"; nothing else differs from an empty config.
        #expect(defaults.channels.email.settings.isEmpty && defaults.channels.webhookEndpoints.isEmpty)
        defaults.channels.email.settings = [
            "from": "Shop <shop@example.com>", "unsubscribe_url": "https://shop.example/unsubscribe",
            "unsubscribe_secret_file": "credential:unsubscribe-key",
        ]
        defaults.channels.webhookEndpoints = ["crm-escalation": .init(url: "https://crm.example/hooks/campaignd", secretFiles: [])]
        #expect(config == defaults)
        #expect(config.storePath == root.appendingPathComponent("var/campaignd.sqlite").path)
        #expect(config.channels.email.mode == .spool)
    }

    @Test("an empty object gives working defaults with paths relative to the config file")
    func defaults() throws {
        let config = try load("{}")
        #expect(config.storePath == "/etc/campaignd/var/campaignd.sqlite")
        #expect(config.rulesDirectory == "/etc/campaignd/rules")
        #expect(config.timeZone.identifier == "Europe/Helsinki")
        #expect(config.tick == .seconds(300))
        #expect(config.contactPressure == .init(maxMessages: 2, perDays: 7))
        #expect(config.dispatch.ratePerSecond["email"] == 50)
    }

    @Test("values are read, absolute paths kept")
    func values() throws {
        let config = try load("""
            {"store": "/var/lib/campaignd/store.sqlite", "time_zone": "America/New_York", "tick": "15m",
             "quiet_hours": {"start": "21:00", "end": "08:00"},
             "channels": {"webhook": {"endpoints": {"crm": {"url": "https://crm.example/hook", "secret_files": ["crm.secret"]}}}}}
            """)
        #expect(config.storePath == "/var/lib/campaignd/store.sqlite")
        #expect(config.timeZone.identifier == "America/New_York")
        #expect(config.tick == .seconds(900))
        #expect(config.quietHours == .init(startMinute: 21 * 60, endMinute: 8 * 60))
        #expect(config.channels.webhookEndpoints["crm"] == .init(url: "https://crm.example/hook", secretFiles: ["/etc/campaignd/crm.secret"]))
    }

    @Test("every problem is reported: unknown keys with suggestions, wrong types, bad values")
    func problems() throws {
        let error = #expect(throws: ConfigError.self) {
            try load(#"{"stor": "x", "tick": "soon", "time_zone": "Mars/Olympus", "dispatch": {"concurrency": "8"}, "channels": {"email": {"mode": "smtp"}}}"#)
        }
        #expect(error?.problems == [
            "'time_zone' is not a known IANA time zone: \"Mars/Olympus\"",
            "'tick' must be a positive duration like \"90s\", \"15m\", \"1h\" or \"2d\", not \"soon\"",
            "'dispatch.concurrency' must be a whole number from 1 to 256",
            "'channels.email.mode' must be \"spool\" or \"live\", not \"smtp\"",
            "unknown key 'stor' (did you mean 'store'?)",
        ])
        #expect(error?.description.hasPrefix("test.json: ") == true)
    }

    @Test("bad JSON is reported with its line and column")
    func badJSON() throws {
        let error = #expect(throws: ConfigError.self) { try load("{\n  \"store\": \"x\",\n  \"tick\": \n}") }
        #expect(error?.description.hasPrefix("test.json:4:1: invalid JSON") == true, "\(String(describing: error))")
    }

    @Test("a missing file is one clear line")
    func missingFile() throws {
        let error = #expect(throws: ConfigError.self) { try Config.load(path: "/nonexistent/campaignd.json") }
        #expect(error?.description == "/nonexistent/campaignd.json: no such file (copy config.example.json to start)")
    }

    @Test("durations parse with their units")
    func durations() {
        #expect(Duration(configText: "90s") == .seconds(90))
        #expect(Duration(configText: "2d") == .seconds(172_800))
        #expect(Duration(configText: "1w") == nil)
        #expect(Duration(configText: "m") == nil)
    }

    @Test("a bad webhook endpoint is reported once, with its key path")
    func badEndpoint() throws {
        let error = #expect(throws: ConfigError.self) {
            try load(#"{"channels": {"webhook": {"endpoints": {"crm": {"url": "ftp://x", "secret": "s"}, "other": 3}}}}"#)
        }
        #expect(error?.problems == [
            "'channels.webhook.endpoints.other' must be an object",
            "'channels.webhook.endpoints.crm.url' must be an http:// or https:// URL",
            "unknown key 'channels.webhook.endpoints.crm.secret'",
        ])
    }

    @Test("channel connections and timeouts; *_file settings resolve like paths, credential:NAME stays as it is")
    func channelSettings() throws {
        let defaults = try load("{}")
        #expect(defaults.channels.email.connections == 4 && defaults.channels.email.timeout == .seconds(60))
        #expect(defaults.channels.webhook.connections == 8 && defaults.channels.webhook.timeout == .seconds(10))
        let config = try load("""
            {"channels": {"email": {"mode": "live", "connections": 8, "timeout": "30s", "password_file": "smtp.pw",
                                    "unsubscribe_secret_file": "credential:unsubscribe", "smtp_url": "smtp://mail.example:587"},
                          "webhook": {"endpoints": {"crm": {"url": "https://crm.example/hook", "secret_files": ["credential:crm", "/run/crm2"]}}}}}
            """)
        #expect(config.channels.email.connections == 8 && config.channels.email.timeout == .seconds(30))
        #expect(config.channels.email.settings["password_file"] == "/etc/campaignd/smtp.pw")
        #expect(config.channels.email.settings["unsubscribe_secret_file"] == "credential:unsubscribe")
        #expect(config.channels.email.settings["smtp_url"] == "smtp://mail.example:587")
        #expect(config.channels.webhookEndpoints["crm"]?.secretFiles == ["credential:crm", "/run/crm2"])
        let error = #expect(throws: ConfigError.self) { try load(#"{"channels": {"letter": {"connections": 0, "timout": "5s"}}}"#) }
        #expect(error?.problems == [
            "'channels.letter.connections' must be a whole number from 1 to 256",
            "unknown key 'channels.letter.timout' (did you mean 'channels.letter.timeout'?)",
        ])
    }

    @Test("http.listen: an address and port, [IPv6]:port, port 0, \"off\"; absent means no listener")
    func httpListen() throws {
        #expect(try load("{}").http == nil)
        #expect(try load(#"{"http": {}}"#).http == .init(host: "127.0.0.1", port: 8470))
        #expect(try load(#"{"http": {"listen": "127.0.0.1:0"}}"#).http == .init(host: "127.0.0.1", port: 0))
        #expect(try load(#"{"http": {"listen": "[::1]:9000"}}"#).http == .init(host: "::1", port: 9000))
        #expect(try load(#"{"http": {"listen": "localhost:80"}}"#).http?.description == "localhost:80")
        #expect(try load(#"{"http": {"listen": "off"}}"#).http == nil)
        for bad in ["8470", "127.0.0.1", "127.0.0.1:70000", "shop.example:80", "::1:80", "127.0.0.1:-1", "[::1]"] {
            let error = #expect(throws: ConfigError.self) { try load(#"{"http": {"listen": "\#(bad)"}}"#) }
            #expect(error?.problems == [
                "'http.listen' must be an IP address and port such as \"127.0.0.1:8470\" or \"[::1]:8470\", or \"off\"; not \"\(bad)\"",
            ])
        }
        let error = #expect(throws: ConfigError.self) { try load(#"{"http": {"lisen": "127.0.0.1:1"}}"#) }
        #expect(error?.problems == ["unknown key 'http.lisen' (did you mean 'http.listen'?)"])
    }

    /// Regression (reliability scenario 8): a 10 MB value was echoed whole in the problem.
    @Test("a problem quoting a huge value is cut in the middle")
    func hugeValueIsCut() {
        let zone = String(repeating: "Z", count: 1_000_000)
        let error = #expect(throws: ConfigError.self) { try load(#"{"time_zone": "\#(zone)"}"#) }
        let problem = error?.problems.first ?? ""
        #expect(problem.hasPrefix("'time_zone' is not a known IANA time zone: \"ZZZ"))
        #expect(problem.count < 320 && problem.contains("…"))
    }
}
