import CampaignConfig
import Delivery
import Foundation
import RuleLanguage

/// `ChannelBench webhook URL COUNT CONNECTIONS` or `ChannelBench email SMTP_URL COUNT CONNECTIONS`:
/// delivers COUNT messages through the real channel (templates, signing, MIME, libcurl) with
/// CONNECTIONS connections and 4×CONNECTIONS sends in flight, and prints one line of figures.
/// `ChannelBench body FILE` writes a sample default webhook payload (for the curl comparison).
/// Used by scripts/bench-channels; see docs/performance.md.
@main
struct ChannelBench {
    static func main() async throws {
        let arguments = CommandLine.arguments
        guard arguments.count >= 3 else {
            FileHandle.standardError.write(Data("usage: ChannelBench webhook|email URL COUNT CONNECTIONS | body FILE\n".utf8))
            exit(2)
        }
        if arguments[1] == "body" {
            try Data(sample(0, channel: .webhook, target: "bench").payload.utf8).write(to: URL(fileURLWithPath: arguments[2]))
            return
        }
        let kind = arguments[1], url = arguments[2]
        let count = Int(arguments[3]) ?? 10_000, connections = Int(arguments[4]) ?? 8
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("campaignd-bench-\(getpid())").path
        try write(directory, [
            "templates/email/bench.subject.mustache": "Tervetuloa takaisin, {{customer.name}}",
            "templates/email/bench.text.mustache": "Hei {{customer.first_name}},\n\nkoodisi {{send.coupon}}.\n\nPeru: {{send.unsubscribe_url}}\n",
            "templates/email/bench.html.mustache": "<p>Hei {{customer.first_name}}, koodisi <b>{{send.coupon}}</b>.</p>\n",
            "unsubscribe.key": "bench-unsubscribe-secret-0123456789",
            "bench.whsec": "whsec_YmVuY2gtd2ViaG9vay1zZWNyZXQtMDEyMzQ1Njc4OQ==",
        ])
        let channelJSON = kind == "email"
            ? """
              "email": {"mode": "live", "smtp_url": "\(url)", "from": "Kauppa <shop@example.com>", "connections": \(connections),
                        "unsubscribe_url": "https://shop.example/u", "unsubscribe_secret_file": "unsubscribe.key"}
              """
            : """
              "webhook": {"mode": "live", "connections": \(connections), "endpoints": {"bench": {"url": "\(url)", "secret_files": ["bench.whsec"]}}}
              """
        let config = try Config.parse(
            json: Data(#"{"templates": "templates", "channels": {\#(channelJSON)}}"#.utf8), path: "bench.json", baseDirectory: directory)
        let channels = try ChannelSet.make(config: config)
        let channel: Channel = kind == "email" ? .email : .webhook
        let deliver = channels.channel(for: channel)
        let window = connections * 4
        let started = ContinuousClock.now
        let (delivered, failures) = await withTaskGroup(of: DeliveryOutcome.self) { group in
            var next = 0, delivered = 0
            var failures: [String: Int] = [:]
            func record(_ outcome: DeliveryOutcome) {
                if case .delivered = outcome { delivered += 1 } else { failures["\(outcome)".prefix(120).description, default: 0] += 1 }
            }
            while next < min(window, count) {
                let message = sample(next, channel: channel, target: "bench").message
                group.addTask { await deliver.deliver(message) }
                next += 1
            }
            while let outcome = await group.next() {
                record(outcome)
                if next < count {
                    let message = sample(next, channel: channel, target: "bench").message
                    group.addTask { await deliver.deliver(message) }
                    next += 1
                }
            }
            return (delivered, failures)
        }
        let seconds = Double((ContinuousClock.now - started).components.attoseconds) / 1e18 + Double((ContinuousClock.now - started).components.seconds)
        print(String(format: "%@: %d delivered in %.2f s = %.0f/s with %d connections", kind, delivered, seconds, Double(delivered) / seconds, connections))
        for (reason, number) in failures.sorted(by: { $0.value > $1.value }) { print("  \(number) × \(reason)") }
        try? FileManager.default.removeItem(atPath: directory)
        if delivered != count { exit(1) }
    }

    static func sample(_ index: Int, channel: Channel, target: String) -> (message: OutboundMessage, payload: String) {
        let recipient = Recipient(
            customerID: Int64(index), externalID: "C-\(index)", name: index % 3 == 0 ? "Aino Äänekoski" : "Matti Öhman",
            email: "customer\(index)@example.com", street: "Kauppakatu \(index)", postalCode: "40100", city: "Jyväskylä",
            country: "FI", attributes: ["tier": "gold"])
        let message = OutboundMessage(
            sendID: String(format: "bench-%08d", index), rule: "winback-coupon", ruleHash: "0123456789abcdef",
            channel: channel, target: target, queuedAt: Date(), recipient: recipient,
            facts: ["orders": "\(index % 17)", "spent": "\(index % 1000).00", "days_since_last_purchase": "97"])
        let payload = #"{"data":{"customer":{"attributes":{"tier":"gold"},"city":"Jyväskylä","country":"FI","email":"customer0@example.com","id":"C-0","name":"Aino Äänekoski","postal_code":"40100","street":"Kauppakatu 0"},"endpoint":"bench","facts":{"days_since_last_purchase":"97","orders":"0","spent":"0.00"},"queued_at":"2026-11-25T12:00:00Z","rule":"winback-coupon","rule_hash":"0123456789abcdef","send_id":"bench-00000000"},"timestamp":"2026-11-25T12:00:00Z","type":"campaignd.send"}"#
        return (message, payload)
    }

    static func write(_ directory: String, _ files: [String: String]) throws {
        for (path, content) in files {
            let url = URL(fileURLWithPath: directory).appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try content.write(to: url, atomically: true, encoding: .utf8)
        }
    }
}
