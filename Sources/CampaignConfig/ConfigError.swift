/// Why a config file could not be used; `problems` lists every problem found, each one line.
public struct ConfigError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var problems: [String]

    public var description: String {
        problems.map { ($0.first?.isNumber == true) ? "\(path):\($0)" : "\(path): \($0)" }.joined(separator: "\n")
    }
}
