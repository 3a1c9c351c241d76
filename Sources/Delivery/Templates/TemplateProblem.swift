/// A template that does not parse or render, with where: `templates/email/x.text.mustache:3: …`.
public struct TemplateProblem: Error, Sendable, Equatable, CustomStringConvertible {
    /// The template file, as given to `TemplateSet` (relative when the directory was).
    public var file: String
    /// 1-based line, when known.
    public var line: Int?
    public var column: Int?
    public var message: String

    public init(file: String, line: Int? = nil, column: Int? = nil, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    /// `file:line:column`, as far as known.
    public var location: String {
        var place = file
        if let line { place += ":\(line)" }
        if let line, line > 0, let column { place += ":\(column)" }
        return place
    }

    public var description: String { "\(location): \(message)" }
}
