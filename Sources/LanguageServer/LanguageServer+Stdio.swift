import Foundation

extension LanguageServer {
    /// Serves one client over two file descriptors until `exit` or the end of input; returns the
    /// exit status (0 after `shutdown` then `exit`, 1 otherwise).
    ///
    /// Diagnostics are published whenever no further message is waiting, so a request is never
    /// queued behind a check of the directory that a later keystroke would make stale.
    public func serve(input: Int32, output: Int32) -> Int32 {
        var reader = MessageReader(descriptor: input)
        let writer = MessageWriter(descriptor: output)
        while true {
            if !reader.hasPendingInput() {
                for message in publishPendingDiagnostics() { writer.send(message) }
            }
            switch reader.next() {
            case .endOfInput:
                return exitStatus ?? 1
            case .malformed(let description):
                writer.send(malformedMessage(description))
            case .message(let body):
                for reply in handle(body) { writer.send(reply) }
                if let exitStatus { return exitStatus }
            }
        }
    }
}
