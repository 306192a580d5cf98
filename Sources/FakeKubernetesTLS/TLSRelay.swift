import COpenSSLTLS
import Foundation

/// One HTTPS connection, confined to the thread that serves it: the TLS handshake with the client, a connection to
/// the plain HTTP backend, then bytes both ways, each forwarded as soon as it arrives (watch streams are
/// long-lived responses and must not wait for the connection to close).
///
/// Both sockets are non-blocking with TCP_NODELAY. Each turn of the loop moves what it can in both directions and
/// notes what each direction waits for (TLS may need to write in order to read and the other way round); when
/// nothing moved, it `poll()`s for exactly those events plus the front end's wake pipe. At most one buffer of
/// 16 KiB is in flight per direction, so a slow reader holds the other side back instead of growing memory. When
/// either side ends, or the wake pipe fires, both sockets are closed.
struct TLSRelay: ~Copyable {
    private let ssl: OpaquePointer
    private let client: Int32
    private let backend: Int32
    private let wake: Int32
    private var toBackend = PendingBytes()
    private var toClient = PendingBytes()
    private var backendEnded = false
    private var scratch = [UInt8](repeating: 0, count: 16 * 1024)

    private init(ssl: OpaquePointer, client: Int32, backend: Int32, wake: Int32) {
        self.ssl = ssl
        self.client = client
        self.backend = backend
        self.wake = wake
    }

    /// Serves the accepted socket `client` until either side closes or `wake` becomes readable, then closes it.
    static func serve(client: Int32, context: TLSServerContext, backendPort: UInt16, wake: Int32) {
        _ = nth_tls_block_sigpipe()
        defer { close(client) }
        guard let ssl = nth_tls_connection_new(context.pointer, client) else { return }
        defer { SSL_free(ssl) }
        guard handshake(ssl, client: client, wake: wake, timeout: .seconds(10)) else { return }
        let backend = nth_tls_connect_loopback(backendPort)
        guard backend >= 0 else { return }
        defer { close(backend) }
        var relay = TLSRelay(ssl: ssl, client: client, backend: backend, wake: wake)
        relay.run()
    }

    /// Drives `SSL_accept` to completion; false on failure, timeout or stop.
    private static func handshake(_ ssl: OpaquePointer, client: Int32, wake: Int32, timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while true {
            let events: Int16
            switch nth_tls_accept(ssl) {
            case NTH_TLS_DONE: return true
            case NTH_TLS_WANT_READ: events = Int16(POLLIN)
            case NTH_TLS_WANT_WRITE: events = Int16(POLLOUT)
            default: return false
            }
            let left = deadline - ContinuousClock.now
            let milliseconds = left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000
            guard milliseconds > 0 else { return false }
            var fds = [
                pollfd(fd: client, events: events, revents: 0), pollfd(fd: wake, events: Int16(POLLIN), revents: 0),
            ]
            let ready = poll(&fds, nfds_t(fds.count), Int32(clamping: milliseconds))
            if ready < 0 && nth_tls_interrupted() == 0 { return false }
            if fds[1].revents != 0 || ready == 0 { return false }
        }
    }

    /// The relay loop; returns when the connection is over.
    private mutating func run() {
        while true {
            var clientEvents: Int16 = 0
            var backendEvents: Int16 = 0
            var moved = false

            // Client → backend.
            if toBackend.isEmpty {
                switch readFromClient() {
                case .moved: moved = true
                case .wait(let events): clientEvents |= events
                case .ended: return
                }
            }
            if !toBackend.isEmpty {
                switch writeToBackend() {
                case .moved: moved = true
                case .wait(let events): backendEvents |= events
                case .ended: return
                }
            }

            // Backend → client.
            if toClient.isEmpty && !backendEnded {
                switch readFromBackend() {
                case .moved: moved = true
                case .wait(let events): backendEvents |= events
                case .ended: backendEnded = true
                }
            }
            if !toClient.isEmpty {
                switch writeToClient() {
                case .moved: moved = true
                case .wait(let events): clientEvents |= events
                case .ended: return
                }
            }
            if backendEnded && toClient.isEmpty {
                _ = SSL_shutdown(ssl)  // close_notify, best effort
                return
            }

            // Decrypted bytes inside OpenSSL are invisible to poll(): read them first.
            if moved || (toBackend.isEmpty && nth_tls_pending(ssl) > 0) { continue }
            guard wait(clientEvents: clientEvents, backendEvents: backendEvents) else { return }
        }
    }

