import Foundation
import Testing
@testable import RuleLanguage

/// No input crashes the test-file parser or its checker, and every diagnostic's range lies in
/// the file: every truncation of the shipped test files, and seeded soups of their words.
@Suite("rule test files: malformed input")
struct RuleTestParserFuzzTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let shipped: [[UInt8]] = {
        let folder = repository.appendingPathComponent("rules/tests")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.sorted().filter { $0.hasSuffix(".test") }.compactMap {
            FileManager.default.contents(atPath: folder.appendingPathComponent($0).path).map { [UInt8]($0) }
        }
    }()

    static let vocabulary = [
        "test", "customer", "at", "expect", "send", "no", "skip", "holdout", "in", "out", "to", "because", "start", "time", "zone",
        "email", "name", "birthday", "address", "consent", "granted", "withdrawn", "purchases", "events", "feedback", "nps",
        "\"a\"", "\"winback-coupon\"", "\"onboarding/thanks\"", "\"", "2025-05-12T09:00:00Z", "2025-05-12T09:00+03:00",
        "2025-05-12T25:00:00Z", "2025-05-12T", "2025-05-12", "2025-13-01", "40.00", "3", "{", "}", ",", "#", "\n", " ", "ä", "\u{0}",
    ]

    /// SplitMix64: the same soups on every run.
    struct Seeded: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let ruleSet = RuleSetLoader.check([SourceFile(name: "r.rules", text: RuleTestParserTests.rules)], environment: nil).ruleSet!

    /// Parses and checks `bytes`; false when a diagnostic falls outside the file or an error-free
    /// parse of a non-empty soup claims nothing.
    static func sound(_ bytes: [UInt8]) -> Bool {
        let file = SourceFile(name: "fuzz.test", contents: bytes)
        let (parsed, diagnostics) = RuleTestParser.parse(file)
        let all = diagnostics + RuleTestChecker.check(parsed, ruleSet: ruleSet)
        for diagnostic in all {
            if let range = diagnostic.range, range.lowerBound < 0 || range.upperBound < range.lowerBound || range.upperBound > file.bytes.count {
                return false
            }
        }
        return all.isEmpty || !DiagnosticRenderer(colour: false).render(all).isEmpty
    }

    @Test("every truncation of the shipped test files")
    func truncations() {
        #expect(Self.shipped.count == 2)
        var unsound: [Int] = []
        for bytes in Self.shipped {
            for length in 0...bytes.count where !Self.sound(Array(bytes.prefix(length))) { unsound.append(length) }
        }
        #expect(unsound == [])
    }

    @Test("5,000 seeded soups of test-file words")
    func soups() {
        var random = Seeded(state: 20)
        var unsound: [String] = []
        for _ in 0..<5_000 {
            let text = (0..<Int.random(in: 1...40, using: &random)).map { _ in Self.vocabulary.randomElement(using: &random)! }
                .joined(separator: Bool.random(using: &random) ? " " : "")
            if !Self.sound(Array(text.utf8)) { unsound.append(text) }
        }
        #expect(unsound == [])
    }
}
