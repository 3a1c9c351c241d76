import GRDB

extension StoreError {
    /// `error` as `writeRefused` naming the store at `path` when it is SQLite saying the disk
    /// refused a write (full, read-only, I/O error, a -wal or -shm file it cannot open); any other
    /// error unchanged.
    public static func explaining(_ error: any Error, path: String, operation: String) -> any Error {
        guard let problem = diskProblem(of: error) else { return error }
        return StoreError.writeRefused(path: path, problem: problem, operation: operation)
    }

    /// What the disk said, when `error` is SQLite saying it refused a write; else nil.
    static func diskProblem(of error: any Error) -> DiskProblem? {
        let code: ResultCode
        if let error = error as? DatabaseError {
            code = error.resultCode
        } else if let error = error as? BulkStatementError {
            code = ResultCode(rawValue: error.code & 0xFF)
        } else {
            return nil
        }
        return switch code {
        case .SQLITE_FULL: .full
        case .SQLITE_READONLY: .readOnly
        case .SQLITE_IOERR, .SQLITE_CANTOPEN: .ioError
        default: nil
        }
    }
}

extension CustomerStore {
    /// Runs `body`, naming this store in a write the disk refused (`StoreError.explaining`).
    public func explainingErrors<T>(_ operation: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            throw StoreError.explaining(error, path: path, operation: operation)
        }
    }

    /// `error` with this store named when the disk refused a write (`StoreError.explaining`).
    public func explaining(_ error: any Error, operation: String) -> any Error {
        StoreError.explaining(error, path: path, operation: operation)
    }
}
