public import FlyingSocks

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A FlyingFox socket pool that sets TCP_NODELAY on every socket it waits on: the listening socket (Linux and Darwin
/// copy it to accepted sockets) and each connection whose read would block. FlyingFox writes a response's head and
/// body separately, so without it every small response waits ~40 ms for a delayed ACK.
///
/// The one pool of the project's HTTP servers: the fake apiserver, the fake SQS, and the controller's metrics and
/// probes.
public struct NoDelaySocketPool<Base: AsyncSocketPool>: AsyncSocketPool {
    let base: Base

    /// Wraps `base` (for example `HTTPServer.defaultPool()`).
    public init(base: Base) {
        self.base = base
    }

    public func prepare() async throws { try await base.prepare() }

    public func run() async throws { try await base.run() }

    public func suspendSocket(_ socket: Socket, untilReadyFor events: Socket.Events) async throws {
        try? socket.setValue(true, for: BoolSocketOption(level: Int32(IPPROTO_TCP), name: Int32(TCP_NODELAY)))
        try await base.suspendSocket(socket, untilReadyFor: events)
    }
}
