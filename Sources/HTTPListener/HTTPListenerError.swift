import CampaignConfig

/// The listener could not start: the address is taken or not this machine's.
public struct HTTPListenerError: Error, CustomStringConvertible {
    public let address: Config.HTTPListen
    public let reason: String
    public var description: String { "HTTP listener: cannot listen on \(address.description): \(reason)" }
}
