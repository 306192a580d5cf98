import Foundation
import Locking

/// Faults the fake injects on demand: latency, error rates per verb, dropped connections.
///
/// Set from the library (``FakeAPIServer/faults``) or over HTTP with `PUT /debug/faults` (this type as JSON);
/// `GET /debug/faults` reads it, `DELETE /debug/faults` clears it. Debug paths are never faulted. A lagging cache
/// and closing watch streams are store operations: ``ClusterStore/setCacheLag(_:)``, ``ClusterStore/closeWatches()``
/// (over HTTP: the `cacheLagMilliseconds` field here, `POST /debug/close-watches`).
public struct FaultPlan: Sendable, Codable, Equatable {
    /// An error answered instead of serving a request.
    public struct ErrorRate: Sendable, Codable, Equatable {
        /// The chance, 0…1, that a request of the verb fails.
        public var rate: Double
        /// The status code: 500, 503, 429, or 403 (an RBAC denial, reason `Forbidden`).
        public var status: Int
        /// A `Retry-After` header (seconds), if any. client-go retries up to 10 times on a 429/5xx with one.
        public var retryAfterSeconds: Int?

        /// Creates an error rate.
        public init(rate: Double, status: Int, retryAfterSeconds: Int? = nil) {
            self.rate = rate
            self.status = status
            self.retryAfterSeconds = retryAfterSeconds
        }
    }

    /// Added to every (non-debug) request before it is served.
    public var latencyMilliseconds: Int = 0
    /// Errors per verb: `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`, `evict`, or `*` for any.
    public var errors: [String: ErrorRate] = [:]
    /// The chance, 0…1, that a request's connection is dropped after the response head, before its body.
    public var dropConnectionRate: Double = 0
    /// When set, the watch cache lags storage by this much (applied to the store when the plan is set).
    public var cacheLagMilliseconds: Int?

    /// No faults.
    public init() {}

    /// The error to answer for a verb, drawing from `random`, if any.
    func error(for verb: String, random: inout some RandomNumberGenerator) -> ErrorRate? {
        guard let rate = errors[verb] ?? errors["*"], rate.rate > 0 else { return nil }
        return Double.random(in: 0..<1, using: &random) < rate.rate ? rate : nil
    }
}

/// The fault plan in force and the random numbers it draws, shared by concurrent requests.
final class FaultInjector: Sendable {
    private let state: Lock<(plan: FaultPlan, random: SplitMix64)>

    init(seed: UInt64 = 0x5EED) { state = Lock((FaultPlan(), SplitMix64(seed: seed))) }

    var plan: FaultPlan {
        get { state.withLock { $0.plan } }
        set { state.withLock { $0.plan = newValue } }
    }

    /// Decides the faults for one request: added latency, an error to answer, whether to drop the connection.
    func draw(verb: String) -> (latency: Duration, error: FaultPlan.ErrorRate?, drop: Bool) {
        state.withLock { state in
            let error = state.plan.error(for: verb, random: &state.random)
            let drop =
                state.plan.dropConnectionRate > 0
                && Double.random(in: 0..<1, using: &state.random) < state.plan.dropConnectionRate
            return (.milliseconds(state.plan.latencyMilliseconds), error, drop)
        }
    }
}

/// A small seeded generator so that fault runs can be repeated.
struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
