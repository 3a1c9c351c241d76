import ArgumentParser
import CustomerStore
import Foundation

/// A command that failed: printed as one clear line (and an optional hint), exit status 1.
struct CommandFailure: Error, CustomStringConvertible {
    var message: String
    var hint: String?

    init(_ message: String, hint: String? = nil) {
        self.message = message
        self.hint = hint
    }

    var description: String { message }
}

/// Runs `body`, turning any error into a `CommandFailure` line on stderr and exit status 1,
/// never a stack trace.
func failingCleanly<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as ExitCode {
        throw error
    } catch let error as CleanExit {
        throw error
    } catch let failure as CommandFailure {
        printError(failure.message)
        if let hint = failure.hint { printError("hint: \(hint)") }
        throw ExitCode.failure
    } catch let error as StoreError {
        printError(error.description)
        if let hint = error.hint { printError("hint: \(hint)") }
        throw ExitCode.failure
    } catch {
        printError("\(error)")
        throw ExitCode.failure
    }
}

/// Writes one line to stderr, prefixed with `campaignd: `.
func printError(_ line: String) {
    FileHandle.standardError.write(Data("campaignd: \(line)\n".utf8))
}
