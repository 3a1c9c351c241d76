import CCurl

/// One request in flight: owns every buffer libcurl points into until the transfer is done, and
/// the continuation to resume with its response. Touched only by the loop thread once submitted.
final class CurlTransfer: @unchecked Sendable {
    let request: CurlRequest
    private let continuation: CheckedContinuation<CurlResponse, Never>
    private let upload: UnsafeMutableRawBufferPointer
    private let uploadLength: Int
    private var uploadOffset = 0
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private var lists: [UnsafeMutablePointer<curl_slist>] = []
    private var body: [UInt8] = []
    private var headers: [CurlHeader] = []

    init(request: CurlRequest, continuation: CheckedContinuation<CurlResponse, Never>) {
        self.request = request
        self.continuation = continuation
        let bytes: [UInt8]
        switch request.payload {
        case .httpPost(let body, _): bytes = body
        case .mail(_, _, let message): bytes = message
        }
        upload = .allocate(byteCount: max(bytes.count, 1), alignment: 1)
        upload.copyBytes(from: bytes)
        uploadLength = bytes.count
        errorBuffer = .allocate(capacity: Int(ccurl_error_size()))
        errorBuffer.initialize(repeating: 0, count: Int(ccurl_error_size()))
    }

    deinit {
        upload.deallocate()
        errorBuffer.deallocate()
        for list in lists { curl_slist_free_all(list) }
    }

