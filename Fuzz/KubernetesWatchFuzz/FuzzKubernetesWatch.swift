// The libFuzzer entry point for the watch stream's framing: newline-delimited JSON events reassembled from the
// chunks of a response. Not a SwiftPM target: `scripts/fuzz kubernetes-watch` compiles it against
// Sources/Kubernetes and Sources/HTTPClient.
import Foundation

@testable import HTTPClient
@testable import Kubernetes

/// What a watch of nodes yields from `chunks`: one line per event (its kind, resourceVersion and name), then how it
/// ended (the end of the stream, or the error thrown).
private func outcome(_ chunks: [Data]) -> [String] {
    let (stream, continuation) = AsyncThrowingStream<Data, any Error>.makeStream()
    for chunk in chunks { continuation.yield(chunk) }
    continuation.finish()
    let body = HTTPBodyStream(chunks: stream, flow: StreamFlowControl(url: "fuzz", resume: {}))
    let watch = WatchStream<Node>(body: body, path: "/api/v1/nodes")
    let box = Box()
    let done = DispatchSemaphore(value: 0)
    Task.detached {
        var lines: [String] = []
        do {
            for try await event in watch {
                lines.append("\(event)".prefix(300).description)
            }
            lines.append("end")
        } catch {
            lines.append("error \(error)")
        }
        box.lines = lines
        done.signal()
    }
    done.wait()
    return box.lines
}

private final class Box: @unchecked Sendable {
    // `@unchecked`: written once by the task before the semaphore is signalled, read after the wait.
    var lines: [String] = []
}

/// Frames one input as a watch response, whole and cut into chunks at the places its first bytes choose, and checks:
/// no trap or hang; the events and the end are the same however the body is chunked; every event decodes from one
/// line (the number of events is at most the number of non-blank lines).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzKubernetesWatch(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let bytes, count > 0 else { return 0 }
    let input = Data(bytes: bytes, count: count)
    // The first byte picks the chunk sizes (1 to 16 bytes, cycling through the next bytes' low bits).
    let seed = Int(input[input.startIndex])
    let body = input.dropFirst()
    let whole = outcome([Data(body)])
    var chunks: [Data] = []
    var index = body.startIndex
    var step = seed
    while index < body.endIndex {
        let size = 1 + (step % 16)
        let end = body.index(index, offsetBy: size, limitedBy: body.endIndex) ?? body.endIndex
        chunks.append(Data(body[index..<end]))
        step = step &* 31 &+ Int(body[index])
        step = abs(step % 1_000_003)
        index = end
    }
    let chunked = outcome(chunks)
    require(whole == chunked, "chunking changes the events: \(whole.suffix(2)) vs \(chunked.suffix(2))")
    let lines = body.split(separator: UInt8(ascii: "\n")).filter { line in
        !line.allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") }
    }
    require(whole.count - 1 <= lines.count, "more events than lines")
    return 0
}
