// Micro-benchmark of SigV4 header signing for a typical SQS ReceiveMessage call (AWS JSON 1.0, temporary
// credentials, a long poll for up to ten messages). Not a test: `scripts/bench-sigv4` builds this in release mode
// and runs botocore on the same request for comparison.
//
// Usage: sigv4-bench [seconds]   (default 2). Prints one line of JSON: signatures per wall-clock second, and per
// second of this process's CPU time (the fairer figure on a busy machine).
import Foundation
import Glibc
import SigV4

let seconds = CommandLine.arguments.dropFirst().first.flatMap(Double.init) ?? 2
let body = Array(
    (#"{"QueueUrl":"https://sqs.us-east-1.amazonaws.com/123456789012/nth-queue","MaxNumberOfMessages":10,"#
        + #""WaitTimeSeconds":20,"VisibilityTimeout":60,"AttributeNames":["SentTimestamp","#
        + #""ApproximateReceiveCount"],"MessageAttributeNames":["All"]}"#).utf8)
let headers: [(name: String, value: String)] = [
    (name: "Host", value: "sqs.us-east-1.amazonaws.com"),
    (name: "Content-Type", value: "application/x-amz-json-1.0"),
    (name: "X-Amz-Target", value: "AmazonSQS.ReceiveMessage"),
    (name: "x-amzn-query-mode", value: "true"),
    (name: "Content-Length", value: String(body.count)),
    (name: "User-Agent", value: "node-termination-handler/0.1"),
]
let signer = Signer(
    credentials: Credentials(
        accessKeyID: "ASIAEXAMPLEEXAMPLE00",
        secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        sessionToken: String(repeating: "IQoJb3JpZ2luX2VjEExAMPLE", count: 30)),
    region: "us-east-1",
    service: "sqs")
let date = Date(timeIntervalSince1970: 1_764_460_800)  // 2025-11-30T00:00:00Z, fixed so both signers agree

/// CPU time used by this process so far, in seconds.
func cpuSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

func signOnce() throws(SigV4Error) -> String {
    let request = SigV4Request(method: "POST", path: "/", headers: headers, payload: try .body(body))
    return try signer.sign(request, date: date).signature
}

do {
    let signature = try signOnce()
    // Warm up, then count whole batches until the time is up.
    for _ in 0..<1000 { _ = try signOnce() }
    let clock = ContinuousClock()
    let start = clock.now
    let cpuStart = cpuSeconds()
    var count = 0
    var elapsed = Duration.zero
    while elapsed < .seconds(seconds) {
        for _ in 0..<1000 { _ = try signOnce() }
        count += 1000
        elapsed = start.duration(to: clock.now)
    }
    let cpu = cpuSeconds() - cpuStart
    let wall = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    print(
        #"{"signer":"swift","signatures_per_second":\#(Int(Double(count) / wall)),"#
            + #""signatures_per_cpu_second":\#(Int(Double(count) / cpu)),"signature":"\#(signature)"}"#)
} catch {
    print("sigv4-bench: \(error)")
    exit(1)
}
