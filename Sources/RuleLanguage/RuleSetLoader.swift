import Foundation

/// Reads, parses and checks rule files.
public enum RuleSetLoader {
    /// Checks every `*.rules` file directly inside `directory`, in name order.
    ///
    /// File names in diagnostics are `directory/NAME.rules`. Pass nil for `environment` to skip
    /// checking template and endpoint names.
    public static func load(directory: String, environment: CheckEnvironment?) throws -> CheckResult {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            throw RuleSetLoadError(description: "read rules directory '\(directory)': no such directory")
        }
        guard isDirectory.boolValue else {
            throw RuleSetLoadError(description: "read rules directory '\(directory)': not a directory")
        }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
                .filter { $0.hasSuffix(".rules") }.sorted()
        } catch {
            throw RuleSetLoadError(description: "read rules directory '\(directory)': \(error.localizedDescription)")
        }
        var files: [SourceFile] = []
        var unreadable: [Diagnostic] = []
        for name in names {
            let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            if let data = FileManager.default.contents(atPath: path) {
                files.append(SourceFile(name: path, contents: [UInt8](data)))
            } else {
                unreadable.append(
                    Diagnostic(.error, "cannot read file", file: SourceFile(name: path, contents: []), range: nil))
            }
        }
        let result = check(files, environment: environment)
        guard !unreadable.isEmpty else { return result }
        return CheckResult(ruleSet: nil, diagnostics: unreadable + result.diagnostics)
    }

    /// Parses and checks the given files as one rule set (names must be unique across them).
    public static func check(_ files: [SourceFile], environment: CheckEnvironment?) -> CheckResult {
        check(parsed: files.map { Parser.parse($0) }, environment: environment)
    }

    /// `check` over files already parsed by `Parser.parse`, in the same order: the language server
    /// keeps each file's parse until its text changes and checks the whole directory on each edit.
    public static func check(
        parsed: [(syntax: RuleFileSyntax, diagnostics: [Diagnostic])], environment: CheckEnvironment?
    ) -> CheckResult {
        var collector = DiagnosticCollector()
        var syntaxes: [RuleFileSyntax] = []
        for (syntax, diagnostics) in parsed {
            for diagnostic in diagnostics { collector.add(diagnostic) }
            syntaxes.append(syntax)
        }
        let files = syntaxes.map(\.file)
        var checker = RuleChecker(files: syntaxes, environment: environment, diagnostics: collector)
        let ruleSet = checker.check()
        let fileOrder = Dictionary(files.enumerated().map { (ObjectIdentifier($1), $0) }, uniquingKeysWith: { a, _ in a })
        let sorted = checker.diagnostics.diagnostics.enumerated().sorted { a, b in
            let fileA = fileOrder[ObjectIdentifier(a.element.file)] ?? Int.max
            let fileB = fileOrder[ObjectIdentifier(b.element.file)] ?? Int.max
            if fileA != fileB { return fileA < fileB }
            let offsetA = a.element.range?.lowerBound ?? Int.max
            let offsetB = b.element.range?.lowerBound ?? Int.max
            if offsetA != offsetB { return offsetA < offsetB }
            return a.offset < b.offset
        }.map(\.element)
        return CheckResult(ruleSet: checker.diagnostics.errorCount == 0 ? ruleSet : nil, diagnostics: sorted)
    }
}
