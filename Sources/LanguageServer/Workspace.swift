import Foundation
import RuleLanguage

/// The documents the editor has open, the rule files beside them on disk, and their parses.
///
/// A `.rules` file is checked with every `*.rules` file directly inside its directory, the open
/// ones as the editor has them; the disk copies are read again when a document is opened, saved
/// or closed, or the client reports changed files. Each file is parsed once per text.
final class Workspace {
    /// The templates and endpoints `check` would see for a rules directory.
    typealias EnvironmentProvider = (_ rulesDirectory: String) -> CheckEnvironment?

    let environment: EnvironmentProvider
    /// Open documents' text by URI.
    private var openText: [String: [UInt8]] = [:]
    /// Rule files read from disk, by directory, then path.
    private var disk: [String: [String: [UInt8]]] = [:]
    /// The latest parse of each file, by URI.
    private var parses: [String: RuleDocument] = [:]
    private let currentDirectory = FileManager.default.currentDirectoryPath

    init(environment: @escaping EnvironmentProvider) {
        self.environment = environment
    }

    // MARK: Documents

    func open(_ uri: String, text: [UInt8]) {
        openText[uri] = text
        if case .directory(let directory) = scope(of: uri) { readDisk(directory) }
    }

    func change(_ uri: String, text: [UInt8]) {
        openText[uri] = text
    }

    func close(_ uri: String) {
        openText[uri] = nil
        if case .directory(let directory) = scope(of: uri) { readDisk(directory) } else { parses[uri] = nil }
    }

    func text(of uri: String) -> [UInt8]? {
        if let text = openText[uri] { return text }
        guard let path = DocumentURI.path(of: uri) else { return nil }
        return disk[DocumentURI.directory(of: path)]?[path] ?? FileManager.default.contents(atPath: path).map { [UInt8]($0) }
    }

    /// Reads a directory's rule files again (after a save or an outside change).
    func refresh(_ uri: String) {
        if case .directory(let directory) = scope(of: uri) { readDisk(directory) }
    }

    /// The parse of `uri` as it is now (open or on disk); nil when it exists nowhere.
    func document(_ uri: String) -> RuleDocument? {
        guard let text = text(of: uri) else { return nil }
        return parse(uri, text)
    }

    static func isRuleFile(_ uri: String) -> Bool {
        let path = uri.split(separator: "?").first.map(String.init) ?? uri
        return path.hasSuffix(".rules")
    }

    func scope(of uri: String) -> CheckScope {
        guard let path = DocumentURI.path(of: uri) else { return .single(uri: uri) }
        return .directory(DocumentURI.directory(of: path))
    }

    // MARK: Scopes

    /// Every rule file of a scope, sorted by path as `check` sorts them, parsed.
    func documents(in scope: CheckScope) -> [RuleDocument] {
        switch scope {
        case .single(let uri):
            guard let text = openText[uri] else { return [] }
            return [parse(uri, text)]
        case .directory(let directory):
            if disk[directory] == nil { readDisk(directory) }
            var textByPath = disk[directory] ?? [:]
            var uriByPath: [String: String] = [:]
            for (uri, text) in openText where Self.isRuleFile(uri) {
                guard let path = DocumentURI.path(of: uri), DocumentURI.directory(of: path) == directory else { continue }
                textByPath[path] = text
                uriByPath[path] = uri
            }
            return textByPath.keys.sorted().map { path in
                parse(uriByPath[path] ?? DocumentURI.uri(of: path), textByPath[path] ?? [])
            }
        }
    }

    /// Checks a scope as `check` does; the diagnostics grouped by the URI of their file.
    func check(_ scope: CheckScope) -> (documents: [RuleDocument], diagnostics: [String: [Diagnostic]]) {
        let documents = documents(in: scope)
        var environment: CheckEnvironment?
        if case .directory(let directory) = scope { environment = self.environment(directory) }
        let result = RuleSetLoader.check(
            parsed: documents.map { ($0.syntax, $0.parseDiagnostics) }, environment: environment)
        let uriByFile = Dictionary(documents.map { (ObjectIdentifier($0.source), $0.uri) }, uniquingKeysWith: { a, _ in a })
        var grouped: [String: [Diagnostic]] = [:]
        for diagnostic in result.diagnostics {
            guard let uri = uriByFile[ObjectIdentifier(diagnostic.file)] else { continue }
            grouped[uri, default: []].append(diagnostic)
        }
        return (documents, grouped)
    }

    // MARK: Private

    private func parse(_ uri: String, _ text: [UInt8]) -> RuleDocument {
        if let cached = parses[uri], cached.contents == text { return cached }
        let document = RuleDocument(uri: uri, name: displayName(uri), contents: text)
        parses[uri] = document
        return document
    }

    /// The name diagnostics use: the path relative to the current directory when under it.
    private func displayName(_ uri: String) -> String {
        guard let path = DocumentURI.path(of: uri) else { return uri }
        return path.hasPrefix(currentDirectory + "/") ? String(path.dropFirst(currentDirectory.count + 1)) : path
    }

    private func readDisk(_ directory: String) {
        var files: [String: [UInt8]] = [:]
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names where name.hasSuffix(".rules") {
            let path = directory == "/" ? "/" + name : directory + "/" + name
            if let data = FileManager.default.contents(atPath: path) { files[path] = [UInt8](data) }
        }
        disk[directory] = files
    }
}
