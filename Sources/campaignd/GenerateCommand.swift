import ArgumentParser
import CustomerStore
import Foundation

/// `campaignd generate`: deterministic synthetic CSVs for demos and scale tests.
struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write synthetic customers, purchases, consents, feedback and events as CSV files.",
        discussion: "The same options always give the same files. Import them in the order listed in the output.")

    @Option(help: "Number of customers.")
    var customers: Int = 1000

    @Option(help: "Number of purchases, spread over the two years before --until.")
    var purchases: Int = 10000

    @Option(help: "Random seed.")
    var seed: UInt64 = 1

    @Option(help: "End of the purchase period: an ISO 8601 date (UTC midnight) or 'today' (the current UTC date).")
    var until: String = "2026-11-20"

    @Flag(help: "Also plant customers for whom every rule of the starting set (rules/) matches on the --until day.")
    var demo = false

    @Option(help: "Directory to write the CSV files into.")
    var out: String = "generated"

    func validate() throws {
        guard customers > 0, purchases >= 0 else { throw ValidationError("--customers must be positive and --purchases not negative") }
    }

    func run() async throws {
        try await failingCleanly {
            let days: Int
            if until == "today" {
                days = Int((Date().timeIntervalSince1970 / 86400).rounded(.down))
            } else {
                let parts = until.split(separator: "-").compactMap { Int($0) }
                guard parts.count == 3, until.count == 10 else {
                    throw CommandFailure("--until must be a date like 2026-11-20 or 'today', not '\(until)'")
                }
                days = SyntheticData.daysSinceEpoch(year: parts[0], month: parts[1], day: parts[2])
            }
            let data = SyntheticData(customers: customers, purchases: purchases, seed: seed, until: Int64(days) * 86400, demo: demo)
            let started = Date()
            try data.write(to: out)
            let files = SyntheticData.files.map { "\(out)/\($0.name)" }
            print("wrote \(files.joined(separator: ", ")) in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
            print("import them in this order:")
            for (kind, name) in SyntheticData.files { print("  campaignd import \(kind.rawValue) \(out)/\(name)") }
            if demo {
                print("planted for the rules, on \(SyntheticData.isoDate(data.until)):")
                for (id, role) in data.plantedRoles { print("  \(id)  \(role)") }
            }
        }
    }
}
