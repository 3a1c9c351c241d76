import Foundation
import Testing

/// `campaignd --version` and the commit stamp behind it (scripts/stamp-commit).
@Suite("campaignd --version")
struct VersionTests {
    /// Runs a shell command, returning its status and what it printed on stdout.
    static func shell(_ command: String, in directory: URL) throws -> (status: Int32, stdout: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", command]
        process.currentDirectoryURL = directory
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test("prints the release and the commit stamped in Sources/BuildInfo/commit.h")
    func versionLine() async throws {
        let result = try await CampaigndProcess.run(["--version"])
        #expect(result.status == 0, "\(result.stderr)")
        let header = CampaigndProcess.repository.appendingPathComponent("Sources/BuildInfo/commit.h")
        let stamped = (try? String(contentsOf: header, encoding: .utf8))
            .flatMap { $0.split(separator: "\"").dropFirst().first.map(String.init) } ?? "unknown"
        let line = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(line.wholeMatch(of: /campaignd \d+\.\d+\.\d+ \(commit ([0-9a-f]{12}(-dirty)?|unknown)\)/) != nil, "\(line)")
        #expect(line.hasSuffix("(commit \(stamped))"), "\(line) but commit.h says \(stamped)")
    }

    @Test("a tarball made by git archive, without .git, stamps the commit it was made from")
    func tarball() throws {
        let repository = CampaigndProcess.repository
        let head = try Self.shell("git rev-parse --verify HEAD", in: repository)
        try #require(head.status == 0 && head.stdout.count == 40, "this test needs the git clone it runs from")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("campaignd-tarball-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        let unpack = try Self.shell("git -C '\(repository.path)' archive --format=tar HEAD | tar -x -C '\(directory.path)'", in: repository)
        #expect(unpack.status == 0)
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent(".git").path))
        let stamp = try Self.shell("scripts/stamp-commit", in: directory)
        #expect(stamp.status == 0)
        #expect(stamp.stdout == String(head.stdout.prefix(12)))
        let header = try String(contentsOf: directory.appendingPathComponent("Sources/BuildInfo/commit.h"), encoding: .utf8)
        #expect(header == "#define CAMPAIGND_COMMIT \"\(head.stdout.prefix(12))\"\n")
    }
}
