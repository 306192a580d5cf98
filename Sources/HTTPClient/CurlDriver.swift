import CCurl
import Dispatch
import Foundation
import Locking
import Synchronization

/// The one thread that runs every transfer of an ``HTTPClient`` through a libcurl multi handle.
///
/// The thread is event-driven: libcurl tells it, through its socket callback, which sockets to watch for what, and,
/// through `curl_multi_timeout`, when it next needs to run for a timeout; the thread waits in `epoll_wait` on those
/// sockets and an eventfd (``CurlEventLoop``), and hands each ready socket to `curl_multi_socket_action`. A wake-up therefore costs
/// work in proportion to the sockets that are ready, not to the transfers that are open (`curl_multi_perform` and
/// `curl_multi_poll` visit every one of them, every time).
///
/// Other threads talk to it only through its inbox (a lock-guarded queue of commands) followed by a write to the
/// eventfd. Everything else — the multi handle, every easy handle once submitted, the transfer table, the epoll
/// set — is touched by the driver thread alone, which is why `@unchecked Sendable` is sound.
final class CurlDriver: @unchecked Sendable {
    enum Command {
        case add(CurlTransfer)
        case cancel(UInt64)
        case resume(UInt64)
    }

    private struct Inbox {
        var commands: [Command] = []
        var stopping = false
    }

    let multi: UnsafeMutableRawPointer
    private let events: CurlEventLoop
    private let inbox = Lock(Inbox())
    private let nextID = Atomic<UInt64>(1)
    /// Signalled by the driver thread once the multi handle is freed.
    private let finished = DispatchSemaphore(value: 0)
    /// Driver thread only.
    var transfers: [UInt64: CurlTransfer] = [:]
    var transferByHandle: [UnsafeMutableRawPointer: UInt64] = [:]
    private let idleConnectionCacheSize: Int
    /// The `CURLMOPT_MAXCONNECTS` last set. Driver thread only.
    private var connectionCacheLimit = -1

    init(maxConnectionsPerHost: Int, maxTotalConnections: Int, idleConnectionCacheSize: Int) throws {
        _ = CurlDriver.globalInitialization
        let events = try CurlEventLoop()
        guard let multi = curl_multi_init() else {
            events.close()
            throw HTTPClientError(code: .other, url: "", curlCode: 0, message: "curl_multi_init failed")
        }
        self.multi = multi
        self.events = events
        self.idleConnectionCacheSize = idleConnectionCacheSize
        _ = nth_curl_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, maxConnectionsPerHost)
        _ = nth_curl_multi_setopt_long(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, maxTotalConnections)
        updateConnectionCacheLimit()
        _ = nth_curl_multi_setopt_long(multi, CURLMOPT_PIPELINING, Int(CURLPIPE_MULTIPLEX))
        events.attach(to: multi)
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
            // other thread writes to the eventfd again, so the driver may close it and free the multi handle.
            if !inbox.stopping { events.wake() }
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
            // Only the first command since the driver last emptied the inbox needs to wake it.
            if inbox.commands.isEmpty { events.wake() }
            inbox.commands.append(command)
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
        var inboxCommands: [Command] = []
        while true {
            events.wait(multi: multi) { socket, bits in
                var running: Int32 = 0
                _ = curl_multi_socket_action(multi, socket, bits, &running)
            }
            runDueTimeouts()
            let stopping = inbox.withLock { inbox in
                swap(&inboxCommands, &inbox.commands)
                return inbox.stopping
            }
            if stopping {
                shutDown(commands: inboxCommands)
                // Nobody writes to the eventfd any more (see stop()): close the connections, free the handle and
                // close the epoll set here, on this thread, and only then say so.
                curl_multi_cleanup(multi)
                events.close()
                finished.signal()
                return
            }
            for command in inboxCommands { execute(command) }
            inboxCommands.removeAll(keepingCapacity: true)
            updateConnectionCacheLimit()
            // An added or resumed transfer asks for a timeout of 0: start it now rather than after another wait.
            runDueTimeouts()
            collectFinished()
            updateConnectionCacheLimit()
        }
    }

    /// Keeps `idleConnectionCacheSize` idle connections beside those of the open transfers.
    ///
    /// libcurl's `CURLMOPT_MAXCONNECTS` counts every connection in its cache, in use or not, and when a transfer
    /// ends with more than that it closes the oldest idle one, often the one just freed. With a fixed limit of 64
    /// and 700 watch streams open over HTTP/1.1, every other request then paid for a new connection (a TLS
    /// handshake against an apiserver): `scripts/bench-http --idle-streams 700` ran at a third of the speed.
    private func updateConnectionCacheLimit() {
        let limit = idleConnectionCacheSize + transfers.count
        guard limit != connectionCacheLimit else { return }
        connectionCacheLimit = limit
        _ = nth_curl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, limit)
    }

    /// Lets libcurl act on its timeouts if one is due (`curl_multi_timeout` says 0): new and resumed transfers,
    /// connect, request and idle deadlines. Once, not until none is due: a transfer that keeps asking to run at
    /// once must not keep the thread from its sockets and its inbox.
    private func runDueTimeouts() {
        var timeout = -1
        _ = curl_multi_timeout(multi, &timeout)
        guard timeout == 0 else { return }
        var running: Int32 = 0
        _ = curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running)
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

    func remove(_ transfer: CurlTransfer) {
        transfers[transfer.id] = nil
        transferByHandle[transfer.easy] = nil
    }
}
