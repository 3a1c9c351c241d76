import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Replaces a file's contents atomically: a temporary file beside it (same permissions), synced,
/// then renamed over it. A crash leaves the old file or the new one, never half of either.
enum RuleFileWriter {
    static func replace(_ path: String, with text: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let base = (path as NSString).lastPathComponent
        var template = Array(((directory.isEmpty ? "." : directory) + "/." + base + ".fmt-XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { throw failure("create a temporary file beside \(path)") }
        let temporary = String(cString: template)
        var info = stat()
        if stat(path, &info) == 0 { fchmod(descriptor, info.st_mode & 0o7777) }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else {
                let error = failure("write \(temporary)")
                close(descriptor)
                unlink(temporary)
                throw error
            }
            written += count
        }
        guard fsync(descriptor) == 0 else {
            let error = failure("sync \(temporary)")
            close(descriptor)
            unlink(temporary)
            throw error
        }
        close(descriptor)
        guard rename(temporary, path) == 0 else {
            let error = failure("replace \(path)")
            unlink(temporary)
            throw error
        }
    }

    private static func failure(_ operation: String) -> CommandFailure {
        CommandFailure("\(operation): \(String(cString: strerror(errno)))")
    }
}
