import CCurl
import Foundation

/// One request's libcurl easy handle and the state its callbacks fill in.
///
/// Thread ownership: the handle is configured on the caller's thread before the transfer is handed to the driver;
/// from then on the handle, the callbacks and every mutable field are touched only by the driver thread. The
/// continuations it resumes are themselves thread-safe. That is why `@unchecked Sendable` is sound here.
final class CurlTransfer: @unchecked Sendable {
    /// How the response is handed back.
    enum Delivery {
        /// Buffer the body and resume once with the whole response.
        case buffered(CheckedContinuation<HTTPResponse, any Error>)
        /// Resume `head` once the final headers are in, then yield body chunks to `body`.
        case streaming(
            head: CheckedContinuation<ResponseHead, any Error>,
            body: AsyncThrowingStream<Data, any Error>.Continuation,
            flow: StreamFlowControl)
    }

    let id: UInt64
    let easy: UnsafeMutableRawPointer
    let url: String
    let isStreaming: Bool
    let maxResponseBytes: Int
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private let errorBuffer: UnsafeMutablePointer<CChar>

    var delivery: Delivery?
    var headers = HTTPHeaders()
    var body = Data()
    var headResumed = false
    var exceededSizeCap = false

    /// Creates and configures the easy handle. Throws ``HTTPClientError`` for options libcurl rejects.
    init(id: UInt64, request: HTTPRequest, configuration: HTTPClient.Configuration, streaming: Bool) throws {
        guard let easy = curl_easy_init() else {
            throw HTTPClientError(code: .other, url: request.url, curlCode: 0, message: "curl_easy_init failed")
        }
        self.id = id
        self.easy = easy
        self.url = request.url
        self.isStreaming = streaming
        self.maxResponseBytes = request.maxResponseBytes ?? configuration.maxResponseBytes
        self.errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        do {
            try configure(request: request, configuration: configuration)
        } catch {
            release()
            throw error
        }
    }

    /// Frees the easy handle and everything allocated for it. Driver thread only, after removal from the multi.
    func release() {
        curl_easy_cleanup(easy)
        if let headerList { curl_slist_free_all(headerList) }
        headerList = nil
        errorBuffer.deallocate()
    }

    /// The detailed message libcurl left for this transfer, or the generic text of `code`.
    func errorMessage(for code: CURLcode) -> String {
        let detail = String(cString: errorBuffer)
        if !detail.isEmpty { return detail }
        return String(cString: curl_easy_strerror(code))
    }

    private func check(_ result: CURLcode, _ what: String) throws {
        guard result == CURLE_OK else {
            throw HTTPClientError(
                code: .invalidRequest, url: url, curlCode: Int(result.rawValue),
                message: "libcurl refused \(what): \(String(cString: curl_easy_strerror(result)))")
        }
    }

    private func setLong(_ option: CURLoption, _ value: Int, _ what: String) throws {
        try check(nth_curl_easy_setopt_long(easy, option, value), what)
    }

    private func setString(_ option: CURLoption, _ value: String, _ what: String) throws {
        try check(nth_curl_easy_setopt_string(easy, option, value), what)
    }

    private func setPEM(_ source: PEMSource, file: CURLoption, blob: CURLoption, _ what: String) throws {
        switch source {
        case .file(let path):
            try setString(file, path, what)
        case .bytes(let data):
            let result = data.withUnsafeBytes { raw in
                nth_curl_easy_setopt_blob(easy, blob, raw.baseAddress, raw.count)
            }
            try check(result, what)
        }
    }

