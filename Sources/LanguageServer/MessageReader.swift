#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads LSP base-protocol messages (`Content-Length: N\r\n\r\n` + N bytes of JSON) from a file
/// descriptor, by hand.
///
/// A header block without a valid `Content-Length` is consumed and reported as `.malformed`, so
/// the server can answer with an error and read on; only the end of input ends the stream.
public struct MessageReader {
    public enum Event: Equatable {
        case message([UInt8])
        case malformed(String)
        case endOfInput
    }

    /// Larger bodies are refused (their bytes are then read as the next headers and refused too).
    static let maximumBodyLength = 256 << 20
    /// A header block longer than this without its blank line is refused.
    static let maximumHeaderLength = 8192

    private let descriptor: Int32
    private var buffer: [UInt8] = []
    private var start = 0
    private var ended = false

    public init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    /// The next message; blocks until one is complete or input ends.
    public mutating func next() -> Event {
        while true {
            if let event = takeBuffered() { return event }
            if ended {
                if start < buffer.count {
                    start = buffer.count
                    return .malformed("input ended inside a message")
                }
                return .endOfInput
            }
            fill()
        }
    }

    /// True when a message can be returned without blocking (buffered, or bytes waiting).
    public func hasPendingInput() -> Bool {
        if start < buffer.count || ended { return true }
        var descriptors = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        return poll(&descriptors, 1, 0) > 0
    }

    private mutating func fill() {
        if start > 0 && start >= buffer.count / 2 {
            buffer.removeFirst(start)
            start = 0
        }
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count > 0 {
            buffer.append(contentsOf: chunk[0..<count])
        } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
            ended = true
        }
    }

    /// A complete message (or a malformed header block) from the buffer, if there is one.
    private mutating func takeBuffered() -> Event? {
        guard let headerEnd = findHeaderEnd() else {
            if buffer.count - start > Self.maximumHeaderLength {
                start = buffer.count
                return .malformed("header longer than \(Self.maximumHeaderLength) bytes without a blank line")
            }
            return nil
        }
        let header = String(decoding: buffer[start..<headerEnd], as: UTF8.self)
        let bodyStart = headerEnd + 4
        var length: Int?
        for line in header.split(separator: "\r\n", omittingEmptySubsequences: true) {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0].trimmingSpaces.lowercased() == "content-length" else { continue }
            length = Int(parts[1].trimmingSpaces)
        }
        guard let length, length >= 0, length <= Self.maximumBodyLength else {
            start = bodyStart
            return .malformed("header without a valid Content-Length: \(String(header.prefix(80)).debugDescription)")
        }
        guard buffer.count - bodyStart >= length else { return nil }
        start = bodyStart + length
        return .message(Array(buffer[bodyStart..<start]))
    }

    private func findHeaderEnd() -> Int? {
        var index = start
        while index + 3 < buffer.count {
            if buffer[index] == 13 && buffer[index + 1] == 10 && buffer[index + 2] == 13 && buffer[index + 3] == 10 {
                return index
            }
            index += 1
        }
        return nil
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var text = self
        while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        return text
    }
}
