import CCurl
import Foundation

/// A dedicated thread driving one libcurl multi handle with `curl_multi_poll`.
///
/// Tasks submit transfers under a lock and wake the thread with `curl_multi_wakeup`; the thread
/// keeps at most `maxActive` transfers running (so a transfer's timeout never counts time spent
/// queued), reuses easy handles, and lets the multi handle's connection cache reuse connections.
/// Nothing here blocks the Swift concurrency pool.
final class CurlMultiLoop: @unchecked Sendable {
    private let multi: UnsafeMutableRawPointer
    private let maxActive: Int
    private let lock = NSLock()
    // Guarded by `lock`.
    private var submitted: [CurlTransfer] = []
    private var stopping = false
    // Loop thread only.
    private var pending: [CurlTransfer] = []
    private var pendingHead = 0
    private var active: [UnsafeMutableRawPointer: CurlTransfer] = [:]
    private var idleHandles: [UnsafeMutableRawPointer] = []

    init(connections: Int, name: String) {
        CurlGlobal.initialize()
        multi = curl_multi_init()!
        maxActive = max(1, connections)
        _ = ccurl_multi_setopt_long(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, maxActive)
        _ = ccurl_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, maxActive)
        _ = ccurl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, maxActive)
        let thread = Thread { [self] in run() }
        thread.name = "curl-\(name)"
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Queues a transfer; it is resumed on the loop thread when done.
    func submit(_ transfer: CurlTransfer) {
        let accepted = lock.withLock {
            guard !stopping else { return false }
            submitted.append(transfer)
            return true
        }
        if accepted {
            curl_multi_wakeup(multi)
        } else {
            transfer.fail(code: CURLE_ABORTED_BY_CALLBACK, detail: "the client was shut down")
        }
    }

    /// Finishes the queued transfers, then closes every connection and ends the thread.
    func stop() {
        lock.withLock { stopping = true }
        curl_multi_wakeup(multi)
    }

    private func run() {
        var running: Int32 = 0
        while true {
            let (incoming, stop) = lock.withLock {
                let taken = submitted
                submitted.removeAll(keepingCapacity: true)
                return (taken, stopping)
            }
            pending.append(contentsOf: incoming)
            startPending()
            if stop && active.isEmpty && pendingHead == pending.count { break }
            curl_multi_perform(multi, &running)
            if collectFinished() > 0 && pendingHead < pending.count { continue }
            curl_multi_poll(multi, nil, 0, 1000, nil)
        }
        for handle in idleHandles { curl_easy_cleanup(handle) }
        curl_multi_cleanup(multi)
    }

    private func startPending() {
        while active.count < maxActive && pendingHead < pending.count {
            let transfer = pending[pendingHead]
            pendingHead += 1
            let handle = idleHandles.popLast() ?? curl_easy_init()!
            let configured = transfer.configure(handle)
            if configured != CURLE_OK {
                transfer.fail(code: configured)
                curl_easy_reset(handle)
                idleHandles.append(handle)
                continue
            }
            active[handle] = transfer
            curl_multi_add_handle(multi, handle)
        }
        if pendingHead == pending.count {
            pending.removeAll(keepingCapacity: true)
            pendingHead = 0
        }
    }

    private func collectFinished() -> Int {
        var finished = 0
        var left: Int32 = 0
        while let message = curl_multi_info_read(multi, &left) {
            guard ccurl_message_is_done(message) != 0, let handle = message.pointee.easy_handle else { continue }
            let result = ccurl_message_result(message)
            curl_multi_remove_handle(multi, handle)
            if let transfer = active.removeValue(forKey: handle) {
                transfer.finish(handle: handle, result: result)
            }
            curl_easy_reset(handle)
            idleHandles.append(handle)
            finished += 1
        }
        return finished
    }
}

/// `curl_global_init`, once per process.
enum CurlGlobal {
    private static let once: Void = { _ = curl_global_init(Int(CURL_GLOBAL_ALL)) }()
    static func initialize() { _ = once }
}
