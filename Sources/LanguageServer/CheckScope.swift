/// What is checked together: every `*.rules` file directly inside a directory (as `check` does),
/// or a document with no file on disk (an unsaved buffer) alone.
enum CheckScope: Hashable {
    case directory(String)
    case single(uri: String)
}
