import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// What the service group does not do with signals. The first SIGTERM or SIGINT starts the group's graceful
/// shutdown (the group traps them as well) and is logged here. From then on the process ends at the latest a
/// little after the shutdown deadline, and at once on a second signal, even when a step that outlives
/// cancellation (a shielded release waiting on a stalled peer) still runs.
///
/// The group cancels its services at the deadline itself (`maximumGracefulShutdownDuration`); this guard is what
/// makes the process end if that cancellation does not. Put it first in the group's services, so it is the last the
/// group shuts down: it keeps listening until every other service has stopped.
struct ShutdownGuard: Service {
    let logger: Logger
    /// The group's graceful shutdown deadline.
    let deadline: Duration
    /// How long after the deadline the process is ended if it has not ended by then.
    var margin: Duration = .seconds(2)

    func run() async throws {
        var first: UnixSignal?
        for await signal in await UnixSignalsSequence(trapping: .sigterm, .sigint).cancelOnGracefulShutdown() {
            guard first == nil else {
                logger.warning("second signal during the shutdown: exiting at once", metadata: ["signal": "\(signal)"])
                Self.exitNow(128 + signal.rawValue)
            }
            first = signal
            logger.info(
                "shutting down",
                metadata: ["signal": "\(signal)", "deadline_seconds": "\(deadline.components.seconds)"])
            // Detached on purpose: at the deadline the group cancels every service, this one too, and a child task
            // would die with it; the exit it guards is needed exactly then (ShutdownEndToEndTests.deadline fails with
            // a structured child: the process then waits out the stalled release, 30 s). It ends with the process.
            Task.detached { [logger, deadline, margin] in
                try await Task.sleep(for: deadline + margin)
                logger.error(
                    "the graceful shutdown outlived its deadline: exiting",
                    metadata: ["deadline_seconds": "\(deadline.components.seconds)"])
                Self.exitNow(1)
            }
        }
    }

    /// Ends the process now, while other threads still run: the log flushed, then `_exit`. Not `exit`, whose
    /// `atexit` handlers tear down libraries under those threads' feet (OpenSSL's locks: a thread signing a request
    /// crashed in `pthread_rwlock_rdlock` under ThreadSanitizer, which made the exit status 66 instead of 143).
    static func exitNow(_ status: Int32) -> Never {
        fflush(nil)
        _exit(status)
    }
}
