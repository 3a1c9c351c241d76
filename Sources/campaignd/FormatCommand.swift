import ArgumentParser
import CampaignConfig
import Daemon
import Foundation
import RuleLanguage

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `campaignd fmt [--check] [FILES…]`: rewrite rule files in the canonical layout (docs/rules.md).
///
/// All files are formatted in memory first; if any has syntax errors, its diagnostics are printed,
/// nothing is written, and the exit status is 2. Otherwise changed files are replaced atomically
/// (temporary file, then rename) and named on stdout. With `--check` nothing is written: a
/// unified diff per file that would change goes to stdout, exit status 1 (0 when all are formatted).
struct FormatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fmt",
        abstract: "Rewrite rule files in the canonical layout (--check: print a diff, write nothing).")

    @ParentCommand var root: Campaignd

    @Flag(name: .long, help: "Write nothing; print a diff of each file that would change and exit 1 if any would.")
    var check = false

    @Argument(help: "Rule files or directories (default: the rules directory of the config).")
    var files: [String] = []

    /// Exit status for files that cannot be read or do not parse.
    static let notFormatted: Int32 = 2

    func run() async throws {
        let paths: [String]
        do {
            paths = try RuleFilePaths.expand(files.isEmpty ? [try defaultDirectory()] : files)
        } catch let failure as CommandFailure {
            printError(failure.message)
            if let hint = failure.hint { printError("hint: \(hint)") }
            throw ExitCode(Self.notFormatted)
        }
        var changes: [(path: String, old: String, new: String)] = []
        var failed = false
        let renderer = DiagnosticRenderer(colour: isatty(STDERR_FILENO) == 1)
        for path in paths {
            guard let data = FileManager.default.contents(atPath: path) else {
                printError("read \(path): cannot read the file")
                failed = true
                continue
            }
            let file = SourceFile(name: path, contents: [UInt8](data))
            do {
                let formatted = try RuleFormatter.format(file)
                if Array(formatted.utf8) != [UInt8](data) {
                    changes.append((path, String(decoding: data, as: UTF8.self), formatted))
                }
            } catch let error as RuleFormatError {
                FileHandle.standardError.write(Data(renderer.render(error.diagnostics).utf8))
                printError(error.description)
                failed = true
            }
        }
        if failed {
            printError("nothing written")
            throw ExitCode(Self.notFormatted)
        }
        if check {
            for change in changes {
                print(UnifiedDiff.diff(change.old, change.new, oldName: change.path, newName: change.path + " (formatted)"),
                      terminator: "")
            }
            guard changes.isEmpty else {
                let count = changes.count
                printError("\(count) file\(count == 1 ? "" : "s") not formatted; run 'campaignd fmt' to rewrite")
                throw ExitCode.failure
            }
            return
        }
        for change in changes {
            do {
                try RuleFileWriter.replace(change.path, with: change.new)
            } catch let failure as CommandFailure {
                printError(failure.message)
                throw ExitCode(Self.notFormatted)
            }
            print(change.path)
        }
    }

    /// The rules directory of the config; `rules` when there is no config file.
    private func defaultDirectory() throws -> String {
        let path = root.global.config
        if path == "config.json" && !FileManager.default.fileExists(atPath: path) {
            return RuntimeLoader.relativeToCurrentDirectory(Config.defaults().rulesDirectory)
        }
        do {
            return RuntimeLoader.relativeToCurrentDirectory(try root.global.loadConfigAnyStore().rulesDirectory)
        } catch {
            throw CommandFailure("\(error)", hint: "name the rule files to format, or fix the config")
        }
    }
}
