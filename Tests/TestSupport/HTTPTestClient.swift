import CurlClient
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Plain HTTP requests to the listener under test: GET through URLSession, POST through the
/// project's libcurl client (which keeps connections open, for floods).
public struct HTTPTestClient: Sendable {
    let curl: CurlClient

    public init(connections: Int = 4) {
        curl = CurlClient(connections: connections, name: "test-http")
    }

    public struct Reply: Sendable {
        public let status: Int
        public let body: String
        public let headers: [String: String]
    }

    public func get(_ url: String) async throws -> Reply {
        let (data, response) = try await URLSession.shared.data(from: URL(string: url)!)
        let http = response as! HTTPURLResponse
        var headers: [String: String] = [:]
        for (key, value) in http.allHeaderFields { headers["\(key)".lowercased()] = "\(value)" }
        return Reply(status: http.statusCode, body: String(decoding: data, as: UTF8.self), headers: headers)
    }

    public func post(_ url: String, body: String = "List-Unsubscribe=One-Click") async -> Reply {
        let response = await curl.perform(CurlRequest(
            url: url,
            payload: .httpPost(body: Array(body.utf8), headers: ["Content-Type: application/x-www-form-urlencoded"]),
            operation: "test POST", timeout: .seconds(30)))
        var headers: [String: String] = [:]
        for header in response.headers { headers[header.name.lowercased()] = header.value }
        return Reply(status: response.code, body: String(decoding: response.body, as: UTF8.self), headers: headers)
    }

    /// Sends `count` forged one-click unsubscribe POSTs to `base`, `parallel` at a time: every
    /// third `forged` (a genuine token with its last characters cut, so it is verified and
    /// rejected) with a digit added, the others no token at all; the status codes seen.
    public func floodUnsubscribe(base: String, count: Int, parallel: Int, forged: String) async -> [Int: Int] {
        await withTaskGroup(of: Int.self) { group in
            var statuses: [Int: Int] = [:]
            var sent = 0
            func add() {
                let index = sent
                sent += 1
                let url = index % 3 == 0 ? "\(base)/unsubscribe/\(forged)\(index % 10)" : "\(base)/unsubscribe/bad.\(index)"
                group.addTask { await post(url).status }
            }
            while sent < min(parallel, count) { add() }
            for await status in group {
                statuses[status, default: 0] += 1
                if sent < count { add() }
            }
            return statuses
        }
    }
}
