import Foundation

/// Conversions between `file://` URIs and paths.
enum DocumentURI {
    /// The path of a `file://` URI; nil for other schemes.
    static func path(of uri: String) -> String? {
        guard uri.hasPrefix("file://") else { return nil }
        if let url = URL(string: uri), url.isFileURL, !url.path.isEmpty { return url.standardizedFileURL.path }
        let rest = String(uri.dropFirst("file://".count))
        let path = rest.removingPercentEncoding ?? rest
        return path.hasPrefix("/") ? path : nil
    }

    /// The `file://` URI of an absolute path.
    static func uri(of path: String) -> String {
        URL(fileURLWithPath: path).absoluteString
    }

    /// The directory holding `path`.
    static func directory(of path: String) -> String {
        let directory = (path as NSString).deletingLastPathComponent
        return directory.isEmpty ? "/" : directory
    }
}
