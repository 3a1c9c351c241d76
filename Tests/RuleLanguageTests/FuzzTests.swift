import Foundation
import Testing
@testable import RuleLanguage

/// No input, however malformed, crashes or hangs the lexer, parser, checker or renderer.
///
/// Over 100,000 inputs from a fixed seed: every truncation of the fixture files, random byte
/// mutations, random token soups, random bytes, and a few huge or deeply nested inputs. Each must
/// end in success (a rule set) or in at least one error, with every diagnostic inside its file.
struct FuzzTests {
    /// Tokens that random soups are made of: every keyword, fact words, literals good and bad.
    static let vocabulary: [String] = Keyword.allCases.map(\.rawValue) + [
        "orders", "spent", "purchase", "days", "since", "last", "first", "nps", "feedback", "event", "birthday",
        "consent", "email", "letter", "webhook", "tagged", "attribute", "country", "once", "per", "hours", "from",
        "until", "day", "x", "key", "\"vip\"", "\"", "\"unterminated", "0", "7", "2000.50", "1.2.3", "99999999999999999999",
        "21:00", "25:99", "2025-02-29", "2024-02-29", "2025-1", "=", "!=", "<", "<=", ">", ">=", "==", "(", ")", "{",
        "}", ",", "%", "-", "#", "\n", "\n", " ", "\t", "@", "“", "'", "\u{0}", "🎂", "ä", "\r\n",
    ]

