import Foundation
import Testing
import TestSupport

/// The README's "Using it" block, run verbatim by bash in a fresh copy of the repository's files
/// (what a clone of the working tree holds), with the built `campaignd` first on the PATH.
@Suite("README")
struct ReadmeTests {
    /// The first ```sh block after the "## Using it" heading.
    static func usingItBlock() throws -> String {
        let readme = try String(contentsOf: CampaigndProcess.repository.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try #require(readme.range(of: "\n## Using it\n"), "README.md has no \"## Using it\" section")
        let rest = readme[section.upperBound...]
        let open = try #require(rest.range(of: "```sh\n"), "no ```sh block under \"Using it\"")
        let close = try #require(rest[open.upperBound...].range(of: "\n```"), "the ```sh block is not closed")
        return String(rest[open.upperBound..<close.lowerBound])
    }

    /// A copy of the files git tracks (and untracked ones it does not ignore) in a new directory.
    static func freshCopy() throws -> URL {
        let repository = CampaigndProcess.repository
        let git = Process()
        git.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        git.arguments = ["git", "-C", repository.path, "ls-files", "-z", "--cached", "--others", "--exclude-standard"]
        let out = Pipe()
        git.standardOutput = out
        try git.run()
        let listing = out.fileHandleForReading.readDataToEndOfFile()
        git.waitUntilExit()
        try #require(git.terminationStatus == 0, "git ls-files failed in \(repository.path)")
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("campaignd-readme-\(UUID().uuidString)")
        for path in String(decoding: listing, as: UTF8.self).split(separator: "\0").map(String.init) {
            let source = repository.appendingPathComponent(path)
            guard FileManager.default.fileExists(atPath: source.path) else { continue }  // deleted, not yet committed
            let target = copy.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: source, to: target)
        }
        return copy
    }

    @Test("the \"Using it\" block runs as written on a fresh copy, and its tick decides something")
    func usingIt() async throws {
        let block = try Self.usingItBlock()
        #expect(block.contains("campaignd --config config.json run --once"), "the block no longer ends in a tick:\n\(block)")
        let copy = try Self.freshCopy()
        defer { try? FileManager.default.removeItem(at: copy) }
        try #require(!FileManager.default.fileExists(atPath: copy.appendingPathComponent("config.json").path))

        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = CampaigndProcess.executable.deletingLastPathComponent().path + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        let bash = try await ChildProcess.finished(
            URL(fileURLWithPath: "/bin/bash"), ["-e", "-u", "-o", "pipefail", "-c", block], in: copy, environment: environment)
        #expect(bash.status == 0, "the README's block failed:\n\(bash.stdout)\n\(bash.stderr)")

        // The tick wrote its decisions to the send log: the block did real work, not just exit 0.
        let log = try await CampaigndProcess.run(["--config", "config.json", "log", "--json"], in: copy)
        #expect(log.status == 0, "\(log.stderr)")
        let entries = (try? JSONSerialization.jsonObject(with: Data(log.stdout.utf8))) as? [String: Any]
        #expect(((entries?["entries"] as? [Any]) ?? []).count > 0, "the tick decided nothing:\n\(log.stdout)")
    }
}
