import Dispatch
import Foundation

/// Turns process signals into an async sequence of signal numbers. The signals are ignored by the default handler
/// while the watcher lives, so SIGTERM no longer kills the process: it starts the graceful shutdown instead.
///
/// `@unchecked Sendable`: the dispatch sources are created and resumed in `init`, never touched again until
/// `deinit` cancels them, and the stream is itself Sendable.
final class SignalWatcher: @unchecked Sendable {
    private let stream: AsyncStream<Int32>
    private let sources: [any DispatchSourceSignal]

    init(signals: [Int32]) {
        let (stream, continuation) = AsyncStream.makeStream(of: Int32.self)
        self.stream = stream
        self.sources = signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            return source
        }
    }

    deinit {
        for source in sources { source.cancel() }
    }

    /// Waits for the next signal; `nil` when the waiting task is cancelled.
    func next() async -> Int32? {
        var iterator = stream.makeAsyncIterator()
        return await iterator.next()
    }
}
