/// A problem found in a rule file: where, how bad, a short message, and an optional hint.
///
/// The hint is printed under the caret (`did you mean 'orders'?`); notes point at related places,
/// such as the first definition of a duplicate name.
public struct Diagnostic: Sendable {
    public enum Severity: String, Sendable {
        case error, warning, note
    }

    /// A related place, printed after the diagnostic as `file:line:col: note: message`.
    public struct Note: Sendable {
        public let message: String
        public let file: SourceFile
        public let range: Range<Int>

        public init(_ message: String, file: SourceFile, range: Range<Int>) {
            self.message = message
            self.file = file
            self.range = range
        }
    }

    public let severity: Severity
    public let message: String
    public let file: SourceFile
    /// Byte range in `file`; nil for problems with the file as a whole (e.g. it cannot be read).
    public let range: Range<Int>?
    public let hint: String?
    public let notes: [Note]

    public init(
        _ severity: Severity, _ message: String, file: SourceFile, range: Range<Int>?,
        hint: String? = nil, notes: [Note] = []
    ) {
        self.severity = severity
        self.message = message
        self.file = file
        self.range = range
        self.hint = hint
        self.notes = notes
    }

    /// `file:line:column` of the start of the range (or just the file name).
    public var locationDescription: String {
        guard let range else { return file.name }
        return "\(file.name):\(file.location(of: range.lowerBound))"
    }
}
