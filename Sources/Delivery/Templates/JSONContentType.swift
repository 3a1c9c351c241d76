import Mustache
import RuleLanguage

/// Escapes values for the inside of a JSON string, for webhook templates: a customer's name
/// with quotes or newlines stays one JSON string.
struct JSONContentType: MustacheContentType {
    func escapeText(_ text: String) -> String { JSONString.escaped(text) }

    /// Registers the `JSON` content type with swift-mustache, once.
    static let registered: Void = { MustacheContentTypes.register(JSONContentType(), named: "JSON") }()
}
