import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A throwaway PostgreSQL server for tests: Debian's `postgresql` binaries, a temporary data
/// directory, 127.0.0.1 on a free port, trust authentication for the user `campaignd`.
///
/// `initdb` and `pg_ctl` refuse root, so as root they run as the `postgres` user (`runuser`),
/// with the temporary directory handed to it. Readiness is `pg_ctl -w`. Child processes are
/// started with `posix_spawn` and reaped with `waitpid` (Foundation's `Process.waitUntilExit`
/// hung under parallel tests). One server is shared by a test process (`shared`), each test
/// taking a database of its own (`createDatabase()`); it is stopped and its directory removed
/// when the process exits, and a guard process does the same if the test process is killed.
/// A server that cannot start throws: the test fails, it never skips.
public final class PostgresServer: Sendable {
    public let port: Int
    public let host = "127.0.0.1"
    public let user = "campaignd"
    /// The temporary directory: `data/`, `server.log` and the socket.
    public let directory: String
    /// With TLS on (`init(tls: true)`): the PEM file of the test CA that signed the server's
    /// certificate (for `127.0.0.1` and `localhost`).
    public let caCertificate: String?
    private let binaries: String
    private let guardProcess: pid_t
    private let stopped = Mutex(false)

    public struct StartFailure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The server of this test process, started on first use and stopped at its exit.
    public static func shared() throws -> PostgresServer {
        try sharedServer.withLock { state in
            if let server = state.server { return server }
            if let failure = state.failure { throw failure }
            do {
                let server = try PostgresServer()
                state.server = server
                atexit { PostgresServer.stopShared() }
                return server
            } catch let failure as StartFailure {
                state.failure = failure
                throw failure
            }
        }
    }

    private static let sharedServer = Mutex<(server: PostgresServer?, failure: StartFailure?)>((nil, nil))

    private static func stopShared() {
        sharedServer.withLock { $0.server }?.stop()
    }

