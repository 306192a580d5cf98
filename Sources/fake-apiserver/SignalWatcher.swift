import Dispatch
import Foundation

/// Turns SIGTERM and SIGINT into an awaitable event: while the watcher lives the signals no longer kill the process
/// (their default action is ignored), so the command can stop the server and save its state first.
///
/// `@unchecked Sendable`: the dispatch sources are created and resumed in `init` and only cancelled in `deinit`; the
/// stream is itself Sendable.
final class SignalWatcher: @unchecked Sendable {
    private let stream: AsyncStream<Int32>
    private let sources: [any DispatchSourceSignal]

    /// Starts catching `signals`.
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
