import Foundation
import Logging

extension HTTPListener {
    /// Files kept for the rest of the daemon beside the listener's sockets: the store, channel
    /// connections, logs.
    static let reservedFiles = 256

    /// How many connections the listener may keep open: `wanted`, or fewer when the process's
    /// open-file limit cannot hold that many sockets beside `reservedFiles`. Raises the soft limit
    /// towards the hard one first when it is too low (systemd's defaults are 1024 and 524288;
    /// glibc raises it with `prlimit64`, which the shipped unit's system-call filter allows).
    /// Past the limit, accepting fails and the server backs off, which stalls every client:
    /// an explicit, smaller cap keeps the listener answering.
    static func connectionLimit(wanted: Int, logger: Logger) -> Int {
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return wanted }
        let needed = rlim_t(wanted + reservedFiles)
        if limit.rlim_cur != Self.unlimited, limit.rlim_cur < needed {
            var raised = limit
            raised.rlim_cur = limit.rlim_max == Self.unlimited ? needed : min(needed, limit.rlim_max)
            if setrlimit(resource, &raised) == 0 { limit = raised }
        }
        guard limit.rlim_cur != Self.unlimited, limit.rlim_cur < needed else { return wanted }
        let allowed = max(1, Int(limit.rlim_cur) - reservedFiles)
        logger.warning(
            "the open-file limit holds fewer connections than http.max_connections: serving at most \(allowed) at once (raise LimitNOFILE=)",
            metadata: ["http.max_connections": "\(wanted)", "process.open_file_limit": "\(limit.rlim_cur)"])
        return allowed
    }

    /// `RLIM_INFINITY`, which Swift does not import (a cast macro).
    private static let unlimited = rlim_t.max

    #if canImport(Glibc)
        private static let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
        private static let resource = RLIMIT_NOFILE
    #endif
}
