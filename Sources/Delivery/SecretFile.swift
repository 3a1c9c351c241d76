import Foundation

/// Reads a secret named in the config: a file path, or `credential:NAME` for systemd's
/// `$CREDENTIALS_DIRECTORY/NAME`. Trailing whitespace (the file's final newline) is dropped.
/// Errors name the config key and the file, never the content. Public for the PostgreSQL
/// store's `password_file` (the executable reads it when connecting).
public enum SecretFile {
    public static func read(_ reference: String, key: String, environment: [String: String]) throws(ChannelSetupError) -> String {
        let path: String
        if reference.hasPrefix("credential:") {
            let name = String(reference.dropFirst("credential:".count))
            guard let directory = environment["CREDENTIALS_DIRECTORY"], !directory.isEmpty else {
                throw ChannelSetupError("'\(key)' names \(reference), but $CREDENTIALS_DIRECTORY is not set (systemd LoadCredential=)")
            }
            guard !name.isEmpty, !name.contains("/") else { throw ChannelSetupError("'\(key)': \"\(reference)\" is not a credential name") }
            path = directory + "/" + name
        } else {
            path = reference
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot read" : "no such file"
            throw ChannelSetupError("'\(key)': \(reason) \(path)")
        }
        var text = String(decoding: data, as: UTF8.self)
        while let last = text.last, last.isWhitespace { text.removeLast() }
        guard !text.isEmpty else { throw ChannelSetupError("'\(key)': \(path) is empty") }
        return text
    }
}
