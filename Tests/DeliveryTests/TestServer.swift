import Foundation
import Testing

/// A Python test server from `Servers/`, started on 127.0.0.1 for one test and stopped after.
/// A server that cannot start (python3 or a package missing) throws, so the test fails.
final class TestServer: @unchecked Sendable {
    let port: Int
    let log: URL
    private let process: Process
    private let input: Pipe

    struct StartFailure: Error, CustomStringConvertible {
        var description: String
    }

    init(_ script: String, arguments: [String] = []) throws {
        let servers = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Servers")
        log = FileManager.default.temporaryDirectory.appendingPathComponent("campaignd-server-\(UUID().uuidString).jsonl")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", servers.appendingPathComponent(script).path, log.path] + arguments
        let output = Pipe(), errors = Pipe()
        input = Pipe()
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

    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Every JSON line the server has recorded so far.
    func records() throws -> [[String: Any]] {
        let text = try String(contentsOf: log, encoding: .utf8)
        return try text.split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
    }
}
