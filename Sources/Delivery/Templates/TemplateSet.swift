import Foundation
import Mustache
import RuleLanguage

/// The parsed templates of one templates directory:
/// `email/NAME.subject.mustache`, `email/NAME.text.mustache`, optional `email/NAME.html.mustache`,
/// `letter/NAME.html.mustache` and optional `webhook/NAME.json.mustache`.
///
/// HTML templates escape values for HTML, JSON templates for the inside of a JSON string, and
/// subject and text templates not at all. Rendering is strict: a variable without a value fails
/// the render (see `TemplateContext`).
public struct TemplateSet: Sendable {
    /// The directory as given (used in messages).
    public let directory: String
    private var templates: [String: Loaded] = [:]
    /// Files that did not parse, keyed by their template key (`email/NAME.subject`).
    private var parseProblems: [String: TemplateProblem] = [:]

    struct Loaded: Sendable {
        let template: MustacheTemplate
        let file: String
        let source: String
    }

    enum Kind: String { case subject, text, html, json }

    /// Reads and parses every template under `directory`; parse errors are kept for `check`
    /// and for the sends that need the file.
    public init(directory: String) {
        _ = JSONContentType.registered
        self.directory = directory
        let manager = FileManager.default
        for folder in ["email", "letter", "webhook"] {
            let path = directory + "/" + folder
            let files = ((try? manager.contentsOfDirectory(atPath: path)) ?? []).sorted()
            for file in files where file.hasSuffix(".mustache") {
                let key = folder + "/" + String(file.dropLast(".mustache".count))
                let filePath = path + "/" + file
                guard let data = manager.contents(atPath: filePath) else {
                    parseProblems[key] = TemplateProblem(file: filePath, message: "cannot read the file")
                    continue
                }
                guard data.count <= Self.maximumBytes else {
                    parseProblems[key] = TemplateProblem(file: filePath, message: "larger than \(Self.maximumBytes / 1024) KB")
                    continue
                }
                guard let source = String(validating: data, as: UTF8.self) else {
                    parseProblems[key] = TemplateProblem(file: filePath, message: "not valid UTF-8")
                    continue
                }
                add(key: key, file: filePath, source: source)
            }
        }
    }

    /// Templates given as text, keyed like `email/NAME.subject` (for tests).
    public init(templates: [String: String], directory: String = "templates") {
        _ = JSONContentType.registered
        self.directory = directory
        for (key, source) in templates.sorted(by: { $0.key < $1.key }) {
            add(key: key, file: "\(directory)/\(key).mustache", source: source)
        }
    }

    /// The largest template file read, in bytes.
    static let maximumBytes = 1024 * 1024
    /// The deepest nesting of sections a template may have.
    static let maximumSectionDepth = 32

    private mutating func add(key: String, file: String, source: String) {
        if let problem = Self.shapeProblem(key: key, source: source) {
            parseProblems[key] = TemplateProblem(file: file, line: problem.line, message: problem.message)
            return
        }
        let pragma: String
        switch key.split(separator: ".").last.map(String.init) {
        case "html": pragma = ""
        case "json": pragma = "{{% CONTENT_TYPE: JSON}}"
        default: pragma = "{{% CONTENT_TYPE: TEXT}}"
        }
        do {
            let template = try MustacheTemplate(string: pragma + source)
            templates[key] = Loaded(template: template, file: file, source: source)
        } catch let error as MustacheTemplate.ParserError {
            let line = error.context.lineNumber
            let column = error.context.columnNumber - (line == 1 ? pragma.count : 0)
            parseProblems[key] = TemplateProblem(
                file: file, line: line, column: max(1, column), message: "template syntax: \(Self.describe(error.error))")
        } catch {
            parseProblems[key] = TemplateProblem(file: file, message: "template syntax: \(error)")
        }
    }

