import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Closes a connection whose request is not read whole in time, or whose body is too large.
///
/// A connection must deliver its first request, head and body, within `timeout` of opening;
/// each later request on a kept-alive connection within `timeout` of its head (the wait for that
/// head is Hummingbird's idle timeout). Bytes that trickle in do not extend the deadline, so a
/// slow client (slowloris) holds a connection for `timeout` at most. The deadline is lifted once
/// the request is read: answering it is not the client's time. A body longer than `maximumBody`
/// (by `Content-Length` or as it arrives) closes the connection without reading the rest.
///
/// Sits after the HTTP decoder, before Hummingbird's request handling, on the channel's event
/// loop (one instance per connection).
final class RequestDeadlineHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    let timeout: TimeAmount
    let maximumBody: Int
    /// Called on the event loop when a connection is closed for being slow or too large.
    let onClose: @Sendable (Reason) -> Void

    enum Reason { case timeout, bodyTooLarge }

    private var deadline: Scheduled<Void>?
    private var bodyBytes = 0
    private var closed = false

    init(timeout: TimeAmount, maximumBody: Int, onClose: @escaping @Sendable (Reason) -> Void = { _ in }) {
        self.timeout = timeout
        self.maximumBody = maximumBody
        self.onClose = onClose
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        disarm()
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closed else { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            bodyBytes = 0
            arm(context)
            if let length = head.headerFields[.contentLength].flatMap(Int.init), length > maximumBody {
                return close(context, .bodyTooLarge)
            }
        case .body(let buffer):
            bodyBytes += buffer.readableBytes
            if bodyBytes > maximumBody { return close(context, .bodyTooLarge) }
        case .end:
            disarm()
        }
        context.fireChannelRead(data)
    }

    private func arm(_ context: ChannelHandlerContext) {
        guard deadline == nil, !closed else { return }
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
            deadline = nil
            close(context, .timeout)
        }
    }

    private func disarm() {
        deadline?.cancel()
        deadline = nil
    }

    private func close(_ context: ChannelHandlerContext, _ reason: Reason) {
        guard !closed else { return }
        closed = true
        disarm()
        onClose(reason)
        context.close(promise: nil)
    }
}
