import CurlClient
import Foundation

/// How an HTTP answer from a webhook receiver or the letters API becomes a `DeliveryOutcome`:
/// 2xx delivered; 429 and 5xx retried (honouring `Retry-After`); timeouts and connection errors
/// retried; redirects (never followed) and other 4xx permanent.
enum HTTPOutcome {
    static func classify(
        _ response: CurlResponse, host: String, receipt: (CurlResponse) -> String?, now: Date = Date()
    ) -> DeliveryOutcome {
        if let error = response.error {
            let permanentCodes = [1, 3]  // CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT
            if permanentCodes.contains(error.code) { return .permanent(reason: error.description, suppressAddress: false) }
            return .retry(reason: error.description, notBefore: nil)
        }
        let code = response.code
        switch code {
        case 200..<300:
            return .delivered(receipt: receipt(response) ?? "HTTP \(code)")
        case 300..<400:
            let location = response.header("Location").map { " to \(HeaderText.oneLine($0))" } ?? ""
            return .permanent(reason: "HTTP \(code) from \(host): redirect\(location) not followed", suppressAddress: false)
        case 429:
            return .retry(reason: "HTTP 429 from \(host): too many requests", notBefore: retryAfter(response, now: now))
        case 400..<500:
            return .permanent(reason: "HTTP \(code) from \(host)\(detail(response))", suppressAddress: false)
        default:
            return .retry(reason: "HTTP \(code) from \(host)\(detail(response))", notBefore: retryAfter(response, now: now))
        }
    }

    /// `Retry-After` as seconds from now: a number of seconds or an HTTP date.
    static func retryAfter(_ response: CurlResponse, now: Date) -> Double? {
        guard let value = response.header("Retry-After")?.trimmingCharacters(in: .whitespaces) else { return nil }
        if let seconds = Double(value), seconds >= 0 { return seconds }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: value) else { return nil }
        return max(0, date.timeIntervalSince(now))
    }

    /// A short excerpt of the response body, for the send log.
    private static func detail(_ response: CurlResponse) -> String {
        let text = HeaderText.oneLine(String(decoding: response.body.prefix(200), as: UTF8.self))
        return text.isEmpty ? "" : ": \(text)"
    }
}

/// Text from a remote party made safe for one log line.
enum HeaderText {
    static func oneLine(_ text: String) -> String { HeaderEncoding.sanitize(text) }
}
