/// Why a rule file was not formatted.
public enum RuleFormatError: Error, CustomStringConvertible {
    /// The file has syntax errors (the same diagnostics `check` prints); nothing is formatted.
    case syntax(file: String, diagnostics: [Diagnostic])
    /// The formatter could not lay the file out without changing its meaning (a formatter bug);
    /// the file is left as it is.
    case unchanged(file: String)

    /// The syntax errors, empty for `.unchanged`.
    public var diagnostics: [Diagnostic] {
        if case .syntax(_, let diagnostics) = self { diagnostics } else { [] }
    }

    public var description: String {
        switch self {
        case .syntax(let file, let diagnostics):
            let count = diagnostics.count
            return "\(file): \(count) syntax error\(count == 1 ? "" : "s"); not formatted (fix them first, see 'campaignd check')"
        case .unchanged(let file):
            return "\(file): the formatter would change its meaning; left unchanged (please report this file)"
        }
    }
}