    private func configure(request: HTTPRequest, configuration: HTTPClient.Configuration) throws {
        try check(nth_curl_easy_setopt_pointer(easy, CURLOPT_ERRORBUFFER, errorBuffer), "the error buffer")
        try setString(CURLOPT_URL, request.url, "the URL")
        if let proxy = request.proxy { try setString(CURLOPT_PROXY, proxy, "the proxy") }
        try setLong(CURLOPT_NOSIGNAL, 1, "NOSIGNAL")
        try setString(CURLOPT_PROTOCOLS_STR, "http,https", "the allowed protocols")
        try setLong(CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_2TLS), "HTTP/2 over TLS")
        try setLong(CURLOPT_TCP_NODELAY, 1, "TCP_NODELAY")
        try setLong(CURLOPT_TCP_KEEPALIVE, 1, "TCP keep-alive")
        try setLong(CURLOPT_CONNECTTIMEOUT_MS, configuration.connectTimeout.milliseconds, "the connect timeout")
        if streaming {
            // A stream has no overall deadline; it fails when idle: below 1 byte/s for the idle timeout.
            try setLong(CURLOPT_LOW_SPEED_LIMIT, 1, "the idle detection")
            try setLong(CURLOPT_LOW_SPEED_TIME, max(1, configuration.streamIdleTimeout.seconds), "the idle timeout")
        } else {
            let timeout = request.timeout ?? configuration.requestTimeout
            try setLong(CURLOPT_TIMEOUT_MS, timeout.milliseconds, "the request timeout")
            try check(
                nth_curl_easy_setopt_off_t(easy, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(maxResponseBytes)),
                "the response size cap")
        }
        try configureMethodAndBody(request)
        try configureHeaders(request.headers, hasBody: request.body != nil)
        try configureTLS(request.tls ?? configuration.tls)
        let me = Unmanaged.passUnretained(self).toOpaque()
        try check(nth_curl_easy_setopt_data_callback(easy, CURLOPT_WRITEFUNCTION, curlWriteCallback), "write callback")
        try check(nth_curl_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, me), "write data")
        try check(
            nth_curl_easy_setopt_data_callback(easy, CURLOPT_HEADERFUNCTION, curlHeaderCallback), "header callback")
        try check(nth_curl_easy_setopt_pointer(easy, CURLOPT_HEADERDATA, me), "header data")
    }

    private var streaming: Bool { isStreaming }

    private func configureMethodAndBody(_ request: HTTPRequest) throws {
        switch request.method {
        case .get where request.body == nil:
            try setLong(CURLOPT_HTTPGET, 1, "GET")
        case .head:
            try setLong(CURLOPT_NOBODY, 1, "HEAD")
        default:
            let sendsBody = request.body != nil || [.post, .put, .patch].contains(request.method)
            if sendsBody {
                let body = request.body ?? Data()
                try check(
                    nth_curl_easy_setopt_off_t(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)), "body size")
                // COPYPOSTFIELDS copies the bytes, so the Data need not outlive this call.
                let result = body.withUnsafeBytes { raw -> CURLcode in
                    guard let base = raw.baseAddress else {
                        return nth_curl_easy_setopt_string(easy, CURLOPT_COPYPOSTFIELDS, "")
                    }
                    return nth_curl_easy_setopt_pointer(
                        easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: base))
                }
                try check(result, "the request body")
            }
            if request.method != .post {
                try setString(CURLOPT_CUSTOMREQUEST, request.method.rawValue, "the method")
            }
        }
    }

    private func configureHeaders(_ headers: HTTPHeaders, hasBody: Bool) throws {
        var list: UnsafeMutablePointer<curl_slist>?
        func append(_ line: String) {
            if let next = curl_slist_append(list, line) { list = next }
        }
        for field in headers {
            // libcurl sends "Name;" as a header with an empty value; "Name:" would remove the header instead.
            append(field.value.isEmpty ? "\(field.name);" : "\(field.name): \(field.value)")
        }
        // Suppress the headers libcurl adds by itself unless the caller set them.
        if headers["Accept"] == nil { append("Accept:") }
        if headers["Expect"] == nil { append("Expect:") }
        if hasBody && headers["Content-Type"] == nil { append("Content-Type:") }
        headerList = list
        try check(nth_curl_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, list), "the header list")
    }

    private func configureTLS(_ tls: TLSConfiguration) throws {
        switch tls.verification {
        case .full:
            try setLong(CURLOPT_SSL_VERIFYPEER, 1, "peer verification")
            try setLong(CURLOPT_SSL_VERIFYHOST, 2, "host verification")
        case .noneInsecureForTestsOnly:
            try setLong(CURLOPT_SSL_VERIFYPEER, 0, "peer verification")
            try setLong(CURLOPT_SSL_VERIFYHOST, 0, "host verification")
        }
        if let ca = tls.certificateAuthority {
            try setPEM(ca, file: CURLOPT_CAINFO, blob: CURLOPT_CAINFO_BLOB, "the CA certificates")
        }
        if let certificate = tls.clientCertificate {
            try setString(CURLOPT_SSLCERTTYPE, "PEM", "the client certificate type")
            try setPEM(certificate, file: CURLOPT_SSLCERT, blob: CURLOPT_SSLCERT_BLOB, "the client certificate")
        }
        if let key = tls.clientKey {
            try setString(CURLOPT_SSLKEYTYPE, "PEM", "the client key type")
            try setPEM(key, file: CURLOPT_SSLKEY, blob: CURLOPT_SSLKEY_BLOB, "the client key")
        }
    }

    /// The final response status, read from libcurl.
    var responseCode: Int {
        var code = 0
        _ = nth_curl_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &code)
        return code
    }

    /// The HTTP version of the response, read from libcurl.
    var httpVersion: String {
        var version = 0
        _ = nth_curl_easy_getinfo_long(easy, CURLINFO_HTTP_VERSION, &version)
        switch version {
        case Int(CURL_HTTP_VERSION_1_0): return "1.0"
        case Int(CURL_HTTP_VERSION_2_0): return "2"
        case Int(CURL_HTTP_VERSION_3): return "3"
        default: return "1.1"
        }
    }

    /// Whether a TCP (or TLS) connection had been established when the transfer failed.
    var hadConnected: Bool {
        var connectMicros: curl_off_t = 0
        _ = nth_curl_easy_getinfo_off_t(easy, CURLINFO_CONNECT_TIME_T, &connectMicros)
        return connectMicros > 0
    }

    /// Handles one header line as libcurl delivers it, with its CR LF (driver thread).
    ///
    /// Parsed as bytes: Foundation's `trimmingCharacters(in:)` bridges through NSString and UTF-16, and was 40% of
    /// the CPU of a keep-alive GET benchmark.
    func receivedHeaderLine(_ bytes: UnsafeRawBufferPointer) {
        if bytes.starts(with: "HTTP/".utf8) {
            headers = HTTPHeaders()  // a new response block: interim (1xx) or proxy CONNECT response before it
            return
        }
        let line = bytes.trimmingHTTPWhitespace()
        if line.isEmpty {
            let status = responseCode
            if status >= 200, !headResumed, case .streaming(let head, _, _) = delivery {
                headResumed = true
                head.resume(returning: ResponseHead(status: status, headers: headers, httpVersion: httpVersion))
            }
            return
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return }
        let name = String(decoding: UnsafeRawBufferPointer(rebasing: line[..<colon]), as: UTF8.self)
        let value = UnsafeRawBufferPointer(rebasing: line[(colon + 1)...]).trimmingHTTPWhitespace()
        headers.add(name: name, value: String(decoding: UnsafeRawBufferPointer(rebasing: value), as: UTF8.self))
    }

    /// Handles one body chunk (driver thread). Returns the number of bytes taken, 0 to abort, or the pause marker.
    func receivedBody(_ buffer: UnsafeRawBufferPointer) -> Int {
        switch delivery {
        case .buffered:
            guard body.count + buffer.count <= maxResponseBytes else {
                exceededSizeCap = true
                return 0
            }
            body.append(contentsOf: buffer)
            return buffer.count
        case .streaming(_, let continuation, let flow):
            guard flow.admit(buffer.count) else { return nth_curl_writefunc_pause() }
            continuation.yield(Data(buffer))
            return buffer.count
        case nil:
            return 0
        }
    }
}

