import Mustache

/// A value a template can see: text, or an object of further values.
enum TemplateValue {
    case text(String)
    case object(TemplateNode)
}

/// An object in a template's context (`customer`, `facts`, …). Looking up a name it does not
/// have records the miss in the render's `TemplateMisses` and yields a `MissingTemplateValue`,
/// so a misspelt or absent variable is an error instead of a blank in a customer's letter.
struct TemplateNode: MustacheParent {
    var path: String
    var values: [String: TemplateValue]
    /// Any name is accepted (with a placeholder value): custom attributes in the sample context.
    var acceptsAnyName = false
    let misses: TemplateMisses

    func child(named name: String) -> Any? {
        if let value = values[name] {
            switch value {
            case .text(let text): return text
            case .object(let node): return node
            }
        }
        let fullPath = path.isEmpty ? name : "\(path).\(name)"
        if acceptsAnyName { return "[\(fullPath)]" }
        // Inside a section, an inner object is looked at first: let a top-level name climb to the root.
        if !path.isEmpty && TemplateContext.topLevelNames.contains(name) { return nil }
        misses.lookupMissed(fullPath, known: values.keys.map { path.isEmpty ? $0 : "\(path).\($0)" })
        return MissingTemplateValue(path: fullPath, misses: misses)
    }
}

/// What a lookup of an unknown or absent name gives: false in a section, and an error (recorded,
/// rendered as nothing) as a variable.
struct MissingTemplateValue: MustacheParent, MustacheCustomRenderable, MustacheTransformable {
    let path: String
    let misses: TemplateMisses

    func child(named name: String) -> Any? { MissingTemplateValue(path: "\(path).\(name)", misses: misses) }
    func transform(_ name: String) -> Any? { self }
    var isNull: Bool { true }
    var renderText: String {
        misses.variableMissing(path)
        return ""
    }
}

/// The misses of one render.
final class TemplateMisses {
    /// Every name looked up and not found (sections included), with a close known name if any.
    private(set) var lookups: [(path: String, suggestion: String?)] = []
    /// Variables that rendered as nothing because they had no value.
    private(set) var variables: [String] = []

    func lookupMissed(_ path: String, known: [String]) {
        guard !lookups.contains(where: { $0.path == path }) else { return }
        lookups.append((path, TemplateContext.suggestion(for: path, among: known)))
    }

    func variableMissing(_ path: String) {
        if !variables.contains(path) { variables.append(path) }
    }
}
