import CustomerStore
import Delivery
import GRDB
import Synchronization

/// A channel that records every delivery and answers from a script (default: delivered).
public final class RecordingChannel: DeliveryChannel {
    public struct Delivery: Sendable {
        public let message: OutboundMessage
        /// The row's status in the send log while the channel held the message (nil without a store).
        public let statusDuringDelivery: String?
    }

    private let state = Mutex<(deliveries: [Delivery], script: [DeliveryOutcome])>(([], []))
    private let statusOf: (@Sendable (String) async -> String?)?
    private let delay: Duration

    /// - Parameters:
    ///   - store: when given, each delivery notes its row's status at that moment.
    ///   - script: outcomes to answer with, in order; `delivered` once it runs out.
    ///   - delay: how long each delivery takes, in real time.
    public convenience init(store: CustomerStore? = nil, script: [DeliveryOutcome] = [], delay: Duration = .zero) {
        var statusOf: (@Sendable (String) async -> String?)?
        if let store {
            statusOf = { sendID in
                let status = try? await store.inSnapshot { db in
                    try String.fetchOne(db, sql: "SELECT status FROM send WHERE send_id = ?", arguments: [sendID])
                }
                return status ?? nil
            }
        }
        self.init(statusOf: statusOf, script: script, delay: delay)
    }

    /// - Parameter statusOf: when given, each delivery notes what it says of its send id (the
    ///   row's status in whichever store the test dispatches from).
    public init(statusOf: (@Sendable (String) async -> String?)?, script: [DeliveryOutcome] = [], delay: Duration = .zero) {
        self.statusOf = statusOf
        self.delay = delay
        state.withLock { $0.script = script }
    }

    public var deliveries: [Delivery] { state.withLock { $0.deliveries } }

    /// The external ids delivered to, in order.
    public var recipients: [String] { deliveries.map(\.message.recipient.externalID) }

    public func deliver(_ message: OutboundMessage) async -> DeliveryOutcome {
        let status = await statusOf?(message.sendID)
        if delay > .zero { try? await Task.sleep(for: delay) }
        return state.withLock { state in
            state.deliveries.append(Delivery(message: message, statusDuringDelivery: status))
            return state.script.isEmpty ? .delivered(receipt: "250 OK") : state.script.removeFirst()
        }
    }
}
