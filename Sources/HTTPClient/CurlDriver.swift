import CCurl
import Dispatch
import Foundation
import Locking
import Synchronization

/// The one thread that runs every transfer of an ``HTTPClient`` through a libcurl multi handle.
///
/// Other threads talk to it only through its inbox (a mutex-guarded queue of commands) followed by
/// `curl_multi_wakeup`, which libcurl documents as safe to call from any thread. Everything else — the multi
/// handle, every easy handle once submitted, the transfer table — is touched by the driver thread alone, which is
/// why `@unchecked Sendable` is sound.
final class CurlDriver: @unchecked Sendable {
    private enum Command {
        case add(CurlTransfer)
        case cancel(UInt64)
        case resume(UInt64)
    }

    private struct Inbox {
        var commands: [Command] = []
        var stopping = false
    }

    private let multi: UnsafeMutableRawPointer
    private let inbox = Lock(Inbox())
    private let nextID = Atomic<UInt64>(1)
    /// Signalled by the driver thread once the multi handle is freed.
    private let finished = DispatchSemaphore(value: 0)
    /// Driver thread only.
    private var transfers: [UInt64: CurlTransfer] = [:]
    private var transferByHandle: [UnsafeMutableRawPointer: UInt64] = [:]

    init(maxConnectionsPerHost: Int, maxTotalConnections: Int, idleConnectionCacheSize: Int) throws {
        _ = CurlDriver.globalInitialization
        guard let multi = curl_multi_init() else {
            throw HTTPClientError(code: .other, url: "", curlCode: 0, message: "curl_multi_init failed")
        }
        self.multi = multi
        _ = nth_curl_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, maxConnectionsPerHost)
        _ = nth_curl_multi_setopt_long(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, maxTotalConnections)
        _ = nth_curl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, idleConnectionCacheSize)
        _ = nth_curl_multi_setopt_long(multi, CURLMOPT_PIPELINING, Int(CURLPIPE_MULTIPLEX))
        let thread = Thread { [self] in self.run() }
        thread.name = "nth-curl-driver"
        thread.start()
    }

    /// libcurl's process-wide initialisation, done once, before the first handle.
    private static let globalInitialization: Void = {
        _ = curl_global_init(Int(CURL_GLOBAL_SSL | CURL_GLOBAL_WIN32))
    }()

    func makeTransferID() -> UInt64 {
        nextID.wrappingAdd(1, ordering: .relaxed).oldValue
    }

    func submit(_ transfer: CurlTransfer) {
        send(.add(transfer))
    }

    func cancel(_ id: UInt64) {
        send(.cancel(id))
    }

    func resume(_ id: UInt64) {
        send(.resume(id))
    }

    /// Fails every transfer with ``HTTPClientError/Code/clientShutdown`` and ends the thread, which then closes
    /// every connection and frees the multi handle. Idempotent. With `waitingUpTo`, returns only once that is done
    /// (or the time is up): a process must not exit while the driver still closes TLS connections, or OpenSSL's
    /// exit-time cleanup frees what `SSL_read` is using (a heap corruption seen in the fault suite).
    func stop(waitingUpTo timeout: Duration? = nil) {
        inbox.withLock { inbox in
            // The wake-up is sent under the lock: once the driver has seen `stopping` (under the same lock), no
            // other thread touches the multi handle again, so the driver may free it.
            if !inbox.stopping { curl_multi_wakeup(multi) }
            inbox.stopping = true
        }
        if let timeout {
            let nanoseconds =
                timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000
            _ = finished.wait(timeout: .now() + .nanoseconds(Int(nanoseconds)))
            finished.signal()  // for any other waiter
        }
    }

    private func send(_ command: Command) {
        let accepted = inbox.withLock { inbox -> Bool in
            guard !inbox.stopping else { return false }
            inbox.commands.append(command)
            curl_multi_wakeup(multi)
            return true
        }
        if !accepted, case .add(let transfer) = command {
            finish(
                transfer,
                error: HTTPClientError(
                    code: .clientShutdown, url: transfer.url, curlCode: 0, message: "the HTTP client was shut down"))
            transfer.release()
        }
    }

    // MARK: - Driver thread

    private func run() {
        while true {
            let (commands, stopping) = inbox.withLock { inbox in
                let taken = inbox.commands
                inbox.commands.removeAll(keepingCapacity: true)
                return (taken, inbox.stopping)
            }
            if stopping {
                shutDown(commands: commands)
                // Nobody sends a wake-up any more (see stop()): close the connections and free the handle here, on
                // this thread, and only then say so.
                curl_multi_cleanup(multi)
                finished.signal()
                return
            }
            for command in commands { execute(command) }
            var running: Int32 = 0
            _ = curl_multi_perform(multi, &running)
            collectFinished()
            var ready: Int32 = 0
            _ = curl_multi_poll(multi, nil, 0, 1000, &ready)
        }
    }

    private func execute(_ command: Command) {
        switch command {
        case .add(let transfer):
            transfers[transfer.id] = transfer
            transferByHandle[transfer.easy] = transfer.id
            let result = curl_multi_add_handle(multi, transfer.easy)
            if result != CURLM_OK {
                remove(transfer)
                finish(
                    transfer,
                    error: HTTPClientError(
                        code: .other, url: transfer.url, curlCode: Int(result.rawValue),
                        message: String(cString: curl_multi_strerror(result))))
                transfer.release()
            }
        case .cancel(let id):
            guard let transfer = transfers[id] else { return }
            remove(transfer)
            _ = curl_multi_remove_handle(multi, transfer.easy)
            finish(transfer, error: CancellationError())
            transfer.release()
        case .resume(let id):
            guard let transfer = transfers[id] else { return }
            _ = curl_easy_pause(transfer.easy, CURLPAUSE_CONT)
        }
    }

    private func collectFinished() {
        var remaining: Int32 = 0
        while let message = curl_multi_info_read(multi, &remaining) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle,
                let id = transferByHandle[easy], let transfer = transfers[id]
            else { continue }
            let result = message.pointee.data.result
            remove(transfer)
            _ = curl_multi_remove_handle(multi, easy)
            complete(transfer, result: result)
            transfer.release()
        }
    }

    private func remove(_ transfer: CurlTransfer) {
        transfers[transfer.id] = nil
        transferByHandle[transfer.easy] = nil
    }

    private func complete(_ transfer: CurlTransfer, result: CURLcode) {
        guard result == CURLE_OK else {
            finish(transfer, error: error(for: transfer, result: result))
            return
        }
        switch transfer.delivery {
        case .buffered(let continuation):
            continuation.resume(
                returning: HTTPResponse(
                    status: transfer.responseCode, headers: transfer.headers, body: transfer.body,
                    httpVersion: transfer.httpVersion))
        case .streaming(let head, let body, _):
            if !transfer.headResumed {
                transfer.headResumed = true
                head.resume(
                    returning: ResponseHead(
                        status: transfer.responseCode, headers: transfer.headers, httpVersion: transfer.httpVersion))
            }
            body.finish()
        case nil:
            break
        }
        transfer.delivery = nil
    }

    private func finish(_ transfer: CurlTransfer, error: any Error) {
        switch transfer.delivery {
        case .buffered(let continuation):
            continuation.resume(throwing: error)
        case .streaming(let head, let body, _):
            if transfer.headResumed {
                body.finish(throwing: error)
            } else {
                transfer.headResumed = true
                head.resume(throwing: error)
                body.finish(throwing: error)
            }
        case nil:
            break
        }
        transfer.delivery = nil
    }

    private func error(for transfer: CurlTransfer, result: CURLcode) -> HTTPClientError {
        let code: HTTPClientError.Code
        switch result {
        case CURLE_OPERATION_TIMEDOUT:
            if !transfer.hadConnected {
                code = .connectTimeout
            } else {
                code = transfer.isStreaming ? .idleTimeout : .requestTimeout
            }
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_CONNECT:
            code = .connectionFailed
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
            CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_CRL_BADFILE, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
            CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_ENGINE_INITFAILED, CURLE_SSL_CLIENTCERT:
            code = .tlsFailure
        case CURLE_FILESIZE_EXCEEDED:
            code = .responseTooLarge
        case CURLE_WRITE_ERROR where transfer.exceededSizeCap:
            code = .responseTooLarge
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL, CURLE_BAD_FUNCTION_ARGUMENT:
            code = .invalidRequest
        case CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_HTTP2,
            CURLE_HTTP2_STREAM, CURLE_WEIRD_SERVER_REPLY:
            code = .transferFailed
        default:
            code = .other
        }
        var message = transfer.errorMessage(for: result)
        if code == .responseTooLarge {
            message += " (limit \(transfer.maxResponseBytes) bytes)"
        }
        return HTTPClientError(code: code, url: transfer.url, curlCode: Int(result.rawValue), message: message)
    }

    private func shutDown(commands: [Command]) {
        let error = { (url: String) in
            HTTPClientError(code: .clientShutdown, url: url, curlCode: 0, message: "the HTTP client was shut down")
        }
        for command in commands {
            if case .add(let transfer) = command {
                finish(transfer, error: error(transfer.url))
                transfer.release()
            }
        }
        for transfer in transfers.values {
            _ = curl_multi_remove_handle(multi, transfer.easy)
            finish(transfer, error: error(transfer.url))
            transfer.release()
        }
        transfers.removeAll()
        transferByHandle.removeAll()
    }
}
