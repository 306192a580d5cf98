public import Foundation
import Locking

/// The body of a streaming response: byte chunks as libcurl receives them.
///
/// Flow control: when the consumer falls behind by more than ``highWaterBytes`` the transfer is paused in libcurl
/// (no more reads from the socket, so TCP pushes back on the server) and resumed once the backlog drops under
/// ``lowWaterBytes``. Ending the iteration early, or cancelling the consuming task, aborts the transfer and frees
/// its connection.
public struct HTTPBodyStream: AsyncSequence, Sendable {
    public typealias Element = Data

    /// Bytes buffered ahead of the consumer before the transfer is paused.
    public static let highWaterBytes = 1 << 20
    /// Buffered bytes under which a paused transfer resumes.
    public static let lowWaterBytes = 256 << 10

    let chunks: AsyncThrowingStream<Data, any Error>
    let flow: StreamFlowControl

    public func makeAsyncIterator() -> Iterator {
        Iterator(inner: chunks.makeAsyncIterator(), flow: flow)
    }

    /// Reads the whole remaining body into memory, refusing more than `limit` bytes.
    public func collect(upTo limit: Int) async throws -> Data {
        var data = Data()
        for try await chunk in self {
            guard data.count + chunk.count <= limit else {
                throw HTTPClientError(
                    code: .responseTooLarge, url: flow.url, curlCode: 0,
                    message: "streamed body exceeds \(limit) bytes")
            }
            data.append(chunk)
        }
        return data
    }

    /// The iterator of a body stream.
    public struct Iterator: AsyncIteratorProtocol {
        var inner: AsyncThrowingStream<Data, any Error>.Iterator
        let flow: StreamFlowControl

        public mutating func next() async throws -> Data? {
            guard let chunk = try await inner.next() else {
                // AsyncThrowingStream ends quietly when the consuming task is cancelled; a cancelled watch must
                // not look like a stream the server ended, so say so.
                try Task.checkCancellation()
                return nil
            }
            flow.consumed(chunk.count)
            return chunk
        }
    }
}

/// Book-keeping shared by the driver thread (producer) and the consumer of a ``HTTPBodyStream``.
final class StreamFlowControl: Sendable {
    private struct State {
        var bufferedBytes = 0
        var paused = false
    }

    private let state = Lock(State())
    private let resume: @Sendable () -> Void
    let url: String

    init(url: String, resume: @escaping @Sendable () -> Void) {
        self.url = url
        self.resume = resume
    }

    /// Called on the driver thread for each chunk. Returns `false` when the transfer must pause instead of
    /// delivering the chunk (libcurl keeps it and delivers it again after the resume).
    func admit(_ count: Int) -> Bool {
        state.withLock { state in
            if state.bufferedBytes >= HTTPBodyStream.highWaterBytes {
                state.paused = true
                return false
            }
            state.bufferedBytes += count
            return true
        }
    }

    /// Called by the consumer for each chunk it takes; resumes a paused transfer once the backlog is small.
    func consumed(_ count: Int) {
        let shouldResume = state.withLock { state in
            state.bufferedBytes -= count
            if state.paused && state.bufferedBytes <= HTTPBodyStream.lowWaterBytes {
                state.paused = false
                return true
            }
            return false
        }
        if shouldResume { resume() }
    }
}
