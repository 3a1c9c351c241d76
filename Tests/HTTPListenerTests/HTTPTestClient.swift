import CurlClient
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Plain HTTP requests to the listener under test: GET through URLSession, POST through the
/// project's libcurl client (which keeps connections open, for floods).
struct HTTPTestClient {
    let curl: CurlClient

    init(connections: Int = 4) {
        curl = CurlClient(connections: connections, name: "test-http")
    }

    struct Reply {
        let status: Int
        let body: String
        let headers: [String: String]
    }

    func get(_ url: String) async throws -> Reply {
        let (data, response) = try await URLSession.shared.data(from: URL(string: url)!)
        let http = response as! HTTPURLResponse
        var headers: [String: String] = [:]
        for (key, value) in http.allHeaderFields { headers["\(key)".lowercased()] = "\(value)" }
        return Reply(status: http.statusCode, body: String(decoding: data, as: UTF8.self), headers: headers)
    }

    func post(_ url: String, body: String = "List-Unsubscribe=One-Click") async -> Reply {
        let response = await curl.perform(CurlRequest(
            url: url,
            payload: .httpPost(body: Array(body.utf8), headers: ["Content-Type: application/x-www-form-urlencoded"]),
            operation: "test POST", timeout: .seconds(30)))
        var headers: [String: String] = [:]
        for header in response.headers { headers[header.name.lowercased()] = header.value }
        return Reply(status: response.code, body: String(decoding: response.body, as: UTF8.self), headers: headers)
    }
}
