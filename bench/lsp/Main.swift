// A stand-alone `campaignd lsp` for timing the server alone in an optimised build, without the
// daemon's dependencies: scripts/bench-lsp --quick compiles this file with Sources/RuleLanguage
// and Sources/LanguageServer (`swiftc -O`). Templates come from `templates/` beside the rules
// directory, as `campaignd lsp` does without a config; arguments are ignored.
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

@main
struct LanguageServerBench {
    static func main() {
        signal(SIGPIPE, SIG_IGN)
        let server = LanguageServer(version: "bench") { rulesDirectory in
            let templates = (rulesDirectory as NSString).deletingLastPathComponent + "/templates"
            func names(_ folder: String, _ suffix: String) -> Set<String> {
                let files = (try? FileManager.default.contentsOfDirectory(atPath: templates + "/" + folder)) ?? []
                return Set(files.filter { $0.hasSuffix(suffix) }.map { String($0.dropLast(suffix.count)) })
            }
            return CheckEnvironment(
                emailTemplates: names("email", ".subject.mustache").intersection(names("email", ".text.mustache")),
                letterTemplates: names("letter", ".html.mustache"), webhookEndpoints: [], templatesDirectory: templates)
        }
        exit(server.serve(input: STDIN_FILENO, output: STDOUT_FILENO))
    }
}
