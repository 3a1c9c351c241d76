/// What an import did.
public struct ImportSummary: Sendable, Equatable {
    /// Data rows read from the file.
    public var rows = 0
    /// Rows that added or changed something in the store.
    public var written = 0
    /// Rows identical to what the store already held.
    public var unchanged = 0
    /// Rows rejected (reported as problems).
    public var invalid = 0
    /// Whether the rows went the bulk way (`ImportPath`).
    public var bulk = false

    public init() {}
}

/// How far an import has come, for progress reports.
public struct ImportProgress: Sendable {
    public var rows: Int
    public var bytesRead: Int
    public var fileSize: Int

    public init(rows: Int, bytesRead: Int, fileSize: Int) {
        self.rows = rows
        self.bytesRead = bytesRead
        self.fileSize = fileSize
    }
}

/// An atomic import found bad rows, so nothing was written.
public struct ImportFailed: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var invalidRows: Int

    public init(file: String, invalidRows: Int) {
        self.file = file
        self.invalidRows = invalidRows
    }

    public var description: String {
        "\(file): \(invalidRows) invalid row\(invalidRows == 1 ? "" : "s"); nothing was imported (use --skip-invalid to import the good rows)"
    }
}

/// The store refused a row that had passed validation, which rolled the whole import back.
public struct ImportAborted: Error, Sendable, CustomStringConvertible {
    public var problem: ImportProblem
    public var description: String { "\(problem); the import was rolled back, nothing was imported" }
}
