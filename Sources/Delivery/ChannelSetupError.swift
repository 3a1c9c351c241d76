/// Why the channels could not be set up from the config: every problem, one line each, naming
/// the config key and the file (never a secret's content).
public struct ChannelSetupError: Error, Sendable, CustomStringConvertible {
    public var problems: [String]

    public init(_ problem: String) { problems = [problem] }
    public init(problems: [String]) { self.problems = problems }

    public var description: String { problems.joined(separator: "\n") }
}