    /// What the parser is not asked to find: a subject on more than one line (it would break the
    /// header), and sections nested deeper than `maximumSectionDepth` (counted over `{{#`, `{{^`
    /// and `{{/` tags, before any set-delimiter tag).
    static func shapeProblem(key: String, source: String) -> (line: Int?, message: String)? {
        if key.hasSuffix(".subject"), source.trimmingCharacters(in: .newlines).contains(where: \.isNewline) {
            return (nil, "a subject template must be one line")
        }
        var depth = 0
        var line = 1
        let bytes = Array(source.utf8)
        var index = 0
        while index + 2 < bytes.count {
            if bytes[index] == UInt8(ascii: "\n") { line += 1 }
            if bytes[index] == UInt8(ascii: "{"), bytes[index + 1] == UInt8(ascii: "{") {
                switch bytes[index + 2] {
                case UInt8(ascii: "#"), UInt8(ascii: "^"): depth += 1
                case UInt8(ascii: "/"): depth -= 1
                case UInt8(ascii: "="): return nil
                default: break
                }
                if depth > maximumSectionDepth {
                    return (line, "sections nested more than \(maximumSectionDepth) deep")
                }
                index += 2
            }
            index += 1
        }
        return nil
    }

    /// Whether a template with this key exists (parsed or not).
    func has(_ key: String) -> Bool { templates[key] != nil || parseProblems[key] != nil }

    /// Renders the template `key` strictly.
    func render(_ key: String, context: TemplateContext) throws(TemplateProblem) -> String {
        if let problem = parseProblems[key] { throw problem }
        guard let loaded = templates[key] else {
            throw TemplateProblem(file: "\(directory)/\(key).mustache", message: "no such template")
        }
        let text = loaded.template.render(context.root)
        if let missing = context.misses.variables.first {
            throw TemplateProblem(
                file: loaded.file, line: Self.line(of: missing, in: loaded.source),
                message: "{{\(missing)}} has no value for this send")
        }
        return text
    }

    /// The templates a rule's `send CHANNEL "NAME"` needs, rendered against a sample context:
    /// every parse error, unknown name and (for JSON) invalid output. Missing templates are the
    /// rule checker's business and are not reported here.
    public func check(channel: Channel, name: String, rule: String) -> [TemplateProblem] {
        let keys: [String]
        switch channel {
        case .email: keys = ["email/\(name).subject", "email/\(name).text", "email/\(name).html"]
        case .letter: keys = ["letter/\(name).html"]
        case .webhook: keys = ["webhook/\(name).json"]
        }
        var problems: [TemplateProblem] = []
        for key in keys where has(key) {
            if let problem = parseProblems[key] {
                problems.append(problem)
                continue
            }
            guard let loaded = templates[key] else { continue }
            let context = TemplateContext.sample(channel: channel, rule: rule)
            let output = loaded.template.render(context.root)
            for miss in context.misses.lookups {
                var message = "unknown variable '\(miss.path)'"
                if let suggestion = miss.suggestion { message += " (did you mean '\(suggestion)'?)" }
                problems.append(TemplateProblem(file: loaded.file, line: Self.line(of: miss.path, in: loaded.source), message: message))
            }
            if key.hasSuffix(".json"), context.misses.lookups.isEmpty,
               (try? JSONSerialization.jsonObject(with: Data(output.utf8), options: [.fragmentsAllowed])) == nil {
                problems.append(TemplateProblem(file: loaded.file, message: "does not render valid JSON"))
            }
        }
        return problems
    }

    /// The first line whose tags mention `path`, for messages.
    static func line(of path: String, in source: String) -> Int? {
        let last = path.split(separator: ".").last.map(String.init) ?? path
        let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
        for needle in [path, last] {
            for (index, line) in lines.enumerated() where line.contains("{{") && line.contains(needle) {
                return index + 1
            }
        }
        return nil
    }

    private static func describe(_ error: Error) -> String {
        switch error as? MustacheTemplate.Error {
        case .sectionCloseNameIncorrect: return "a section is closed with another name than it was opened"
        case .unfinishedName: return "unfinished tag"
        case .expectedSectionEnd: return "a section is not closed"
        case .invalidSetDelimiter: return "invalid set-delimiter tag"
        case .invalidConfigVariableSyntax, .unrecognisedConfigVariable: return "invalid pragma tag"
        default: return "\(error)"
        }
    }
}
