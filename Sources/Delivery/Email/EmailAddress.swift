/// A mailbox: an ASCII `local@domain` address, checked strictly enough that it can go into an
/// SMTP envelope and a header as it is (no CR, LF, NUL, spaces, angle brackets or quotes), and an
/// optional display name (any text; encoded when the header is written).
public struct EmailAddress: Sendable, Equatable {
    public let address: String
    public let displayName: String?

    /// nil when `address` is not a plain `local@domain` address.
    public init?(address: String, displayName: String? = nil) {
        guard Self.isValid(address) else { return nil }
        self.address = address
        let name = displayName.map(HeaderEncoding.sanitize)
        self.displayName = (name?.isEmpty ?? true) ? nil : name
    }

    /// `a@b.example` or `Name <a@b.example>` (the config's `from`).
    public init?(parsing text: String) {
        let text = text.trimmingCharacters(in: .whitespaces)
        if text.hasSuffix(">"), let open = text.lastIndex(of: "<") {
            var name = text[..<open].trimmingCharacters(in: .whitespaces)
            if name.count >= 2, name.hasPrefix("\""), name.hasSuffix("\"") { name = String(name.dropFirst().dropLast()) }
            self.init(address: String(text[text.index(after: open)..<text.index(before: text.endIndex)]),
                      displayName: name.isEmpty ? nil : name)
        } else {
            self.init(address: text)
        }
    }

    /// The domain part.
    public var domain: String { String(address[address.index(after: address.lastIndex(of: "@")!)...]) }

    private static let atext: Set<UInt8> = Set(Array("!#$%&'*+-/=?^_`{|}~".utf8)).union(48...57).union(65...90).union(97...122)

    static func isValid(_ address: String) -> Bool {
        let bytes = Array(address.utf8)
        guard bytes.count <= 254, let at = bytes.lastIndex(of: UInt8(ascii: "@")) else { return false }
        let local = bytes[..<at], domain = bytes[(at + 1)...]
        guard !local.isEmpty, local.count <= 64, !domain.isEmpty else { return false }
        // Local part: a dot-atom.
        let localParts = local.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard localParts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { atext.contains($0) } }) else { return false }
        // Domain: letters, digits and hyphens in dot-separated labels.
        let labels = domain.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        return labels.allSatisfy { label in
            !label.isEmpty && label.count <= 63 && label.first != UInt8(ascii: "-") && label.last != UInt8(ascii: "-")
                && label.allSatisfy { (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) || $0 == UInt8(ascii: "-") }
        }
    }
}
