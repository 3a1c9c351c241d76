// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "campaignd",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "campaignd", targets: ["campaignd"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // The rule language: lexer, parser, AST, diagnostics, type checker. No database, no network.
        .target(name: "RuleLanguage"),
        // Configuration file: loading, defaults and validation.
        .target(name: "CampaignConfig"),
        // The SQLite customer store: schema, migrations, facts, import, synthetic data.
        .target(
            name: "CustomerStore",
            dependencies: [
                // CivilCalendar and JSONString, shared with the rule language and delivery.
                "RuleLanguage",
                .product(name: "GRDB", package: "GRDB.swift"),
                // The C API, for the import's bulk insert loop.
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                "SQLiteSettings",
                .product(name: "Logging", package: "swift-log"),
                // SHA-256 of erased customers' addresses in the suppression list.
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        // The PostgreSQL store (issue 18): schema twin, plpgsql facts and functions, the copy from
        // SQLite. Depends on CustomerStore, never the other way.
        .target(
            name: "PostgresStore",
            dependencies: [
                "CustomerStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // Only what a file imports is visible in it: GRDB's members (`databaseValue`, …),
            // which CustomerStore's import of GRDB would otherwise leak, stay out.
            swiftSettings: [.enableUpcomingFeature("MemberImportVisibility")]),
        // Evaluation: rules compiled to SQL over the store; plan and explain.
        .target(
            name: "Evaluation",
            dependencies: [
                "RuleLanguage", "CustomerStore", .product(name: "GRDB", package: "GRDB.swift"),
                // The C API, for the row loop over large audiences.
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]),
        // The report: recipients against holdout per rule, over the send log and the purchases.
        .target(
            name: "Reporting",
            dependencies: ["CustomerStore"]),
        // SQLite's process-wide settings, through its variadic sqlite3_config.
        .target(name: "SQLiteSettings", linkerSettings: [.linkedLibrary("sqlite3")]),
        // The system libcurl, through typed wrappers over its variadic setopt/getinfo.
        .target(name: "CCurl", linkerSettings: [.linkedLibrary("curl")]),
        // The only code that touches libcurl: HTTP POST and SMTP over reused connections.
        .target(name: "CurlClient", dependencies: ["CCurl"]),
        // Channels: what a send looks like to a channel, templates, messages and the channels.
        .target(
            name: "Delivery",
            dependencies: [
                "RuleLanguage", "CampaignConfig", "CurlClient",
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        // sd_notify: READY, RELOADING, STOPPING, WATCHDOG and STATUS to systemd. Glibc only.
        .target(name: "SystemdNotify"),
        // The engine: ticks into the send log (outbox), the dispatcher, the tick and dispatch services.
        .target(
            name: "Engine",
            dependencies: [
                "Evaluation", "Delivery", "CustomerStore", "PostgresStore", "CampaignConfig", "RuleLanguage", "Reporting",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]),
        // Rule tests (`campaignd test`): scratch stores, the real engine over simulated time, expectations.
        .target(
            name: "RuleTesting",
            dependencies: [
                "Engine", "Evaluation", "CustomerStore", "Delivery", "RuleLanguage",
                .product(name: "Logging", package: "swift-log"),
            ]),
        // One-click unsubscribe: a signed token in, a consent withdrawal out (listener and CLI).
        .target(
            name: "Unsubscribe",
            dependencies: [
                "Delivery", "CampaignConfig", "RuleLanguage", "CustomerStore",
                .product(name: "Logging", package: "swift-log"),
            ]),
        // The daemon's HTTP listener: /unsubscribe, /healthz, /metrics (Hummingbird).
        .target(
            name: "HTTPListener",
            dependencies: [
                "Engine", "Unsubscribe", "CampaignConfig", "CustomerStore", "Delivery",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                // The request-deadline channel handler.
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        // The daemon's runtime: the loader (config, rules, templates, channels; all or nothing,
        // shared with `check`), the reload and watchdog services, the service group with the
        // HTTP listener, sd_notify, the Prometheus metrics. Signals are configured here, with the group.
        .target(
            name: "Daemon",
            dependencies: [
                "Engine", "HTTPListener", "SystemdNotify", "CampaignConfig", "Delivery", "RuleLanguage", "CustomerStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]),
        // The commit the binary was built from, for `campaignd --version` (scripts/stamp-commit).
        .target(name: "BuildInfo", exclude: ["commit.txt"]),
        // The language server (`campaignd lsp`): JSON-RPC over stdio, diagnostics, completion,
        // hover, definition and formatting for rule files.
        .target(name: "LanguageServer", dependencies: ["RuleLanguage"]),
        // The executable: ArgumentParser commands only, and the small helpers they share.
        .executableTarget(
            name: "campaignd",
            dependencies: [
                "RuleLanguage", "CampaignConfig", "CustomerStore", "Evaluation", "Engine", "Delivery", "Reporting",
                "Unsubscribe", "Daemon", "BuildInfo", "RuleTesting", "LanguageServer",
                // `run` keeps systemd's start timeout from expiring while the store migrates.
                "SystemdNotify",
                // `store copy --to postgres://…` (issue 18).
                "PostgresStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        // Channel throughput benchmark (scripts/bench-channels).
        .executableTarget(name: "ChannelBench", dependencies: ["Delivery", "CampaignConfig", "RuleLanguage"]),
        // A store with a planted experiment, for the report's screenshot (scripts/report-screenshot).
        .executableTarget(name: "ReportSample", dependencies: ["Reporting", "CustomerStore"]),
        // Helpers the test targets share: a manual clock, a recording channel, the notify socket's
        // listener, the Python servers' launcher, and store fixtures written through the import.
        .target(
            name: "TestSupport",
            dependencies: ["CustomerStore", "Engine", "Delivery", "PostgresStore", "CurlClient", .product(name: "GRDB", package: "GRDB.swift")],
            path: "Tests/TestSupport"),
        .testTarget(name: "RuleLanguageTests", dependencies: ["RuleLanguage"], resources: [.copy("Fixtures")]),
        .testTarget(name: "CampaignConfigTests", dependencies: ["CampaignConfig"]),
        .testTarget(name: "CustomerStoreTests", dependencies: ["CustomerStore", "PostgresStore", "TestSupport"]),
        .testTarget(
            name: "EvaluationTests",
            dependencies: [
                "Evaluation", "Engine", "CustomerStore", "PostgresStore", "RuleLanguage", "TestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]),
        .testTarget(
            name: "EngineTests",
            dependencies: [
                "Engine", "Delivery", "Evaluation", "CustomerStore", "PostgresStore", "RuleLanguage", "TestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        .testTarget(
            name: "CampaigndTests", dependencies: ["campaignd", "CustomerStore", "Reporting", "TestSupport", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(
            name: "ReportingTests", dependencies: ["Reporting", "CustomerStore", "TestSupport", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(
            name: "DeliveryTests", dependencies: ["Delivery", "CurlClient", "CampaignConfig", "RuleLanguage", "TestSupport"],
            exclude: ["Servers"]),
        .testTarget(
            name: "HTTPListenerTests",
            dependencies: [
                "HTTPListener", "Unsubscribe", "Engine", "Delivery", "Evaluation", "CustomerStore", "RuleLanguage",
                "CurlClient", "TestSupport", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        .testTarget(name: "SystemdNotifyTests", dependencies: ["SystemdNotify", "TestSupport"]),
        .testTarget(
            name: "RuleTestingTests", dependencies: ["RuleTesting", "RuleLanguage", "Evaluation", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "LanguageServerTests", dependencies: ["LanguageServer", "RuleLanguage"], exclude: ["EndToEnd"]),
        .testTarget(
            name: "DaemonTests",
            dependencies: [
                "Daemon", "Engine", "CampaignConfig", "CustomerStore", "RuleLanguage", .product(name: "Logging", package: "swift-log"),
            ]),
        // The PostgreSQL store against a real server (TestSupport's PostgresServer).
        .testTarget(
            name: "PostgresStoreTests",
            dependencies: [
                "PostgresStore", "CustomerStore", "Evaluation", "RuleLanguage", "TestSupport",
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Logging", package: "swift-log"),
            ]),
    ],
    swiftLanguageModes: [.v6]
)
