import Foundation

/// Reads a file in large chunks and hands out its bytes one at a time, counting how many were read.
struct ByteReader {
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var position = 0
    private(set) var bytesConsumed = 0
    let fileSize: Int

    init(path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot read the file" : "no such file"
            throw ImportProblem(file: path, line: 1, column: 1, message: reason)
        }
        self.handle = handle
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        fileSize = (attributes?[.size] as? NSNumber)?.intValue ?? 0
    }

    /// The next byte, or nil at the end of the file.
    @inline(__always)
    mutating func next() -> UInt8? {
        if position == buffer.count {
            guard refill() else { return nil }
        }
        let byte = buffer[position]
        position += 1
        return byte
    }

    /// The byte `next()` would return, without consuming it.
    mutating func peek() -> UInt8? {
        if position == buffer.count {
            guard refill() else { return nil }
        }
        return buffer[position]
    }

    private mutating func refill() -> Bool {
        bytesConsumed += buffer.count
        guard let data = try? handle.read(upToCount: 1 << 20), !data.isEmpty else {
            buffer = []
            position = 0
            return false
        }
        buffer = [UInt8](data)
        position = 0
        return true
    }

    /// Skips a UTF-8 byte order mark at the start of the file.
    mutating func skipByteOrderMark() {
        guard peek() == 0xEF else { return }
        _ = next()
        if peek() == 0xBB { _ = next() }
        if peek() == 0xBF { _ = next() }
    }

    /// Bytes read so far, for progress reports.
    var offset: Int { bytesConsumed + position }
}
