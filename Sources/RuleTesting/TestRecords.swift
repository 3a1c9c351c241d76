import CustomerStore
import Foundation
import RuleLanguage

/// A test's customers as import records (the columns of docs/store.md's import formats).
enum TestRecords {
    struct Dated {
        let at: Int64
        let kind: ImportKind
        let record: [String: String]
    }

    static func customer(_ customer: TestCustomer, id: String) -> [String: String] {
        var record = ["id": id]
        record["email"] = customer.email
        record["name"] = customer.fullName
        record["birthday"] = customer.birthday?.description
        record["time_zone"] = customer.timeZone
        if let address = customer.address, address.count == 4 {
            (record["street"], record["postal_code"], record["city"], record["country"]) = (address[0], address[1], address[2], address[3])
        }
        return record
    }

    /// Every dated record of `customers`, oldest first (file order among equal times).
    static func dated(_ customers: [TestCustomer], ids: [String: String], zone: TimeZone) -> [Dated] {
        var records: [Dated] = []
        for customer in customers {
            let id = ids[customer.name]!
            for consent in customer.consents {
                let at = consent.at.seconds(in: zone)
                records.append(Dated(at: at, kind: .consents, record: [
                    "customer": id, "channel": consent.value.channel, "status": consent.value.granted ? "granted" : "withdrawn",
                    "at": timestamp(at),
                ]))
            }
            for (index, purchase) in customer.purchases.enumerated() {
                let at = purchase.at.seconds(in: zone)
                records.append(Dated(at: at, kind: .purchases, record: [
                    "customer": id, "order": "\(id)-\(index + 1)", "at": timestamp(at), "amount": "\(purchase.value.amount)",
                ]))
            }
            for event in customer.events {
                let at = event.at.seconds(in: zone)
                records.append(Dated(at: at, kind: .events, record: ["customer": id, "name": event.value, "at": timestamp(at)]))
            }
            for answer in customer.feedback {
                let at = answer.at.seconds(in: zone)
                records.append(Dated(at: at, kind: .feedback, record: [
                    "customer": id, "kind": answer.value.kind, "score": String(answer.value.score), "at": timestamp(at),
                ]))
            }
        }
        return records.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
    }

    /// `2025-05-12T09:00:00Z`.
    static func timestamp(_ seconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")!
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }
}