/// The status line and headers of a streaming response, handed over before its body.
struct ResponseHead: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var httpVersion: String
}

private let curlWriteCallback: nth_curl_data_callback = { buffer, size, count, userdata in
    guard let buffer, let userdata else { return 0 }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
    let taken = transfer.receivedBody(UnsafeRawBufferPointer(start: buffer, count: size * count))
    return taken
}

private let curlHeaderCallback: nth_curl_data_callback = { buffer, size, count, userdata in
    guard let buffer, let userdata else { return 0 }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
    transfer.receivedHeaderLine(UnsafeRawBufferPointer(start: buffer, count: size * count))
    return size * count
}

extension UnsafeRawBufferPointer {
    /// The bytes without leading and trailing spaces, tabs, CRs and LFs.
    func trimmingHTTPWhitespace() -> Slice<UnsafeRawBufferPointer> {
        func isWhitespace(_ byte: UInt8) -> Bool {
            byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r")
                || byte == UInt8(ascii: "\n")
        }
        guard let first = firstIndex(where: { !isWhitespace($0) }), let last = lastIndex(where: { !isWhitespace($0) })
        else { return self[endIndex...] }
        return self[first...last]
    }
}

extension Duration {
    /// Whole milliseconds, at least 1 (libcurl reads 0 as "no timeout").
    var milliseconds: Int {
        let (seconds, attoseconds) = components
        return max(1, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
    }

    /// Whole seconds, rounded up.
    var seconds: Int {
        let (seconds, attoseconds) = components
        return Int(seconds) + (attoseconds > 0 ? 1 : 0)
    }
}
