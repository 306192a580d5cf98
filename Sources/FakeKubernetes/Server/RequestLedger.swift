public import Foundation
import Locking

/// What a request cost a real control plane, by the class the ledger counts it in.
public enum RequestClass: String, Sendable, CaseIterable, Codable {
    /// A read served from storage: an etcd quorum read (no resourceVersion, `Exact`, continue, single GETs).
    case consistentRead
    /// A read served from the watch cache (`resourceVersion=0`, `NotOlderThan`).
    case cacheRead
    /// A watch.
    case watch
    /// A create, update, patch or delete.
    case write
    /// A `pods/eviction` POST.
    case eviction
    /// `/version`, `/api`, `/apis`, group versions, OpenAPI.
    case discovery
    /// Anything else (unknown paths).
    case other
}

/// One request as the ledger saw it.
public struct LedgerEntry: Sendable, Codable, Equatable {
    /// The HTTP method.
    public var method: String
    /// The path, without the query.
    public var path: String
    /// The query string as received (percent-encoded), empty when none.
    public var query: String
    /// The class.
    public var requestClass: RequestClass
    /// The response status code.
    public var status: Int
    /// The `Kubectl-Command` header, when kubectl sent the request.
    public var kubectlCommand: String?
    /// Who sent the request: the token of an `Authorization: Bearer <token>` header, taken as the user name (as a
    /// kube-apiserver static token file that maps every token to the user of the same name would); `nil` without
    /// a bearer token. JSON `user`, left out when `nil`.
    public var user: String?
    /// When the response was decided, in seconds since the Unix epoch (wall clock). JSON `time`.
    public var time: Double

    /// Creates an entry; `time` defaults to now.
    public init(
        method: String, path: String, query: String, requestClass: RequestClass, status: Int,
        kubectlCommand: String? = nil, user: String? = nil, time: Double = Date().timeIntervalSince1970
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.requestClass = requestClass
        self.status = status
        self.kubectlCommand = kubectlCommand
        self.user = user
        self.time = time
    }

    private enum CodingKeys: String, CodingKey {
        case method, path, query, requestClass, status, kubectlCommand, user, time
    }

    /// Decodes an entry; ledgers written before `user` and `time` existed decode with `nil` and 0.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        method = try container.decode(String.self, forKey: .method)
        path = try container.decode(String.self, forKey: .path)
        query = try container.decode(String.self, forKey: .query)
        requestClass = try container.decode(RequestClass.self, forKey: .requestClass)
        status = try container.decode(Int.self, forKey: .status)
        kubectlCommand = try container.decodeIfPresent(String.self, forKey: .kubectlCommand)
        user = try container.decodeIfPresent(String.self, forKey: .user)
        time = try container.decodeIfPresent(Double.self, forKey: .time) ?? 0
    }

    /// The user a request's `Authorization` header names: the token of `Bearer <token>` (the scheme matched
    /// without regard to case), `nil` for any other header or none.
    public static func user(authorization: String?) -> String? {
        guard let authorization else { return nil }
        let parts = authorization.trimmingCharacters(in: .whitespaces).split(
            separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }

    /// `METHOD path?query`.
    public var line: String { query.isEmpty ? "\(method) \(path)" : "\(method) \(path)?\(query)" }
}

/// Every request the fake served, classified: what benchmarks compare and the kubectl interop suite asserts.
///
/// Thread-safe; readable from the library and over HTTP at `GET /debug/ledger`, reset by `DELETE /debug/ledger`.
public final class RequestLedger: Sendable {
    /// Counts and the most recent entries.
    public struct Snapshot: Sendable, Codable {
        /// Requests per class (`consistentRead`, `cacheRead`, …).
        public var byClass: [String: Int]
        /// Requests per `METHOD path` (no query).
        public var byPath: [String: Int]
        /// The entries, oldest first (at most the ledger's capacity).
        public var entries: [LedgerEntry]
        /// All requests counted since the last reset.
        public var total: Int

        /// The count of one class.
        public func count(_ requestClass: RequestClass) -> Int { byClass[requestClass.rawValue] ?? 0 }
    }

    private struct State {
        var byClass: [String: Int] = [:]
        var byPath: [String: Int] = [:]
        var entries: [LedgerEntry] = []
        var total = 0
    }

    private let state = Lock(State())
    private let capacity: Int

    /// Creates a ledger keeping at most `capacity` entries (counts are kept for every request).
    public init(capacity: Int = 100_000) { self.capacity = capacity }

    /// Records one request.
    public func record(_ entry: LedgerEntry) {
        state.withLock { state in
            state.byClass[entry.requestClass.rawValue, default: 0] += 1
            state.byPath["\(entry.method) \(entry.path)", default: 0] += 1
            state.total += 1
            state.entries.append(entry)
            if state.entries.count > capacity { state.entries.removeFirst(state.entries.count - capacity) }
        }
    }

    /// The counts and entries so far.
    public func snapshot() -> Snapshot {
        state.withLock { Snapshot(byClass: $0.byClass, byPath: $0.byPath, entries: $0.entries, total: $0.total) }
    }

    /// Forgets everything.
    public func reset() { state.withLock { $0 = State() } }
}