    /// Sets every option for this request on a fresh (or reset) easy handle.
    /// - Returns: a libcurl error code other than CURLE_OK if an option was refused.
    func configure(_ handle: UnsafeMutableRawPointer) -> CURLcode {
        var failed = CURLE_OK
        func check(_ code: CURLcode) { if code != CURLE_OK && failed == CURLE_OK { failed = code } }
        let me = Unmanaged.passUnretained(self).toOpaque()
        check(ccurl_setopt_string(handle, CURLOPT_URL, request.url))
        check(ccurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1))
        check(ccurl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0))
        check(ccurl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 1))
        check(ccurl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 2))
        check(ccurl_setopt_long(handle, CURLOPT_TCP_KEEPALIVE, 1))
        check(ccurl_setopt_long(handle, CURLOPT_TIMEOUT_MS, Self.milliseconds(request.timeout)))
        check(ccurl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(request.connectTimeout)))
        check(ccurl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer))
        check(ccurl_setopt_callback(handle, CURLOPT_WRITEFUNCTION, curlWriteCallback))
        check(ccurl_setopt_pointer(handle, CURLOPT_WRITEDATA, me))
        if let username = request.username { check(ccurl_setopt_string(handle, CURLOPT_USERNAME, username)) }
        if let password = request.password { check(ccurl_setopt_string(handle, CURLOPT_PASSWORD, password)) }
        switch request.payload {
        case .httpPost(_, let headerLines):
            check(ccurl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https"))
            check(ccurl_setopt_long(handle, CURLOPT_POST, 1))
            check(ccurl_setopt_off_t(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(uploadLength)))
            check(ccurl_setopt_pointer(handle, CURLOPT_POSTFIELDS, upload.baseAddress))
            // "Expect:" stops libcurl from waiting for a 100-continue on larger bodies.
            check(ccurl_setopt_slist(handle, CURLOPT_HTTPHEADER, list(headerLines + ["Expect:"])))
            check(ccurl_setopt_callback(handle, CURLOPT_HEADERFUNCTION, curlHeaderCallback))
            check(ccurl_setopt_pointer(handle, CURLOPT_HEADERDATA, me))
        case .mail(let from, let recipients, _):
            check(ccurl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "smtp,smtps"))
            check(ccurl_setopt_string(handle, CURLOPT_MAIL_FROM, "<\(from)>"))
            check(ccurl_setopt_slist(handle, CURLOPT_MAIL_RCPT, list(recipients.map { "<\($0)>" })))
            check(ccurl_setopt_long(handle, CURLOPT_UPLOAD, 1))
            check(ccurl_setopt_off_t(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(uploadLength)))
            check(ccurl_setopt_callback(handle, CURLOPT_READFUNCTION, curlReadCallback))
            check(ccurl_setopt_pointer(handle, CURLOPT_READDATA, me))
            let tls = request.requireSTARTTLS ? CURLUSESSL_ALL : CURLUSESSL_NONE
            check(ccurl_setopt_long(handle, CURLOPT_USE_SSL, Int(tls.rawValue)))
        }
        return failed
    }

    private func list(_ lines: [String]) -> UnsafeMutablePointer<curl_slist>? {
        var list: UnsafeMutablePointer<curl_slist>?
        for line in lines { list = curl_slist_append(list, line) }
        if let list { lists.append(list) }
        return list
    }

    /// Reads the outcome off the handle and resumes the waiting task.
    func finish(handle: UnsafeMutableRawPointer, result: CURLcode) {
        var code = 0
        _ = ccurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &code)
        var connects = 0
        _ = ccurl_getinfo_long(handle, CURLINFO_NUM_CONNECTS, &connects)
        var error: CurlError?
        if result != CURLE_OK { error = makeError(code: result) }
        resume(CurlResponse(code: code, headers: headers, body: body, error: error, newConnections: connects))
    }

    /// Ends the transfer without running it (an option was refused, or the client shut down).
    func fail(code: CURLcode, detail: String? = nil) {
        resume(CurlResponse(code: 0, error: makeError(code: code, detail: detail)))
    }

    private func makeError(code: CURLcode, detail: String? = nil) -> CurlError {
        let buffer = String(cString: errorBuffer)
        let text = detail ?? (buffer.isEmpty ? String(cString: curl_easy_strerror(code)) : buffer)
        return CurlError(code: Int(code.rawValue), operation: request.operation, host: request.host, detail: text)
    }

    private var resumed = false
    private func resume(_ response: CurlResponse) {
        guard !resumed else { return }
        resumed = true
        continuation.resume(returning: response)
    }

    // MARK: libcurl callbacks (on the loop thread)

    fileprivate func received(_ pointer: UnsafeMutablePointer<CChar>, _ count: Int) {
        pointer.withMemoryRebound(to: UInt8.self, capacity: count) {
            body.append(contentsOf: UnsafeBufferPointer(start: $0, count: count))
        }
    }

    /// One header line: parsed in place, only the name and value become strings.
    fileprivate func receivedHeader(_ pointer: UnsafeMutablePointer<CChar>, _ count: Int) {
        let line = UnsafeBufferPointer(start: UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self), count: count)
        var end = line.count
        while end > 0, [13, 10, 32, 9].contains(line[end - 1]) { end -= 1 }
        if end >= 5, line[0] == UInt8(ascii: "H"), line[1] == UInt8(ascii: "T"), line[2] == UInt8(ascii: "T"),
            line[3] == UInt8(ascii: "P"), line[4] == UInt8(ascii: "/")
        {
            headers.removeAll()  // a new response (after a 1xx) starts
        } else if let colon = line[..<end].firstIndex(of: UInt8(ascii: ":")) {
            var start = colon + 1
            while start < end, line[start] == 32 || line[start] == 9 { start += 1 }
            headers.append(CurlHeader(
                name: String(decoding: line[..<colon], as: UTF8.self), value: String(decoding: line[start..<end], as: UTF8.self)))
        }
    }

    fileprivate func read(into buffer: UnsafeMutablePointer<CChar>, capacity: Int) -> Int {
        let count = min(capacity, uploadLength - uploadOffset)
        guard count > 0, let base = upload.baseAddress else { return 0 }
        UnsafeMutableRawPointer(buffer).copyMemory(from: base + uploadOffset, byteCount: count)
        uploadOffset += count
        return count
    }
}

private func transfer(_ userdata: UnsafeMutableRawPointer?) -> CurlTransfer {
    Unmanaged<CurlTransfer>.fromOpaque(userdata!).takeUnretainedValue()
}

private let curlWriteCallback: ccurl_data_callback = { pointer, size, count, userdata in
    guard let pointer else { return 0 }
    transfer(userdata).received(pointer, size * count)
    return size * count
}

private let curlHeaderCallback: ccurl_data_callback = { pointer, size, count, userdata in
    guard let pointer else { return 0 }
    transfer(userdata).receivedHeader(pointer, size * count)
    return size * count
}

private let curlReadCallback: ccurl_data_callback = { pointer, size, count, userdata in
    guard let pointer else { return 0 }
    return transfer(userdata).read(into: pointer, capacity: size * count)
}

extension CurlTransfer {
    static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return max(1, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
    }
}
