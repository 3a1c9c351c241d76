/// Reading a rules directory failed before any file could be checked.
public struct RuleSetLoadError: Error, CustomStringConvertible, Sendable {
    public let description: String
}