    /// What one step in one direction did.
    private enum Step {
        /// Bytes moved (or the state changed): loop again before polling.
        case moved
        /// Nothing to do until the socket is ready for these poll events.
        case wait(Int16)
        /// That side is closed or broken.
        case ended
    }

    private mutating func readFromClient() -> Step {
        var count = 0
        let status = scratch.withUnsafeMutableBytes { buffer in
            nth_tls_read(ssl, buffer.baseAddress, buffer.count, &count)
        }
        switch status {
        case NTH_TLS_DONE:
            toBackend.replace(with: scratch[0..<count])
            return .moved
        case NTH_TLS_WANT_READ: return .wait(Int16(POLLIN))
        case NTH_TLS_WANT_WRITE: return .wait(Int16(POLLOUT))
        default: return .ended
        }
    }

    private mutating func writeToClient() -> Step {
        var count = 0
        let status = toClient.withUnsentBytes { buffer in
            nth_tls_write(ssl, buffer.baseAddress, buffer.count, &count)
        }
        switch status {
        case NTH_TLS_DONE:
            toClient.consume(count)
            return .moved
        case NTH_TLS_WANT_READ: return .wait(Int16(POLLIN))
        case NTH_TLS_WANT_WRITE: return .wait(Int16(POLLOUT))
        default: return .ended
        }
    }

    private mutating func readFromBackend() -> Step {
        let backend = self.backend
        let count = scratch.withUnsafeMutableBytes { buffer in recv(backend, buffer.baseAddress, buffer.count, 0) }
        if count > 0 {
            toClient.replace(with: scratch[0..<count])
            return .moved
        }
        if count == 0 { return .ended }
        if nth_tls_interrupted() != 0 { return .moved }
        return nth_tls_would_block() != 0 ? .wait(Int16(POLLIN)) : .ended
    }

    private mutating func writeToBackend() -> Step {
        let backend = self.backend
        let count = toBackend.withUnsentBytes { buffer in nth_tls_send(backend, buffer.baseAddress, buffer.count) }
        if count > 0 {
            toBackend.consume(count)
            return .moved
        }
        if count < 0 && nth_tls_interrupted() != 0 { return .moved }
        return count < 0 && nth_tls_would_block() != 0 ? .wait(Int16(POLLOUT)) : .ended
    }

    /// Polls for the events the two directions wait on, plus the wake pipe. A socket nobody waits on is left out,
    /// so that its hang-up cannot spin the loop; the one that is waited on reports it through its next read or write.
    /// - Returns: false when the front end is stopping or poll failed.
    private func wait(clientEvents: Int16, backendEvents: Int16) -> Bool {
        var fds = [
            pollfd(fd: clientEvents == 0 ? -1 : client, events: clientEvents, revents: 0),
            pollfd(fd: backendEvents == 0 ? -1 : backend, events: backendEvents, revents: 0),
            pollfd(fd: wake, events: Int16(POLLIN), revents: 0),
        ]
        let ready = poll(&fds, nfds_t(fds.count), -1)
        if ready < 0 { return nth_tls_interrupted() != 0 }
        return fds[2].revents == 0
    }
}

/// Bytes read from one side and not yet all written to the other.
private struct PendingBytes {
    private var bytes: [UInt8] = []
    private var sent = 0

    var isEmpty: Bool { sent >= bytes.count }

    mutating func replace(with newBytes: ArraySlice<UInt8>) {
        bytes = Array(newBytes)
        sent = 0
    }

    mutating func consume(_ count: Int) { sent += count }

    func withUnsentBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        bytes.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[sent...])) }
    }
}
