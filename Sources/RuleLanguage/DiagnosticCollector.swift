/// Gathers diagnostics from every stage, capping errors per file so that a file of pure noise
/// (a megabyte of random bytes) produces a readable report instead of a million lines.
struct DiagnosticCollector {
    /// Errors reported per file before the rest are summarised in one line.
    static let errorLimitPerFile = 50

    private(set) var diagnostics: [Diagnostic] = []
    private var errorsPerFile: [ObjectIdentifier: Int] = [:]

    /// Every error reported, including those past the per-file limit.
    private(set) var errorCount = 0

    /// True once `file` has used up its error allowance; callers may stop work early.
    func isSaturated(_ file: SourceFile) -> Bool {
        (errorsPerFile[ObjectIdentifier(file)] ?? 0) >= Self.errorLimitPerFile
    }

    mutating func add(_ diagnostic: Diagnostic) {
        guard diagnostic.severity == .error else {
            diagnostics.append(diagnostic)
            return
        }
        errorCount += 1
        let key = ObjectIdentifier(diagnostic.file)
        let count = errorsPerFile[key, default: 0]
        errorsPerFile[key] = count + 1
        if count < Self.errorLimitPerFile {
            diagnostics.append(diagnostic)
        } else if count == Self.errorLimitPerFile {
            diagnostics.append(
                Diagnostic(
                    .error, "too many errors; the rest of this file was not reported", file: diagnostic.file,
                    range: nil))
        }
    }

    mutating func error(
        _ message: String, in file: SourceFile, at range: Range<Int>?, hint: String? = nil,
        notes: [Diagnostic.Note] = []
    ) {
        add(Diagnostic(.error, message, file: file, range: range, hint: hint, notes: notes))
    }

    mutating func warning(_ message: String, in file: SourceFile, at range: Range<Int>?, hint: String? = nil) {
        add(Diagnostic(.warning, message, file: file, range: range, hint: hint))
    }
}
