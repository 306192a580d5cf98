// The libFuzzer entry point for the interruption decoder. Not a SwiftPM target: `scripts/fuzz interruption` compiles
// it against Sources/Interruption (built with `swiftc -sanitize=fuzzer,address`), so `swift build` never sees it.
import Foundation
import Timestamps

@testable import Interruption

private let decoder = MessageDecoder()
private let receivedAt = Date(timeIntervalSince1970: 1_800_000_000)
private let message = QueueMessage(messageID: "fuzz", receiptHandle: "fuzz", receivedAt: receivedAt)

/// Decodes one input and checks the decoder's invariants: it returns (never traps or hangs), events carry valid
/// instance ids and a deadline no earlier than allowed, rejections describe themselves, and decoding is deterministic.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDecoder(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let bytes else { return 0 }
    let body = String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    let outcome = decoder.decode(body: body, receivedAt: receivedAt)
    switch outcome {
    case .events(let events, let skipped):
        precondition(!events.isEmpty, "an accepted message must yield at least one event")
        for event in events {
            precondition(InstanceID(event.instanceID.rawValue) == event.instanceID)
            precondition(event.receivedAt == receivedAt)
            if let action = event.lifecycleAction { precondition(action.instanceID == event.instanceID) }
        }
        for rejection in skipped { precondition(!rejection.description.isEmpty) }
        var ledger = JobLedger(maxReceiveCount: 5)
        ledger.record(events, message: message)
        precondition(ledger.machines.count == Set(events.map(\.instanceID)).count)
        for job in ledger.machines.values.map(\.job).sorted(by: {
            $0.drainOrder(deadline: $0.deadline) < $1.drainOrder(deadline: $1.deadline)
        }) {
            _ = ActionPolicy().plan(for: job, node: .found(nodeName: "node"))
        }
    case .rejected(let rejection):
        precondition(!rejection.description.isEmpty && !rejection.code.isEmpty)
    }
    precondition(decoder.decode(body: body, receivedAt: receivedAt) == outcome, "decoding must be deterministic")
    _ = RFC3339.parse(body)
    _ = RFC1123.parse(body)
    _ = InstanceID(body)
    _ = Taint.value(fromEventID: body)
    return 0
}
