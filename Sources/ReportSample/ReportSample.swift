import CustomerStore
import Foundation
import Reporting

/// `ReportSample STORE [END [SCALE]]`: writes three synthetic experiments into a new store at STORE, for
/// the report's screenshot (scripts/report-screenshot): a planted effect (recipients convert at
/// 12 %, the holdout at 8 %), no effect (10 % both), and a rule too small to tell. Decisions fall
/// in the twelve weeks before END minus one week (END: Unix seconds; default: now, to the
/// day), with 7-day windows, so that every window has ended at END. SCALE multiplies every
/// group's size (default 1: 14 579 customers), for timing the report on a larger send log.
@main
struct ReportSample {
    static func main() throws {
        let arguments = CommandLine.arguments
        guard arguments.count >= 2 else {
            FileHandle.standardError.write(Data("usage: ReportSample STORE [END [SCALE]]\n".utf8))
            exit(2)
        }
        let now = Int64(Date().timeIntervalSince1970)
        let end = arguments.count > 2 ? Int64(arguments[2]) ?? now : now / 86_400 * 86_400
        let scale = arguments.count > 3 ? max(1, Int(arguments[3]) ?? 1) : 1
        let days = 12 * 7
        let start = end - Int64(days + 7) * 86_400
        let store = try CustomerStore(path: arguments[1])
        for (index, (rule, recipients, holdout, recipientRate, holdoutRate)) in [
            ("winback-coupon", 9000, 1000, 0.12, 0.08),
            ("birthday-greeting", 4000, 450, 0.10, 0.10),
            ("vip-thank-you", 120, 9, 0.30, 0.20),
        ].enumerated() {
            try SyntheticExperiment(
                rule: rule, recipients: recipients * scale, holdout: holdout * scale, recipientRate: recipientRate,
                holdoutRate: holdoutRate, start: start, days: days, windowDays: 7, seed: 2026 + UInt64(index)
            ).write(to: store)
        }
        print("wrote 3 experiments to \(arguments[1])")
    }
}
