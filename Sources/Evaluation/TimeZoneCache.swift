import Foundation
import Synchronization

/// `TimeZone(identifier:)` is slow and customers share a handful of zones: look each up once.
final class TimeZoneCache: Sendable {
    static let shared = TimeZoneCache()
    private let zones = Mutex<[String: TimeZone?]>([:])

    /// The zone named `identifier`, or nil when it is not a valid IANA name.
    func zone(_ identifier: String) -> TimeZone? {
        if let cached = zones.withLock({ $0[identifier] }) { return cached }
        let zone = TimeZone(identifier: identifier)
        zones.withLock { $0[identifier] = .some(zone) }
        return zone
    }

    /// The customer's zone, else `fallback` (missing or not a valid name).
    func zone(_ identifier: String?, fallback: TimeZone) -> TimeZone {
        guard let identifier, !identifier.isEmpty else { return fallback }
        return zone(identifier) ?? fallback
    }
}
