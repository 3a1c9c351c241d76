import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A small filesystem the test mounts itself (the tests run as root): a tmpfs to run a store out
/// of space (`fill` takes every free byte, `free` gives them back), or an ext4 image on a loop
/// device mounted `errors=remount-ro` that `turnReadOnly` makes read-only the way a disk error
/// does, with the store's files open. Call `unmount` in a `defer`.
public final class SmallDisk: Sendable {
    public let path: String
    /// The ext4 image, or nil for a tmpfs.
    let image: String?
    private var filler: String { "\(path)/filler" }

    /// Mounts a tmpfs (or with `ext4`, an ext4 image) of `megabytes` on a new temporary
    /// directory; throws when it cannot (a test that needs it then fails, it does not skip).
    public init(megabytes: Int = 16, ext4: Bool = false) throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("campaignd-disk-\(UUID().uuidString)").path
        path = base + "/mnt"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        if ext4 {
            let image = base + "/disk.img"
            self.image = image
            try Self.run("/usr/bin/truncate", "-s", "\(megabytes)M", image)
            try Self.run("/usr/sbin/mkfs.ext4", "-q", "-F", image)
            try Self.run("/usr/bin/mount", "-o", "loop,errors=remount-ro", image, path)
        } else {
            image = nil
            try Self.run("/usr/bin/mount", "-t", "tmpfs", "-o", "size=\(megabytes)m,mode=0755", "tmpfs", path)
        }
    }

    /// Makes an ext4 disk read-only as the kernel does after an error (`trigger_fs_error`).
    public func turnReadOnly() throws {
        guard image != nil else { throw DiskError("turnReadOnly needs an ext4 SmallDisk") }
        let source = try Self.output("/usr/bin/findmnt", "-no", "SOURCE", path)
        let device = URL(fileURLWithPath: source.trimmingCharacters(in: .whitespacesAndNewlines)).lastPathComponent
        try "1\n".write(toFile: "/sys/fs/ext4/\(device)/trigger_fs_error", atomically: false, encoding: .utf8)
    }

    /// Writes a filler file until the filesystem says it is full.
    public func fill() throws {
        let descriptor = open(filler, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        guard descriptor >= 0 else { throw DiskError("open \(filler): errno \(errno)") }
        defer { close(descriptor) }
        let chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let written = chunk.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                guard errno == ENOSPC else { throw DiskError("write \(filler): errno \(errno)") }
                return
            }
        }
    }

    /// Removes the filler: the space is back.
    public func free() throws {
        try FileManager.default.removeItem(atPath: filler)
    }

    /// Unmounts (lazily, so open files do not stop it) and removes the directory and image.
    public func unmount() {
        try? Self.run("/usr/bin/umount", "-l", path)
        try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path)
    }

    struct DiskError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    private static func run(_ tool: String, _ arguments: String...) throws {
        _ = try output(tool, arguments)
    }

    private static func output(_ tool: String, _ arguments: String...) throws -> String {
        try output(tool, arguments)
    }

    private static func output(_ tool: String, _ arguments: [String]) throws -> String {
        let result = try ChildProcess.run(URL(fileURLWithPath: tool), arguments)
        guard result.status == 0 else {
            throw DiskError("\(tool) \(arguments.joined(separator: " ")): \(result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return result.stdout
    }
}
