import Foundation
import Testing
@testable import LanguageServer

/// No input crashes the server: the rule parser's fuzz corpus (the good and bad fixtures that
/// seed `FuzzTests` and `scripts/fuzz-rules`), every truncation of it and seeded byte mutations,
/// replayed through didOpen, didChange, completion, hover and definition at many positions.
struct CrashReplayTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("RuleLanguageTests/Fixtures")

    /// Every `.rules` file under the fixtures, recursively (some cases are directories).
    static func corpus() throws -> [String] {
        let enumerator = try #require(FileManager.default.enumerator(atPath: fixtures.path))
        var texts: [String] = []
        for case let path as String in enumerator where path.hasSuffix(".rules") {
            let data = try Data(contentsOf: fixtures.appendingPathComponent(path))
            texts.append(String(decoding: data, as: UTF8.self))
        }
        return texts
    }

    /// Sends position requests over a grid of the document; every one must get a well-formed
    /// answer (a result, or an error that is not an internal one) with ranges inside the text.
    static func probe(_ client: TestClient, _ name: String, _ text: String) throws -> Int {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var count = 0
        for line in 0...lines.count {
            let width = line < lines.count ? lines[line].utf16.count : 0
            for character in Set([0, width / 2, width, width + 5]) {
                for method in ["textDocument/completion", "textDocument/hover", "textDocument/definition"] {
                    let reply = try client.request(method, client.at(name, line, character))
                    if let error = reply["error"] as? [String: Any] {
                        Issue.record("\(method) at \(line):\(character) failed: \(error) in \(text.prefix(200).debugDescription)")
                    }
                    count += 1
                }
            }
        }
        for (_, diagnostics) in client.diagnostics() {
            for diagnostic in diagnostics {
                let numbers = rangeNumbers(diagnostic["range"])
                #expect(numbers.allSatisfy { $0 >= 0 } && numbers[0] <= lines.count && numbers[2] <= lines.count)
            }
        }
        return count
    }

    @Test func corpusAndItsTruncationsAndMutations() throws {
        let corpus = try Self.corpus()
        #expect(corpus.count >= 30)
        let client = try TestClient()
        try client.initialize()
        var requests = 0
        var random = SplitMix64(seed: 20)
        for (number, text) in corpus.enumerated() {
            let name = "fuzz-\(number).rules"
            client.open(name, text)
            requests += try Self.probe(client, name, text)
            let bytes = Array(text.utf8)
            // Truncations at 20 points, each as the editor would send them.
            for cut in stride(from: 0, through: bytes.count, by: max(1, bytes.count / 20)) {
                let truncated = String(decoding: bytes[..<cut], as: UTF8.self)
                client.change(name, truncated)
                _ = client.diagnostics()
                for method in ["textDocument/completion", "textDocument/hover"] {
                    let end = truncated.split(separator: "\n", omittingEmptySubsequences: false)
                    let reply = try client.request(method, client.at(name, end.count - 1, end.last?.utf16.count ?? 0))
                    #expect(reply["error"] == nil, "\(method) on a truncation")
                    requests += 1
                }
            }
            // Three mutations of a few random bytes each, probed over the grid.
            for _ in 0..<3 {
                var mutated = bytes
                for _ in 0..<(1 + Int(random.next() % 4)) where !mutated.isEmpty {
                    let at = Int(random.next() % UInt64(mutated.count))
                    mutated[at] = Array("\"{}()#=\n é🎂x".utf8)[Int(random.next() % 16)]
                }
                let text = String(decoding: mutated, as: UTF8.self)
                client.change(name, text)
                requests += try Self.probe(client, name, text)
            }
            client.notify("textDocument/didClose", ["textDocument": ["uri": client.uri(name)]])
        }
        #expect(requests > 5_000)
        #expect(client.server.exitStatus == nil)
    }
}

/// A small seeded generator (SplitMix64), so the mutations are the same on every run.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E9B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
