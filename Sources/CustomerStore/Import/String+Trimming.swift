extension String {
    /// The string without leading and trailing spaces and tabs (fast, no Foundation bridging).
    var trimmingSpaces: String {
        let utf8 = self.utf8
        guard let first = utf8.first, let last = utf8.last,
              first == 0x20 || first == 0x09 || last == 0x20 || last == 0x09
        else { return self }
        guard let start = utf8.firstIndex(where: { $0 != 0x20 && $0 != 0x09 }),
              let end = utf8.lastIndex(where: { $0 != 0x20 && $0 != 0x09 })
        else { return "" }
        return String(self[start...end])
    }

    /// Decodes UTF-8 bytes, or returns nil when they are not valid UTF-8.
    init?(strictUTF8 bytes: [UInt8]) {
        guard let decoded = String(validating: bytes, as: UTF8.self) else { return nil }  // one pass, no repair
        self = decoded
    }
}
