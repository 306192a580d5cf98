import COpenSSLTLS
public import FakeKubernetes
import Foundation
import Locking

extension FakeAPIServer.Configuration {
    /// Also serve HTTPS on 127.0.0.1 (``FakeAPIServer/httpsBaseURL``), relaying to the HTTP listener, with a
    /// certificate for `127.0.0.1` and `localhost` signed by a CA (``FakeAPIServer/certificateAuthorityPEM``).
    /// - Parameters:
    ///   - port: the HTTPS port; 0 picks a free one.
    ///   - credentials: the certificates to serve; `nil` generates fresh ones at every start.
    public mutating func serveHTTPS(port: UInt16 = 0, credentials: TLSCredentials? = nil) {
        frontEnd = { backendPort in
            let credentials = try credentials ?? TLSCredentials.generate()
            return try TLSFrontEnd(credentials: credentials, port: port, backendPort: backendPort)
        }
    }
}

/// Terminates TLS on 127.0.0.1 and relays each connection's bytes, both ways and as they arrive, to the fake's
/// plain HTTP listener on loopback.
///
/// One accept thread, and one thread per connection that does the handshake, connects to the backend and relays
/// with `poll()` (``TLSRelay``). The blocking loops run on their own threads, never on Swift's cooperative pool,
/// which the HTTP server needs. ``stop()`` wakes every thread through one pipe, waits until they have all closed
/// their sockets and returned, then closes the listener.
final class TLSFrontEnd: APIServerFrontEnd {
    /// The HTTPS port on 127.0.0.1.
    let port: UInt16
    /// The PEM of the CA that signed the serving certificate.
    let certificateAuthorityPEM: String?
    private let listener: Int32
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let threads = RelayThreads()
    private let stopped = Lock(false)

    /// Listens on 127.0.0.1:`port` (0 picks a free one) and starts accepting.
    /// - Parameters:
    ///   - credentials: the serving certificate, its key, and the CA sent with it.
    ///   - port: the HTTPS port; 0 picks a free one.
    ///   - backendPort: the plain HTTP port on 127.0.0.1 that connections are relayed to.
    /// - Throws: ``TLSError`` when the credentials do not configure a TLS context, or the port cannot be bound.
    init(credentials: TLSCredentials, port: UInt16, backendPort: UInt16) throws(TLSError) {
        let context = try TLSServerContext(credentials: credentials)
        var pipeEnds: [Int32] = [-1, -1]
        guard pipe(&pipeEnds) == 0 else {
            throw .system(.listen, "pipe (the stop signal)", errno: errno)
        }
        var bound: UInt16 = 0
        let listener = nth_tls_listen_loopback(port, &bound)
        guard listener >= 0 else {
            let number = errno
            close(pipeEnds[0])
            close(pipeEnds[1])
            throw .system(.listen, "bind/listen on 127.0.0.1:\(port)", errno: number)
        }
        self.port = bound
        self.certificateAuthorityPEM = credentials.certificateAuthorityPEM
        self.listener = listener
        self.wakeRead = pipeEnds[0]
        self.wakeWrite = pipeEnds[1]
        let threads = self.threads
        let wake = pipeEnds[0]
        let started = threads.spawn(name: "fake-apiserver https accept") {
            Self.acceptLoop(
                listener: listener, wake: wake, context: context, backendPort: backendPort, threads: threads)
        }
        guard started else {
            close(listener)
            close(pipeEnds[0])
            close(pipeEnds[1])
            throw TLSError(code: .listen, operation: "starting the accept thread", detail: "already stopping")
        }
    }

    /// Stops accepting, closes every relayed connection, waits for all threads to return and closes the listener.
    /// Calling it again does nothing.
    func stop() async {
        let first = stopped.withLock { stopped in
            defer { stopped = true }
            return !stopped
        }
        guard first else { return }
        // One byte that nobody reads: the pipe stays readable, so every thread's poll() sees it, now and later.
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
        await threads.stopAndWait()
        close(listener)
        close(wakeRead)
        close(wakeWrite)
    }

    /// Accepts connections until the wake pipe is readable, giving each to its own relay thread.
    private static func acceptLoop(
        listener: Int32, wake: Int32, context: TLSServerContext, backendPort: UInt16, threads: RelayThreads
    ) {
        _ = nth_tls_block_sigpipe()
        while true {
            var fds = [
                pollfd(fd: listener, events: Int16(POLLIN), revents: 0),
                pollfd(fd: wake, events: Int16(POLLIN), revents: 0),
            ]
            let ready = poll(&fds, nfds_t(fds.count), -1)
            if ready < 0 && nth_tls_interrupted() == 0 { return }
            if fds[1].revents != 0 { return }
            guard fds[0].revents != 0 else { continue }
            let client = nth_tls_accept_connection(listener)
            guard client >= 0 else {
                // The connection went away before accept (would block), or the process is out of descriptors:
                // back off 10 ms rather than spin.
                if nth_tls_would_block() == 0 {
                    var pause = [pollfd(fd: wake, events: Int16(POLLIN), revents: 0)]
                    _ = poll(&pause, 1, 10)
                }
                continue
            }
            let started = threads.spawn(name: "fake-apiserver https \(client)") {
                TLSRelay.serve(client: client, context: context, backendPort: backendPort, wake: wake)
            }
            if !started { close(client) }
        }
    }
}

/// Counts the front end's threads so that stopping can wait for all of them, and refuses new ones once stopping.
final class RelayThreads: Sendable {
    private struct State {
        var running = 0
        var stopping = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Lock(State())

    /// Runs `body` on a new thread unless stopping.
    /// - Returns: whether the thread was started.
    func spawn(name: String, _ body: @escaping @Sendable () -> Void) -> Bool {
        let admitted = state.withLock { state in
            guard !state.stopping else { return false }
            state.running += 1
            return true
        }
        guard admitted else { return false }
        let thread = Thread { [self] in
            body()
            finished()
        }
        thread.name = name
        thread.stackSize = 512 * 1024
        thread.start()
        return true
    }

    /// Refuses new threads and returns once every running one has finished.
    func stopAndWait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let idle = state.withLock { state in
                state.stopping = true
                guard state.running > 0 else { return true }
                state.waiters.append(continuation)
                return false
            }
            if idle { continuation.resume() }
        }
    }

    private func finished() {
        let waiters = state.withLock { state in
            state.running -= 1
            guard state.running == 0 else { return [CheckedContinuation<Void, Never>]() }
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}