    static let seedFiles: [[UInt8]] = {
        let fixtures = Fixtures.directory
        var files: [[UInt8]] = []
        for folder in ["good", "bad"] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: fixtures.appendingPathComponent(folder).path)) ?? []
            for name in names.sorted() where name.hasSuffix(".rules") {
                if let data = FileManager.default.contents(atPath: fixtures.appendingPathComponent("\(folder)/\(name)").path) {
                    files.append([UInt8](data))
                }
            }
        }
        return files
    }()

    /// Checks one input and verifies the outcome is sound; returns 1 for counting.
    ///
    /// Uses one `#expect` per input (they are not free), with the input in the failure message.
    @discardableResult
    static func survive(_ bytes: [UInt8], render: Bool = true) -> Int {
        let file = SourceFile(name: "fuzz.rules", contents: bytes)
        let result = RuleSetLoader.check([file], environment: Fixtures.environment)
        var sound = (result.ruleSet == nil) == (result.errorCount > 0)
        for diagnostic in result.diagnostics {
            if let range = diagnostic.range,
                range.lowerBound < 0 || range.upperBound < range.lowerBound || range.upperBound > file.bytes.count
            {
                sound = false
            }
        }
        if render && !result.diagnostics.isEmpty {
            sound = sound && !DiagnosticRenderer(colour: false).render(result.diagnostics).isEmpty
        }
        if !sound {
            Issue.record("unsound outcome for \(String(decoding: bytes.prefix(300), as: UTF8.self).debugDescription)")
        }
        return 1
    }

    static let mutationCount = 40_000
    static let soupCount = 42_000
    static let randomByteCount = 10_000
    static let invalidSequences: [[UInt8]] = [
        [0xFF], [0xC0, 0x80], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xC3], [0xE2, 0x82],
        [0x80, 0x80, 0x80], [0xF0, 0x9F, 0x8E],
    ]
    static let invalidUTF8Base = Array(
        "rule \"r\" {\n  when tagged \"X\" and orders >= 1\n  send email \"welcome\"\n  limit once\n}\n".utf8)

    @Test func atLeast100000InputsInAll() {
        let truncations = Self.seedFiles.reduce(0) { $0 + $1.count + 1 }
        let invalidUTF8 = Self.invalidSequences.count * (Self.invalidUTF8Base.count + 1)
        let total = truncations + Self.mutationCount + Self.soupCount + Self.randomByteCount + invalidUTF8
        #expect(total >= 100_000, "only \(total) inputs")
    }

    @Test func everyTruncationOfEveryFixture() {
        var count = 0
        for file in Self.seedFiles {
            for length in 0...file.count { count += Self.survive(Array(file.prefix(length))) }
        }
        #expect(count >= 5_000)
    }

    @Test func randomByteMutations() {
        var random = SplitMix64(seed: Self.mutationSeed)
        for _ in 0..<Self.mutationCount { Self.survive(Self.mutation(&random)) }
    }

    static let mutationSeed: UInt64 = 0x5EED_0001

    /// A fixture file with one to four random byte changes.
    static func mutation(_ random: inout SplitMix64) -> [UInt8] {
        let good = seedFiles
        var bytes = good[random.next(below: good.count)]
        for _ in 0..<(1 + random.next(below: 4)) {
            guard !bytes.isEmpty else { break }
            let position = random.next(below: bytes.count)
            switch random.next(below: 4) {
            case 0: bytes[position] = UInt8(truncatingIfNeeded: random.next())
            case 1: bytes.remove(at: position)
            case 2: bytes.insert(UInt8(truncatingIfNeeded: random.next()), at: position)
            default: bytes[position] ^= 1 << UInt8(random.next(below: 8))
            }
        }
        return bytes
    }

    @Test func randomTokenSoups() {
        var random = SplitMix64(seed: Self.soupSeed)
        for _ in 0..<Self.soupCount { Self.survive(Self.soup(&random)) }
    }

    static let soupSeed: UInt64 = 0x5EED_0002

    /// Up to 40 random words of the vocabulary, perhaps after `rule "r" {` or `segment s =`.
    static func soup(_ random: inout SplitMix64) -> [UInt8] {
        var text = random.next(below: 3) == 0 ? "rule \"r\" {\n" : (random.next(below: 2) == 0 ? "segment s = " : "")
        for _ in 0..<random.next(below: 40) {
            text += vocabulary[random.next(below: vocabulary.count)] + " "
        }
        return Array(text.utf8)
    }

    @Test func randomBytes() {
        var random = SplitMix64(seed: 0x5EED_0003)
        for _ in 0..<Self.randomByteCount {
            let bytes = (0..<random.next(below: 120)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            Self.survive(bytes)
        }
    }

    @Test func deepNestingCannotOverflowTheStack() {
        let parens = String(repeating: "(", count: 100_000)
        Self.survive(Array("segment s = \(parens)orders >= 1".utf8))
        Self.survive(Array("rule \"r\" { when \(parens)".utf8))
        Self.survive(Array(parens.utf8))
        Self.survive(Array(("segment s = " + String(repeating: "not ", count: 100_000) + "consent email").utf8))
        Self.survive(Array(("segment s = " + String(repeating: "orders >= 1 and ", count: 50_000) + "consent email").utf8))
        Self.survive(Array(String(repeating: "rule \"r\" { when ", count: 20_000).utf8))
        Self.survive(Array(String(repeating: "}", count: 100_000).utf8))
        let chain = (0..<5_000).map { "segment s\($0) = s\($0 + 1)\n" }.joined() + "segment s5000 = s0\n"
        let result = RuleSetLoader.check([SourceFile(name: "chain.rules", text: chain)], environment: nil)
        #expect(result.diagnostics.map(\.message).contains { $0.hasPrefix("segments form a cycle: s0 -> s1 -> s2") })
    }

    @Test func megabyteLines() {
        let megabyte = 1 << 20
        Self.survive(Array(repeating: UInt8(ascii: "a"), count: megabyte))
        Self.survive(Array(repeating: UInt8(ascii: "@"), count: megabyte))
        Self.survive(Array(repeating: UInt8(ascii: "\""), count: megabyte))
        Self.survive(Array(String(repeating: "‘ ", count: megabyte / 4).utf8))
        Self.survive(Array(("rule \"r\" { when tagged \"" + String(repeating: "x", count: megabyte) + "\" send email \"welcome\" limit once }").utf8))
        var random = SplitMix64(seed: 0x5EED_0004)
        var soup = "rule \"r\" { when "
        while soup.utf8.count < megabyte { soup += Self.vocabulary[random.next(below: Self.vocabulary.count)] + " " }
        Self.survive(Array(soup.replacingOccurrences(of: "\n", with: " ").utf8))
        let manyErrors = Array(String(repeating: "@ x ", count: megabyte / 4).utf8)
        let result = RuleSetLoader.check([SourceFile(name: "noise.rules", contents: manyErrors)], environment: nil)
        #expect(result.errorCount <= DiagnosticCollector.errorLimitPerFile + 1)
        #expect(result.diagnostics.last?.message == "too many errors; the rest of this file was not reported")
    }

    @Test func invalidUTF8() {
        let sequences = Self.invalidSequences
        let base = Self.invalidUTF8Base
        var count = 0
        for sequence in sequences {
            for position in 0...base.count {
                var bytes = base
                bytes.insert(contentsOf: sequence, at: position)
                count += Self.survive(bytes)
                let result = RuleSetLoader.check([SourceFile(name: "u.rules", contents: bytes)], environment: nil)
                #expect(result.diagnostics.contains { $0.message == "invalid UTF-8 in file" })
            }
        }
        #expect(count > 500)
    }
}

/// A small deterministic random number generator (SplitMix64), so fuzz runs are reproducible.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func next(below bound: Int) -> Int {
        bound <= 0 ? 0 : Int(next() % UInt64(bound))
    }
}
