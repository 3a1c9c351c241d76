import Foundation

extension Config {
    /// The configuration used when no file is given: everything at its default, paths relative to `baseDirectory`.
    public static func defaults(baseDirectory: String = ".") -> Config {
        // An empty object has no problems, so parsing it cannot fail.
        try! parse(json: Data("{}".utf8), path: "(defaults)", baseDirectory: baseDirectory)
    }

    /// Reads and validates the config file at `path`.
    ///
    /// - Throws: `ConfigError` naming the file and every problem: a missing file, bad JSON with
    ///   its line and column, wrong types, invalid values and unknown keys.
    public static func load(path: String) throws(ConfigError) -> Config {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot read the file" : "no such file"
            throw ConfigError(path: path, problems: ["\(reason) (copy config.example.json to start)"])
        }
        let base = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try parse(json: data, path: path, baseDirectory: base)
    }

    /// Parses config JSON; relative paths are resolved against `baseDirectory`.
    public static func parse(json data: Data, path: String, baseDirectory: String) throws(ConfigError) -> Config {
        let root: [String: Any]
        do {
            guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw ConfigError(path: path, problems: ["the top level must be a JSON object"])
            }
            root = object
        } catch let error as ConfigError {
            throw error
        } catch {
            throw ConfigError(path: path, problems: [jsonSyntaxMessage(error, data: data)])
        }
        let problems = ConfigObject.ProblemList()
        let config = read(ConfigObject(root, keyPath: "", problems: problems), baseDirectory: baseDirectory)
        if !problems.items.isEmpty { throw ConfigError(path: path, problems: problems.items) }
        return config
    }

    private static func read(_ root: ConfigObject, baseDirectory base: String) -> Config {
        func resolve(_ path: String) -> String {
            path.hasPrefix("/") || path.hasPrefix("credential:") ? path : URL(fileURLWithPath: base).appendingPathComponent(path).standardizedFileURL.path
        }
        let store = readStore(root, resolve: resolve)
        let rules = resolve(root.string("rules", default: "rules"))
        let templates = resolve(root.string("templates", default: "templates"))

        let zoneName = root.string("time_zone", default: "Europe/Helsinki")
        let zone = TimeZone(identifier: zoneName)
        if zone == nil { root.invalid("time_zone", "is not a known IANA time zone: \"\(zoneName)\"") }

        let currency = root.string("currency", default: "EUR")
        if currency.count != 3 || !currency.allSatisfy({ $0.isASCII && $0.isUppercase }) {
            root.invalid("currency", "must be an ISO 4217 code such as \"EUR\", not \"\(currency)\"")
        }
        let tick = root.duration("tick", default: .seconds(300))

        let pressure = root.object("contact_pressure")
        let contactPressure = ContactPressure(
            maxMessages: pressure.integer("max_messages", default: 2, range: 1...1000),
            perDays: pressure.integer("per_days", default: 7, range: 1...3650))
        pressure.reportUnknownKeys()

        var quietHours: QuietHours?
        let quiet = root.object("quiet_hours")
        if let start = quiet.optionalString("start"), let end = quiet.optionalString("end") {
            let startMinute = minuteOfDay(start), endMinute = minuteOfDay(end)
            if startMinute == nil { quiet.invalid("start", "must be a time like \"21:00\", not \"\(start)\"") }
            if endMinute == nil { quiet.invalid("end", "must be a time like \"08:00\", not \"\(end)\"") }
            if let startMinute, let endMinute { quietHours = QuietHours(startMinute: startMinute, endMinute: endMinute) }
        }
        quiet.reportUnknownKeys()

        let dispatchObject = root.object("dispatch")
        let concurrency = dispatchObject.integer("concurrency", default: 8, range: 1...256)
        let rates = dispatchObject.object("rate_per_second")
        var ratePerSecond: [String: Double] = [:]
        for (channel, fallback) in [("email", 50.0), ("letter", 5.0), ("webhook", 20.0)] {
            ratePerSecond[channel] = rates.number(channel, default: fallback, range: 0.01...100_000)
        }
        rates.reportUnknownKeys()
        let lease = dispatchObject.duration("lease", default: .seconds(60))
        if lease < .seconds(3) || lease > .seconds(3600) {
            dispatchObject.invalid("lease", "must be from \"3s\" to \"1h\"")
        }
        dispatchObject.reportUnknownKeys()

        let retryObject = root.object("retry")
        let retry = Retry(
            initialDelay: retryObject.duration("initial_delay", default: .seconds(60)),
            maxDelay: retryObject.duration("max_delay", default: .seconds(3600)),
            maxAge: retryObject.duration("max_age", default: .seconds(2 * 86400)))
        retryObject.reportUnknownKeys()

        let channelsObject = root.object("channels")
        var endpoints: [String: WebhookEndpoint] = [:]
        func channel(_ name: String, extraKeys: [String], connections: Int, timeout: Duration) -> Channel {
            let object = channelsObject.object(name)
            let modeText = object.string("mode", default: "spool")
            let mode = Channel.Mode(rawValue: modeText)
            if mode == nil { object.invalid("mode", "must be \"spool\" or \"live\", not \"\(modeText)\"") }
            let spool = resolve(object.string("spool_directory", default: "var/spool/\(name)"))
            var settings: [String: String] = [:]
            for key in extraKeys { settings[key] = object.optionalString(key).map { key.hasSuffix("_file") ? resolve($0) : $0 } }
            let connectionCount = object.integer("connections", default: connections, range: 1...256)
            let timeoutDuration = object.duration("timeout", default: timeout)
            if name == "webhook" {
                for (endpointName, endpoint) in object.entries("endpoints") {
                    let url = endpoint.string("url", default: "")
                    if !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
                        endpoint.invalid("url", "must be an http:// or https:// URL")
                    }
                    endpoints[endpointName] = WebhookEndpoint(url: url, secretFiles: endpoint.strings("secret_files").map(resolve))
                    endpoint.reportUnknownKeys()
                }
            }
            object.reportUnknownKeys()
            return Channel(
                mode: mode ?? .spool, spoolDirectory: spool, settings: settings, connections: connectionCount,
                timeout: timeoutDuration)
        }
        let email = channel(
            "email", extraKeys: ["smtp_url", "from", "username", "password_file", "unsubscribe_url", "unsubscribe_secret_file"],
            connections: 4, timeout: .seconds(60))
        let letter = channel(
            "letter", extraKeys: ["api_url", "api_key_file", "from_address_id", "use_type"], connections: 2, timeout: .seconds(30))
        let webhook = channel("webhook", extraKeys: [], connections: 8, timeout: .seconds(10))
        channelsObject.reportUnknownKeys()

        // The HTTP listener runs when the config has an "http" section (unless "listen" is "off").
        var http: HTTPListen?
        if root.has("http") {
            let httpObject = root.object("http")
            let listen = httpObject.string("listen", default: HTTPListen.default.description)
            let maxConnections = httpObject.integer("max_connections", default: HTTPListen.default.maxConnections, range: 1...65_536)
            let requestTimeout = httpObject.duration("request_timeout", default: HTTPListen.default.requestTimeout)
            if listen != "off" {
                http = HTTPListen(parsing: listen)
                if http == nil {
                    httpObject.invalid(
                        "listen", "must be an IP address and port such as \"127.0.0.1:8470\" or \"[::1]:8470\", or \"off\"; not \"\(listen)\"")
                }
                http?.maxConnections = maxConnections
                http?.requestTimeout = requestTimeout
            }
            httpObject.reportUnknownKeys()
        }
        root.reportUnknownKeys()

        return Config(
            store: store, rulesDirectory: rules, templatesDirectory: templates,
            timeZone: zone ?? TimeZone(identifier: "UTC")!, currency: currency, tick: tick,
            contactPressure: contactPressure, quietHours: quietHours,
            dispatch: Dispatch(concurrency: concurrency, ratePerSecond: ratePerSecond, lease: lease), retry: retry,
            channels: Channels(email: email, letter: letter, webhook: webhook, webhookEndpoints: endpoints), http: http)
    }

    /// `HH:MM` as minutes after midnight.
    static func minuteOfDay(_ text: String) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ $0.count == 2 }),
              let hour = Int(parts[0]), let minute = Int(parts[1]), (0..<24).contains(hour), (0..<60).contains(minute)
        else { return nil }
        return hour * 60 + minute
    }

    /// Turns Foundation's "around character N" into a line and column.
    private static func jsonSyntaxMessage(_ error: Error, data: Data) -> String {
        let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
        guard let range = detail.range(of: #"character (\d+)"#, options: .regularExpression),
              let offset = Int(detail[range].dropFirst("character ".count))
        else { return "invalid JSON: \(detail)" }
        var line = 1, column = 1
        for byte in data.prefix(offset) {
            if byte == UInt8(ascii: "\n") { line += 1; column = 1 } else if byte & 0xC0 != 0x80 { column += 1 }
        }
        let summary = detail.components(separatedBy: " around").first ?? detail
        return "\(line):\(column): invalid JSON: \(summary.lowercased())"
    }
}
