import Foundation
import Testing
import TestSupport

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

@Suite("campaignd unsubscribe, and the links in spooled email")
struct UnsubscribeCommandTests {
    /// The demo after `run --once`: spooled marketing emails, each with the customer's link.
    func spooledDemo(on kind: StoreKind) async throws -> (directory: URL, config: String, emails: [String]) {
        let (directory, config) = try await CommandLineTests.demoWorkspace(on: kind)
        let run = try await CampaigndProcess.run(["--config", config, "run", "--once", "--at", "2026-11-20T10:00"], in: directory)
        #expect(run.status == 0, "\(run.stderr)")
        let spool = directory.appendingPathComponent("spool/email")
        let emails = try FileManager.default.contentsOfDirectory(atPath: spool.path).sorted()
            .map { try String(contentsOf: spool.appendingPathComponent($0), encoding: .utf8) }
        return (directory, config, emails)
    }

    @Test("every spooled email carries its link in List-Unsubscribe and in the body; the command withdraws that consent",
          arguments: StoreKind.allCases)
    func fromSpooledEmail(on kind: StoreKind) async throws {
        let (directory, config, emails) = try await spooledDemo(on: kind)
        try #require(!emails.isEmpty)
        var links: [String] = []
        for email in emails {
            let header = try #require(email.split(separator: "\r\n").first { $0.hasPrefix("List-Unsubscribe: <") })
            let link = String(header.dropFirst("List-Unsubscribe: <".count).dropLast())
            #expect(link.hasPrefix("https://kauppa.example/unsubscribe/"))
            #expect(email.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"))
            // The body is quoted-printable: undo soft line breaks before looking for the link.
            #expect(email.replacingOccurrences(of: "=\r\n", with: "").contains(link), "the body lacks \(link)")
            links.append(link)
        }
        // One link per customer and channel (a customer sent two emails gets the same link twice).
        #expect(Set(links).count > links.count / 2)

        let token = String(links[0].split(separator: "/").last!)
        let first = try await CampaigndProcess.run(["--config", config, "unsubscribe", token], in: directory)
        #expect(first.status == 0 && first.stdout == "unsubscribed: email consent withdrawn\n", "\(first.stderr)")
        // The whole link works too, and a second time changes nothing.
        let again = try await CampaigndProcess.run(["--config", config, "unsubscribe", links[0]], in: directory)
        #expect(again.status == 0 && again.stdout == "unsubscribed: email consent was already withdrawn\n", "\(again.stderr)")

        let tampered = String(token.dropLast()) + (token.hasSuffix("x") ? "y" : "x")
        let bad = try await CampaigndProcess.run(["--config", config, "unsubscribe", tampered], in: directory)
        #expect(bad.status == 1 && bad.stdout.isEmpty)
        #expect(bad.stderr.hasPrefix("campaignd: not a valid unsubscribe token\ncampaignd: hint: "), "\(bad.stderr)")

        let channels = try CampaigndProcess.values(
            "SELECT channel FROM consent WHERE status = 'withdrawn' AND source = 'cli'", config: config, in: directory)
        #expect(channels == ["email"])
    }

    @Test("without an unsubscribe secret in the config: one clear line, exit 1", arguments: StoreKind.allCases)
    func noSecret(on kind: StoreKind) async throws {
        let (directory, config) = try CampaigndProcess.workspace(on: kind)
        _ = try await CampaigndProcess.run(["--config", config, "status"], in: directory)
        let result = try await CampaigndProcess.run(["--config", config, "unsubscribe", "abc.def"], in: directory)
        #expect(result.status == 1)
        #expect(result.stderr == "campaignd: the config has no unsubscribe secret\ncampaignd: hint: set channels.email.unsubscribe_url and unsubscribe_secret_file\n")
    }
}
