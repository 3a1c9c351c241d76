/// One row of an import file, as text, with where each value stands in the file.
public struct ImportRecord: Sendable {
    /// The 1-based line on which the row starts.
    public var line: Int
    /// Column names, in the order of `values` (for CSV: the header row).
    public var names: [String]
    /// Each value as text; an empty string means "no value".
    public var values: [String]
    /// The 1-based column (in characters) at which each value starts on its line.
    public var columns: [Int]

    /// The value of the named column, or nil when the column is absent or empty.
    public func value(_ name: String) -> String? {
        guard let index = names.firstIndex(of: name), !values[index].isEmpty else { return nil }
        return values[index]
    }

    /// The column at which the named value starts, or 1 when it is absent.
    public func column(_ name: String) -> Int {
        names.firstIndex(of: name).map { columns[$0] } ?? 1
    }
}
