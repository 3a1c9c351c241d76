import Foundation

/// libFuzzer entry point for the rule language: parse, check and render diagnostics for one input.
///
/// Built by `scripts/fuzz-rules` with `swiftc -sanitize=fuzzer,address -parse-as-library` over
/// `Sources/RuleLanguage/*.swift` and this file (so there is no module boundary and no `import`).
/// Besides crashes and memory errors, it stops on an unsound outcome: a rule set together with
/// errors, errors without diagnostics, a diagnostic range outside its file, or an empty rendering.
///
/// An input whose first byte is `|` is split at its next `|` into two files, so checks across
/// files (duplicate names, segments used in another file) are exercised too.
@_cdecl("LLVMFuzzerTestOneInput")
public func ruleParserFuzz(_ data: UnsafeRawPointer, _ size: Int) -> CInt {
    let bytes = [UInt8](UnsafeRawBufferPointer(start: data, count: size))
    RuleParserFuzz.run(bytes)
    return 0
}

enum RuleParserFuzz {
    /// Templates and endpoints the fuzzed rules may name (the names the rule examples use).
    static let environment = CheckEnvironment(
        emailTemplates: ["winback-coupon", "birthday", "cart-reminder", "welcome", "vip-news"],
        letterTemplates: ["thank-you"],
        webhookEndpoints: ["crm-escalation"],
        templatesDirectory: "templates")

    static func run(_ bytes: [UInt8]) {
        let files = split(bytes)
        for environment in [environment, nil] {
            let result = RuleSetLoader.check(files, environment: environment)
            if (result.ruleSet == nil) != (result.errorCount > 0) {
                fatalError("unsound outcome: rule set \(result.ruleSet != nil), \(result.errorCount) errors")
            }
            for diagnostic in result.diagnostics {
                guard let range = diagnostic.range else { continue }
                if range.lowerBound < 0 || range.upperBound > diagnostic.file.bytes.count {
                    fatalError("diagnostic range \(range) outside a file of \(diagnostic.file.bytes.count) bytes")
                }
            }
            if !result.diagnostics.isEmpty {
                for colour in [false, true] where DiagnosticRenderer(colour: colour).render(result.diagnostics).isEmpty {
                    fatalError("empty rendering of \(result.diagnostics.count) diagnostics")
                }
            }
        }
    }

    static func split(_ bytes: [UInt8]) -> [SourceFile] {
        let bar = UInt8(ascii: "|")
        guard bytes.first == bar, let end = bytes.dropFirst().firstIndex(of: bar) else {
            return [SourceFile(name: "fuzz.rules", contents: bytes)]
        }
        return [
            SourceFile(name: "a.rules", contents: Array(bytes[1..<end])),
            SourceFile(name: "b.rules", contents: Array(bytes[(end + 1)...])),
        ]
    }
}
