internal import CoreMetrics
import Locking

/// A metrics factory that keeps the last value of every recorder (the controller's gauges, such as
/// `nth_drains_running`) and drops everything else: how the live view reads what only the controller knows.
final class GaugeTap: MetricsFactory, Sendable {
    private let values = Lock<[String: Double]>([:])

    /// The last value recorded under `label`, 0 before any.
    func value(_ label: String) -> Double { values.withLock { $0[label] ?? 0 } }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler { Ignored() }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        Tapped(label: label, tap: self)
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler { Ignored() }

    func destroyCounter(_ handler: any CounterHandler) {}
    func destroyRecorder(_ handler: any RecorderHandler) {}
    func destroyTimer(_ handler: any TimerHandler) {}

    /// A recorder writing into the tap.
    private final class Tapped: RecorderHandler, Sendable {
        let label: String
        let tap: GaugeTap

        init(label: String, tap: GaugeTap) {
            self.label = label
            self.tap = tap
        }

        func record(_ value: Int64) { record(Double(value)) }
        func record(_ value: Double) { tap.values.withLock { $0[label] = value } }
    }

    /// Counters and timers the live view does not show.
    private final class Ignored: CounterHandler, TimerHandler, Sendable {
        func increment(by: Int64) {}
        func reset() {}
        func recordNanoseconds(_ duration: Int64) {}
    }
}
