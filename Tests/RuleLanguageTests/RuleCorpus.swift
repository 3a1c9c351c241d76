import Foundation

/// Generates a realistic rules directory for scale tests: `files` files of `rulesPerFile` rules
/// each, plus a few segments per file that later files build on.
///
/// Used by `ScaleTests`; set `RULE_CORPUS_DIR=/some/dir` when running them to keep a copy for
/// timing `campaignd check --rules /some/dir` in a release build.
enum RuleCorpus {
    static func text(file index: Int, rulesPerFile: Int) -> String {
        var lines = ["# Generated file \(index) of a scale-test corpus.", ""]
        lines.append("segment regular_\(index) = orders in last 365 days >= \(3 + index % 4)")
        lines.append("segment key_\(index) = spent in last 365 days >= \(1000 + index * 10).50 and not tagged \"blocked\"")
        if index > 0 {
            lines.append("segment loyal_\(index) = regular_\(index - 1) or (key_\(index - 1) and days since joined > 365)")
        }
        lines.append("")
        for rule in 0..<rulesPerFile {
            let who = index > 0 && rule % 3 == 0 ? "loyal_\(index)" : (rule % 2 == 0 ? "regular_\(index)" : "key_\(index)")
            lines += [
                "rule \"campaign-\(index)-\(rule)\" {",
                "  description \"Generated campaign \(rule) in file \(index)\"",
                "  when \(who) and no purchase in last \(30 + rule) days and consent email",
                "       and (country in (\"FI\", \"SE\") or attribute \"tier\" = \"gold\")",
                "       and not event \"unsubscribed\" in last 90 days and nps >= \(rule % 11)",
                "  send email \"winback-coupon\"",
                "  limit once per \(7 + rule) days",
                "  holdout \(rule % 20)%",
                "  quiet hours 21:00-08:00",
                "  priority \(rule)",
                "}",
                "",
            ]
        }
        return lines.joined(separator: "\n")
    }

    /// Writes the corpus into `directory` as `rules-00.rules` … and returns the file names.
    @discardableResult
    static func write(to directory: URL, files: Int = 50, rulesPerFile: Int = 20) throws -> [String] {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var names: [String] = []
        for index in 0..<files {
            let name = "rules-" + (index < 10 ? "0" : "") + "\(index).rules"
            try text(file: index, rulesPerFile: rulesPerFile)
                .write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
            names.append(name)
        }
        return names
    }
}
