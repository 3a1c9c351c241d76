import Foundation
import Hummingbird
import Unsubscribe

/// `GET /unsubscribe/{token}`: a small page with a button; `POST /unsubscribe/{token}`: the
/// withdrawal (RFC 8058: mail clients post `List-Unsubscribe=One-Click`; the page's button posts
/// the same). A forged or altered token answers 404 and writes nothing; a genuine one answers
/// the same confirmation however often it is used, and for customers since erased.
struct UnsubscribeRoutes {
    let unsubscriber: Unsubscriber?

    /// A one-click body is 26 bytes; anything much longer is not one.
    static let maximumBody = 1024

    /// The answer to a forged token, made once: a flood of them costs no page rendering.
    static let invalid = UnsubscribePage.invalid.response

    func add(to router: Router<BasicRequestContext>) {
        let path: RouterPath = "unsubscribe/:token"
        guard let unsubscriber else {
            router.on(path, method: .get) { _, _ in UnsubscribePage.notConfigured.response }
            router.on(path, method: .post) { _, _ in UnsubscribePage.notConfigured.response }
            return
        }
        router.get(path) { _, context in
            let token = context.parameters.get("token") ?? ""
            guard let (_, channel) = unsubscriber.verify(token) else { return Self.invalid }
            return UnsubscribePage.confirm(channel: channel).response
        }
        router.post(path) { request, context in
            var request = request
            // The body is not needed (any POST to a genuine link is the button), but it is read
            // whole, within a small limit, so the connection stays usable.
            do {
                _ = try await request.collectBody(upTo: Self.maximumBody)
            } catch {
                return UnsubscribePage.tooLarge.response
            }
            let token = context.parameters.get("token") ?? ""
            let result: UnsubscribeResult
            do {
                result = try await unsubscriber.unsubscribe(token, source: "one-click")
            } catch {
                context.logger.error("unsubscribe failed", metadata: ["unsubscribe.error": "\(error)"])
                return UnsubscribePage.unavailable.response
            }
            guard let channel = result.channel else { return Self.invalid }
            return UnsubscribePage.done(channel: channel).response
        }
    }
}
