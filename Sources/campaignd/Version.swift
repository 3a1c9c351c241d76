import BuildInfo

/// What `campaignd --version` prints: the release and the commit the binary was built from.
enum Version {
    /// The release; the Debian package takes its version from here (scripts/package).
    static let release = "0.1.0"

    /// The commit stamped by scripts/stamp-commit at build time, or "unknown".
    static var commit: String { String(cString: campaignd_build_commit()) }

    /// `campaignd 0.1.0 (commit 1a2b3c4d5e6f)`.
    static var line: String { "campaignd \(release) (commit \(commit))" }
}