    /// Starts a new server (prefer `shared()`); with `tls`, one that also accepts TLS
    /// (`ssl=on`), its certificate signed by a CA made for it (`caCertificate`).
    public init(tls: Bool = false) throws {
        binaries = try Self.findBinaries()
        let asRoot = geteuid() == 0
        var template = Array("/tmp/campaignd-pg-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw StartFailure(description: "mkdtemp failed: \(errno)") }
        directory = String(cString: made)
        if asRoot {
            guard let account = getpwnam("postgres") else {
                throw StartFailure(description: "no postgres user (install postgresql-15: scripts/setup)")
            }
            _ = chown(directory, account.pointee.pw_uid, account.pointee.pw_gid)
        }
        let data = directory + "/data"
        caCertificate = tls ? directory + "/ca.crt" : nil
        do {
            let tlsOptions = tls ? try Self.makeCertificates(in: directory, asRoot: asRoot) : ""
            try Self.run(
                asRoot, "\(binaries)/initdb", ["-D", data, "-U", user, "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync"],
                log: directory + "/initdb.log")
            var lastError: Error?
            var started: Int?
            for _ in 0..<3 where started == nil {
                let candidate = try Self.freePort()
                // 1000 connections: Swift Testing starts every async test at once, and the suites
                // that run each test on both stores hold a pool per PostgreSQL store (200 ran out in
                // a whole `scripts/test`).
                let options =
                    "-p \(candidate) -k \(directory) -c listen_addresses=127.0.0.1 -c fsync=off "
                    + "-c synchronous_commit=off -c full_page_writes=off -c max_connections=1000" + tlsOptions
                do {
                    try Self.run(
                        asRoot, "\(binaries)/pg_ctl",
                        ["-D", data, "-l", directory + "/server.log", "-w", "-t", "60", "-o", options, "start"],
                        log: directory + "/pg_ctl.log")
                    started = candidate
                } catch {
                    lastError = error
                }
            }
            guard let started else { throw lastError ?? StartFailure(description: "pg_ctl start failed") }
            port = started
        } catch {
            let log = (try? String(contentsOfFile: directory + "/server.log", encoding: .utf8)) ?? ""
            try? FileManager.default.removeItem(atPath: directory)
            throw StartFailure(description: "PostgreSQL did not start: \(error) \(log.suffix(600))")
        }
        guardProcess = Self.startGuard(asRoot: asRoot, binaries: binaries, directory: directory)
    }

    deinit { stop() }

    /// Stops the server (`pg_ctl -m fast`) and removes its directory; idempotent.
    public func stop() {
        let first = stopped.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        try? Self.run(
            geteuid() == 0, "\(binaries)/pg_ctl", ["-D", directory + "/data", "-m", "fast", "-w", "stop"],
            log: "/dev/null")
        if guardProcess > 0 {
            kill(guardProcess, SIGKILL)
            var status: Int32 = 0
            waitpid(guardProcess, &status, 0)
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A new empty database for one test, with a unique name; with `icuLocale` (`en-US`), one
    /// that sorts text by that ICU locale's collation rather than the server's C order.
    public func createDatabase(icuLocale: String? = nil) throws -> String {
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let collation = icuLocale.map { " TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE '\($0)'" } ?? ""
        _ = try psql("CREATE DATABASE \(name)\(collation)", database: "postgres")
        return name
    }

    /// Runs SQL (one or more statements) through `psql` (unaligned, tuples only) and returns its
    /// output: every statement's rows.
    public func psql(_ sql: String, database: String) throws -> String {
        let name = directory + "/psql-\(UUID().uuidString)"
        let (input, output) = (name + ".sql", name + ".out")
        defer {
            unlink(input)
            unlink(output)
        }
        guard FileManager.default.createFile(atPath: input, contents: Data(sql.utf8)) else {
            throw StartFailure(description: "cannot write \(input)")
        }
        try Self.run(
            false, "\(binaries)/psql",
            ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", host, "-p", "\(port)", "-U", user, "-d", database, "-f", input],
            log: output)
        return (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
    }

    /// The plan PostgreSQL chooses for `sql` in `database` (`EXPLAIN`, in a transaction rolled
    /// back), its `?` placeholders replaced in order by `literals` (SQL text), one line each.
    public func explain(_ sql: String, literals: [String], database: String) throws -> [String] {
        var literals = literals[...]
        let statement = sql.split(separator: "?", omittingEmptySubsequences: false).enumerated().map { index, part in
            index == 0 ? String(part) : (literals.popFirst() ?? "?") + part
        }.joined()
        return try psql("BEGIN;\nEXPLAIN \(statement);\nROLLBACK", database: database).split(separator: "\n").map(String.init)
    }

    /// `postgres://campaignd@127.0.0.1:PORT/DATABASE`.
    public func url(database: String) -> String { "postgres://\(user)@\(host):\(port)/\(database)" }

    // MARK: - Processes

    /// A CA and a server certificate for 127.0.0.1 and localhost it signed (`openssl`), the
    /// key readable by the server's user only; returns the server's TLS options.
    private static func makeCertificates(in directory: String, asRoot: Bool) throws -> String {
        let openssl = "/usr/bin/openssl", log = directory + "/openssl.log"
        let names = directory + "/san.cnf"
        guard FileManager.default.createFile(atPath: names, contents: Data("subjectAltName=IP:127.0.0.1,DNS:localhost\n".utf8)) else {
            throw StartFailure(description: "cannot write \(names)")
        }
        let (ca, server) = (directory + "/ca", directory + "/server")
        try run(false, openssl, ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=campaignd test CA",
                                 "-keyout", ca + ".key", "-out", ca + ".crt"], log: log)
        try run(false, openssl, ["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
                                 "-keyout", server + ".key", "-out", server + ".csr"], log: log)
        try run(false, openssl, ["x509", "-req", "-in", server + ".csr", "-CA", ca + ".crt", "-CAkey", ca + ".key",
                                 "-CAcreateserial", "-days", "2", "-extfile", names, "-out", server + ".crt"], log: log)
        if asRoot, let account = getpwnam("postgres") {
            _ = chown(server + ".key", account.pointee.pw_uid, account.pointee.pw_gid)
        }
        _ = chmod(server + ".key", 0o600)
        return " -c ssl=on -c ssl_cert_file=\(server).crt -c ssl_key_file=\(server).key"
    }

    /// The newest `/usr/lib/postgresql/N/bin` (or `$CAMPAIGND_POSTGRES_BIN`) holding `pg_ctl`.
    private static func findBinaries() throws -> String {
        if let explicit = ProcessInfo.processInfo.environment["CAMPAIGND_POSTGRES_BIN"] { return explicit }
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted()
        for version in versions.reversed() where FileManager.default.isExecutableFile(atPath: "\(root)/\(version)/bin/pg_ctl") {
            return "\(root)/\(version)/bin"
        }
        throw StartFailure(description: "no PostgreSQL server in \(root)/*/bin (install postgresql-15: scripts/setup)")
    }

    /// A port nothing listens on at 127.0.0.1 now.
    private static func freePort() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw StartFailure(description: "socket failed: \(errno)") }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(socket, generic, length) == 0 && getsockname(socket, generic, &length) == 0
            }
        }
        guard bound else { throw StartFailure(description: "bind failed: \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Runs `program` (as `postgres` when `asPostgres`, from `/`), output to `log`, and waits.
    private static func run(_ asPostgres: Bool, _ program: String, _ arguments: [String], log: String) throws {
        let command = asPostgres ? ["/usr/sbin/runuser", "-u", "postgres", "--", program] : [program]
        let pid = try spawn(command + arguments, log: log)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw StartFailure(description: "waitpid failed: \(errno)") }
        }
        let exited = status & 0x7f == 0
        let code = (status >> 8) & 0xff
        guard exited && code == 0 else {
            let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw StartFailure(description: "\((program as NSString).lastPathComponent) failed (status \(status)): \(output.suffix(600))")
        }
    }

    /// Starts `argv` with `posix_spawn` in `/` (through `env -C /`: the `postgres` user may not
    /// read the test's working directory), standard input from /dev/null and output to `log`.
    private static func spawn(_ argv: [String], log: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let environment = ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C", "LC_ALL=C"]
        var pid: pid_t = 0
        let arguments = (["/usr/bin/env", "-C", "/"] + argv).map { strdup($0) } + [nil]
        let variables = environment.map { strdup($0) } + [nil]
        defer {
            arguments.forEach { free($0) }
            variables.forEach { free($0) }
        }
        let result = posix_spawn(&pid, "/usr/bin/env", &actions, nil, arguments, variables)
        guard result == 0 else { throw StartFailure(description: "cannot start \(argv[0]): \(String(cString: strerror(result)))") }
        return pid
    }

    /// A shell that stops the server and removes its directory once this process is gone (a
    /// test run killed with SIGKILL leaves no server behind).
    private static func startGuard(asRoot: Bool, binaries: String, directory: String) -> pid_t {
        let stop = (asRoot ? "/usr/sbin/runuser -u postgres -- " : "")
            + "\(binaries)/pg_ctl -D \(directory)/data -m immediate -w stop"
        let script = "while kill -0 \(getpid()) 2>/dev/null; do sleep 1; done; \(stop); rm -rf \(directory)"
        return (try? spawn(["/bin/sh", "-c", script], log: "/dev/null")) ?? 0
    }
}
