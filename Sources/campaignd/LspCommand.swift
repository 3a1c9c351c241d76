import ArgumentParser
import CampaignConfig
import Daemon
import Foundation
import LanguageServer
import RuleLanguage

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `campaignd lsp`: the rule language server over stdin/stdout (docs/editors.md).
///
/// Templates and webhook endpoints come from the config when `--config` is given or
/// `config.json` exists in the current directory; otherwise templates are looked for in
/// `templates/` beside the rules directory. Nothing but LSP messages is written to stdout.
struct LspCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lsp",
        abstract: "Serve the rule language to an editor (Language Server Protocol over stdio).")

    @ParentCommand var root: Campaignd

    func run() async throws {
        try await failingCleanly {
            let config = try loadConfig()
            // A client that goes away must end the loop (end of input), not kill it mid-write.
            signal(SIGPIPE, SIG_IGN)
            let server = LanguageServer(version: Version.line) { rulesDirectory in
                var environmentConfig = config ?? Config.defaults()
                if config == nil {
                    environmentConfig.templatesDirectory = Self.templates(besideRules: rulesDirectory)
                }
                return RuntimeLoader.environment(config: environmentConfig)
            }
            let status = server.serve(input: STDIN_FILENO, output: STDOUT_FILENO)
            if status != 0 { throw ExitCode(status) }
        }
    }

    /// The config if one was named or `config.json` exists here; nil to use the defaults.
    private func loadConfig() throws -> Config? {
        let path = root.global.config
        if path == "config.json" && !FileManager.default.fileExists(atPath: path) { return nil }
        do {
            return try Config.load(path: path)
        } catch {
            throw CommandFailure(error.description, hint: "fix the config, or start the server where there is none")
        }
    }

    /// Where templates are when no config says: `templates/` beside the rules directory.
    static func templates(besideRules rulesDirectory: String) -> String {
        let parent = (rulesDirectory as NSString).deletingLastPathComponent
        return (parent.isEmpty ? "." : parent) + "/templates"
    }
}
