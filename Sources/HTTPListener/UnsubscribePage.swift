import CustomerStore
import HTTPTypes
import Hummingbird
import RuleLanguage

/// The small HTML pages of `/unsubscribe/{token}`: no scripts, no external resources, every
/// value escaped, never cached, no referrer (the link is the customer's token).
enum UnsubscribePage {
    /// The GET page: a button that posts `List-Unsubscribe=One-Click` to the same URL.
    case confirm(channel: Channel)
    /// After the POST, also for a repeated click and for an erased customer.
    case done(channel: Channel)
    case invalid
    case tooLarge
    case unavailable
    case notConfigured

    var response: Response {
        let (status, title, text, form): (HTTPResponse.Status, String, String, Bool) =
            switch self {
            case .confirm(let channel):
                (.ok, "Unsubscribe", "Stop receiving \(Self.noun(channel)) from us? Press the button to confirm.", true)
            case .done(let channel):
                (.ok, "Unsubscribed", "You will not receive \(Self.noun(channel)) from us any more.", false)
            case .invalid:
                (.notFound, "Link not valid", "This unsubscribe link is not valid. Please use the link from the message exactly as it is.", false)
            case .tooLarge: (.contentTooLarge, "Request too large", "This request is not an unsubscribe request.", false)
            case .unavailable: (.serviceUnavailable, "Please try again", "Your request could not be saved just now. Please try again in a minute.", false)
            case .notConfigured: (.notFound, "Not available", "Unsubscribe links are not set up here.", false)
            }
        let button = form
            ? """
              <form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click">\
              <button type="submit">Unsubscribe</button></form>
              """
            : ""
        let html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="robots" content="noindex"><title>\(HTMLText.escape(title))</title>
            <style>body{font-family:sans-serif;max-width:32em;margin:3em auto;padding:0 1em}button{font-size:1.1em;padding:.5em 1.5em}</style>
            </head><body><h1>\(HTMLText.escape(title))</h1><p>\(HTMLText.escape(text))</p>\(button)</body></html>

            """
        return Response(
            status: status,
            headers: [
                .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
                HTTPField.Name("Referrer-Policy")!: "no-referrer", HTTPField.Name("X-Content-Type-Options")!: "nosniff",
            ],
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    static func noun(_ channel: Channel) -> String {
        switch channel {
        case .email: "email"
        case .letter: "letters"
        case .webhook: "messages"
        }
    }
}
