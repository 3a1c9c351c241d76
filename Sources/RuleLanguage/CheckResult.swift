/// The outcome of checking rule files: every diagnostic, and the rule set when there were no errors.
public struct CheckResult: Sendable {
    /// Nil when any error was found; warnings alone still produce a rule set.
    public let ruleSet: RuleSet?
    /// Errors and warnings in file order (files sorted by name), then position.
    public let diagnostics: [Diagnostic]

    public var errorCount: Int { diagnostics.count { $0.severity == .error } }
    public var warningCount: Int { diagnostics.count { $0.severity == .warning } }
}
