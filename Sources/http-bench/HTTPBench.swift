import Foundation
import HTTPClient

/// `http-bench URL REQUESTS CONCURRENCY [IDLE_STREAMS IDLE_URL]`: runs REQUESTS keep-alive GETs of URL over one
/// ``HTTPClient`` with CONCURRENCY requests in flight, and prints one JSON line: requests per second, p50 and p99
/// latency in milliseconds, CPU time per request in microseconds, and peak resident memory. With IDLE_STREAMS, that
/// many streaming GETs of IDLE_URL are opened on the same client first (each reads its first chunk) and held open,
/// quiet, while the GETs run: the shape of a controller with a watch per open drain. Used by `scripts/bench-http`;
/// not a test.
@main
enum HTTPBench {
    static func main() async throws {
        let arguments = CommandLine.arguments
        guard arguments.count == 4 || arguments.count == 6, let requests = Int(arguments[2]),
            let concurrency = Int(arguments[3]), requests > 0, concurrency > 0,
            arguments.count == 4 || Int(arguments[4]).map({ $0 >= 0 }) == true
        else {
            FileHandle.standardError.write(
                Data("usage: http-bench URL REQUESTS CONCURRENCY [IDLE_STREAMS IDLE_URL]\n".utf8))
            exit(2)
        }
        let url = arguments[1]
        let idleStreams = arguments.count == 6 ? Int(arguments[4]) ?? 0 : 0
        var configuration = HTTPClient.Configuration()
        // As curl --parallel-max: no more connections than requests in flight. With idle streams, no cap (the
        // client's default): over HTTP/1.1 each stream holds a connection of its own.
        configuration.maxConnectionsPerHost = idleStreams > 0 ? 0 : concurrency
        configuration.maxTotalConnections = idleStreams > 0 ? 0 : max(concurrency, 8)
        let client = try HTTPClient(configuration: configuration)
        let idle = try await holdIdleStreams(client: client, url: arguments.last ?? "", count: idleStreams)
        // Warm up: open the connections before measuring.
        try await run(client: client, url: url, requests: concurrency, concurrency: concurrency)

        let clock = ContinuousClock()
        let cpuBefore = processCPUSeconds()
        let start = clock.now
        var latencies = try await run(client: client, url: url, requests: requests, concurrency: concurrency)
        let elapsed = start.duration(to: clock.now)
        let cpuSeconds = processCPUSeconds() - cpuBefore
        withExtendedLifetime(idle) {}
        latencies.sort()
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let result: [String: Double] = [
            "requests": Double(requests),
            "concurrency": Double(concurrency),
            "seconds": seconds,
            "idleStreams": Double(idleStreams),
            "cpuMicrosecondsPerRequest": cpuSeconds * 1e6 / Double(requests),
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

    /// Opens `count` streams of `url`, reads each one's first chunk, and keeps them open until released.
    static func holdIdleStreams(client: HTTPClient, url: String, count: Int) async throws -> IdleStreams {
        var responses: [HTTPStreamingResponse] = []
        var iterators: [HTTPBodyStream.Iterator] = []
        for _ in 0..<count {
            let response = try await client.stream(HTTPRequest(url: url))
            var iterator = response.body.makeAsyncIterator()
            guard try await iterator.next() != nil else { throw BenchError(message: "idle stream ended at once") }
            responses.append(response)
            iterators.append(iterator)
        }
        return IdleStreams(responses: responses, iterators: iterators)
    }

    /// The user plus system CPU time of this process so far.
    static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
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

/// Streams held open (not read) while the GETs are measured.
struct IdleStreams {
    var responses: [HTTPStreamingResponse]
    var iterators: [HTTPBodyStream.Iterator]
}

struct BenchError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
