/// A bad row (or a bad file) found during import, located as `FILE:LINE:COLUMN`.
public struct ImportProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public var message: String
    /// Set when the row failed because the disk refused the write (full, read-only, I/O): not a
    /// bad row, so the import stops (`StoreError.writeRefused`) instead of counting it invalid.
    public var diskProblem: StoreError.DiskProblem?

    /// A message longer than 300 characters (one quoting a huge value) is cut in the middle.
    public init(file: String, line: Int, column: Int, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message.utf8.count > 300 ? "\(message.prefix(200))…\(message.suffix(100))" : message
    }

    public var description: String { "\(file):\(line):\(column): \(message)" }
}
