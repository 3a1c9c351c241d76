import Foundation

/// A Python test server (`Tests/DeliveryTests/Servers/*.py`), started on 127.0.0.1 for one test
/// and stopped after: by `stop()`, or when it is released.
///
/// The script gets the path of a JSON Lines log as its first argument and prints `READY <port>`
/// once it listens; every request or message it receives becomes one line of the log. A server
/// that cannot start (python3 or a package missing: run scripts/setup) throws, so the test fails.
public final class PythonServer: @unchecked Sendable {
    /// The folder with the servers' scripts.
    public static let servers = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("DeliveryTests/Servers")

    public let port: Int
    /// The server's record of what it received, one JSON object a line.
    public let log: URL
    private let process = Process()
    /// Held open: the servers exit when their standard input closes.
    private let input = Pipe()

    public struct StartFailure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Starts `script` (a file name in `servers`) with `arguments` after the log's path, and
    /// waits until it reports its port.
    public init(_ script: String, arguments: [String] = []) throws {
        log = FileManager.default.temporaryDirectory.appendingPathComponent("campaignd-server-\(UUID().uuidString).jsonl")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.servers.appendingPathComponent(script).path, log.path] + arguments
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = input
        try process.run()
        var text = ""
        while !text.contains("\n") {
            let data = output.fileHandleForReading.availableData
            if data.isEmpty { break }
            text += String(decoding: data, as: UTF8.self)
        }
        guard text.hasPrefix("READY "), let port = Int(text.dropFirst(6).prefix { $0.isNumber }) else {
            process.waitUntilExit()
            let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw StartFailure(description: "\(script) did not start (run scripts/setup): \(message)")
        }
        self.port = port
    }

    deinit { stop() }

    /// Kills the server and waits for it; does nothing when it has already stopped.
    public func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Every JSON line the server has recorded so far.
    public func records() throws -> [[String: Any]] {
        let text = try String(contentsOf: log, encoding: .utf8)
        return try text.split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
    }
}
