import Foundation
import HTTPClient

/// `http-bench URL REQUESTS CONCURRENCY`: runs REQUESTS keep-alive GETs of URL over one ``HTTPClient`` with
/// CONCURRENCY requests in flight, and prints one JSON line: requests per second, p50 and p99 latency in
/// milliseconds, and peak resident memory. Used by `scripts/bench-http`; not a test.
@main
enum HTTPBench {
    static func main() async throws {
        let arguments = CommandLine.arguments
        guard arguments.count == 4, let requests = Int(arguments[2]), let concurrency = Int(arguments[3]),
            requests > 0, concurrency > 0
        else {
            FileHandle.standardError.write(Data("usage: http-bench URL REQUESTS CONCURRENCY\n".utf8))
            exit(2)
        }
        let url = arguments[1]
        var configuration = HTTPClient.Configuration()
        configuration.maxConnectionsPerHost = concurrency
        configuration.maxTotalConnections = max(concurrency, 8)
        let client = try HTTPClient(configuration: configuration)
        // Warm up: open the connections before measuring.
        try await run(client: client, url: url, requests: concurrency, concurrency: concurrency)

        let clock = ContinuousClock()
        let start = clock.now
        var latencies = try await run(client: client, url: url, requests: requests, concurrency: concurrency)
        let elapsed = start.duration(to: clock.now)
        latencies.sort()
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let result: [String: Double] = [
            "requests": Double(requests),
            "concurrency": Double(concurrency),
            "seconds": seconds,
            "requestsPerSecond": Double(requests) / seconds,
            "p50Milliseconds": percentile(latencies, 0.50),
            "p99Milliseconds": percentile(latencies, 0.99),
            "peakRSSMiB": peakResidentMiB(),
        ]
        let json = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
        print(String(decoding: json, as: UTF8.self))
    }

    /// Runs `requests` GETs with `concurrency` workers; returns each request's latency in milliseconds.
    @discardableResult
    static func run(client: HTTPClient, url: String, requests: Int, concurrency: Int) async throws -> [Double] {
        try await withThrowingTaskGroup(of: [Double].self) { group in
            for worker in 0..<concurrency {
                let share = requests / concurrency + (worker < requests % concurrency ? 1 : 0)
                group.addTask {
                    var latencies: [Double] = []
                    latencies.reserveCapacity(share)
                    let clock = ContinuousClock()
                    for _ in 0..<share {
                        let start = clock.now
                        let response = try await client.execute(HTTPRequest(url: url))
                        guard response.status == 200 else {
                            throw BenchError(message: "unexpected status \(response.status)")
                        }
                        let elapsed = start.duration(to: clock.now)
                        latencies.append(
                            Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
                    }
                    return latencies
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
    }

    static func percentile(_ sorted: [Double], _ fraction: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let index = min(sorted.count - 1, Int((Double(sorted.count) * fraction).rounded(.up)) - 1)
        return sorted[max(0, index)]
    }

    /// VmHWM from /proc/self/status, in MiB.
    static func peakResidentMiB() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kilobytes = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
            return kilobytes / 1024
        }
        return 0
    }
}

struct BenchError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
