import Foundation

extension PlanReport {
    /// The table `plan` prints for people.
    public func text(localTime: String) -> String {
        let header = ["rule", "channel", "matched", "would send", "skipped"]
        var rows: [[String]] = rules.map { plan in
            let skipped = SkipReason.allCases.compactMap { reason -> String? in
                let count = plan.skipped[reason.rawValue] ?? 0
                return count == 0 ? nil : "\(reason.phrase) \(count)"
            }
            return [
                plan.rule, "\(plan.channel) " + (plan.variants?.map(\.variant) ?? [plan.target]).map { "\"\($0)\"" }.joined(separator: " or "),
                plan.active ? "\(plan.matched)" : "inactive",
                "\(plan.wouldSend)", skipped.isEmpty ? "-" : skipped.joined(separator: ", "),
            ]
        }
        rows.append(["total", "", "\(totals.matched)", "\(totals.wouldSend)", ""])
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        let numeric: Set<Int> = [2, 3]
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { column, cell in
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                return column == cells.count - 1 ? cell : numeric.contains(column) ? pad + cell : cell + pad
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        var out = "plan at \(at), \(localTime): nothing is sent or written\n\n"
        out += line(header) + "\n"
        for (index, row) in rows.enumerated() {
            if index == rows.count - 1 { out += "\n" }
            out += line(row) + "\n"
        }
        let split = rules.filter { $0.variants != nil }
        if !split.isEmpty {
            out += "\nvariants (of would send):\n"
            for plan in split {
                let parts = (plan.variants ?? []).map { "\"\($0.variant)\" \($0.wouldSend) (\(Self.percent($0.weight)))" }
                out += "  \(plan.rule): \(parts.joined(separator: ", "))"
                out += plan.winner.map { ": winner \"\($0)\", every new send goes to it\n" } ?? "\n"
            }
        }
        let samples = rules.filter { !$0.sample.isEmpty }
        if !samples.isEmpty {
            out += "\nwould be sent (first \(samples.map(\.sample.count).max() ?? 0) per rule):\n"
            for plan in samples {
                out += "  \(plan.rule): \(plan.sample.joined(separator: " "))\n"
            }
        }
        return out
    }

    /// A weight as written: `50%`, `33.34%`.
    static func percent(_ weight: Double) -> String {
        weight == weight.rounded() ? "\(Int(weight))%" : String(format: "%.2f%%", weight)
    }
}
