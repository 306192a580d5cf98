import Foundation
import HTTPClient
import Locking

/// Watches every pod of the fake cluster (as user `bench-observer`, so its watch is told apart in the ledger) and
/// records when each pod's `DELETED` event arrives, by node. Lines are scanned for two byte patterns, not decoded:
/// the observer shares the two cores with the controller and the fake, and must cost them next to nothing.
final class DeletionObserver: Sendable {
    private let deletions = Lock<[String: [Double]]>([:])
    private let total = Lock(0)
    private let task = Lock<Task<Void, Never>?>(nil)

    /// Starts watching `server`'s pods from `revision`; reconnects from the last resourceVersion when a watch ends.
    func start(http: HTTPClient, server: String, revision: Int) {
        let watching = Task { [self] in
            var resourceVersion = "\(revision)"
            while !Task.isCancelled {
                let request = HTTPRequest(
                    url: "\(server)/api/v1/pods?watch=true&resourceVersion=\(resourceVersion)",
                    headers: ["Authorization": "Bearer bench-observer"], timeout: .seconds(3600))
                guard let response = try? await http.stream(request), response.status == 200 else {
                    try? await Task.sleep(for: .milliseconds(200))
                    continue
                }
                var buffer: [UInt8] = []
                do {
                    for try await chunk in response.body {
                        buffer.append(contentsOf: chunk)
                        var start = 0
                        while let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                            if let version = observe(buffer[start..<newline]) { resourceVersion = version }
                            start = newline + 1
                        }
                        buffer.removeFirst(start)
                    }
                } catch {
                    continue
                }
            }
        }
        task.withLock { $0 = watching }
    }

    /// Ends the watch.
    func stop() {
        task.withLock { $0?.cancel() }
    }

    /// Pods deleted so far.
    var deleted: Int { total.withLock { $0 } }

    /// Deletion times (seconds since 1970) by node name.
    var byNode: [String: [Double]] { deletions.withLock { $0 } }

    private static let deletedType = Array(#""type":"DELETED""#.utf8)
    private static let nodeNameKey = Array(#""nodeName":""#.utf8)
    private static let resourceVersionKey = Array(#""resourceVersion":""#.utf8)

    /// Records a `DELETED` line; returns the line's resourceVersion (the first in it: the object's metadata).
    private func observe(_ line: ArraySlice<UInt8>) -> String? {
        let version = Self.value(after: Self.resourceVersionKey, in: line)
        guard Self.find(Self.deletedType, in: line) != nil, let node = Self.value(after: Self.nodeNameKey, in: line)
        else { return version }
        let now = Date().timeIntervalSince1970
        deletions.withLock { $0[node, default: []].append(now) }
        total.withLock { $0 += 1 }
        return version
    }

    private static func value(after key: [UInt8], in line: ArraySlice<UInt8>) -> String? {
        guard let start = find(key, in: line) else { return nil }
        let rest = line[(start + key.count)...]
        guard let end = rest.firstIndex(of: UInt8(ascii: "\"")) else { return nil }
        return String(decoding: rest[..<end], as: UTF8.self)
    }

    private static func find(_ pattern: [UInt8], in line: ArraySlice<UInt8>) -> Int? {
        guard let first = pattern.first, line.count >= pattern.count else { return nil }
        var index = line.startIndex
        let last = line.endIndex - pattern.count
        while index <= last {
            guard let candidate = line[index...last].firstIndex(of: first) else { return nil }
            if line[candidate..<(candidate + pattern.count)].elementsEqual(pattern) { return candidate }
            index = candidate + 1
        }
        return nil
    }
}

/// The controller's Prometheus text, as series → value.
struct PrometheusText: Sendable {
    /// `name{labels}` → value, for every sample line.
    var samples: [(series: String, value: Double)]

    init(_ text: String) {
        samples = text.split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#"), let space = line.lastIndex(of: " "),
                let value = Double(line[line.index(after: space)...])
            else { return nil }
            return (String(line[..<space]), value)
        }
    }

    /// The sum of every series named `name` whose labels contain each of `labels` (`key="value"`).
    func sum(_ name: String, _ labels: [String] = []) -> Double {
        samples.filter { sample in
            (sample.series == name || sample.series.hasPrefix(name + "{"))
                && labels.allSatisfy { sample.series.contains($0) }
        }.reduce(0) { $0 + $1.value }
    }

    /// A histogram's quantile as Prometheus' `histogram_quantile` computes it (linear within the bucket), or -1
    /// when it has no observations.
    func quantile(_ q: Double, of name: String) -> Double {
        let buckets = cumulativeBuckets(name)
        guard let total = buckets.last?.count, total > 0 else { return -1 }
        let rank = q * total
        var lower = (bound: 0.0, count: 0.0)
        for bucket in buckets {
            if bucket.count >= rank {
                if bucket.bound.isInfinite { return lower.bound }
                let width = bucket.count - lower.count
                return lower.bound + (bucket.bound - lower.bound) * (width > 0 ? (rank - lower.count) / width : 1)
            }
            lower = bucket
        }
        return lower.bound
    }

    /// The share of a histogram's observations at or below `bound` (a bucket boundary), or -1 when it has none.
    func share(of name: String, atMost bound: Double) -> Double {
        let buckets = cumulativeBuckets(name)
        guard let total = buckets.last?.count, total > 0,
            let within = buckets.last(where: { $0.bound <= bound })?.count
        else { return -1 }
        return within / total
    }

    private func cumulativeBuckets(_ name: String) -> [(bound: Double, count: Double)] {
        samples.compactMap { sample -> (bound: Double, count: Double)? in
            guard sample.series.hasPrefix(name + "_bucket{"), let le = sample.series.range(of: "le=\"") else {
                return nil
            }
            let text = sample.series[le.upperBound...].prefix { $0 != "\"" }
            let bound = text == "+Inf" ? Double.infinity : Double(text)
            return bound.map { ($0, sample.value) }
        }.sorted { $0.bound < $1.bound }
    }
}
