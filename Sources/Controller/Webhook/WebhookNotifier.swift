public import Clocks
internal import Foundation
public import HTTPClient
public import Interruption
public import Logging
internal import Timestamps

/// Posts one notification per interrupted instance to `WEBHOOK_URL`, off the drain's path: ``notify(_:)`` only
/// queues it; ``run()`` sends with a 5 s timeout and up to three attempts with back-off. The URL is never logged
/// (only its host), nor the headers.
public actor WebhookNotifier {
    /// What a notification says, as NTH's template fields.
    public typealias Fields = [String: String]

    private let settings: WebhookSettings
    private let client: HTTPClient
    private let logger: Logger
    private let clock: any WallClock
    private var pending: [Fields] = []
    private var wakeUp: CheckedContinuation<Void, Never>?
    /// Notifications sent, and those given up on.
    public private(set) var sent = 0
    /// Notifications given up on after every attempt.
    public private(set) var failed = 0

    /// A notifier; `nil` when no `WEBHOOK_URL` is set.
    public init?(
        settings: WebhookSettings, client: HTTPClient, logger: Logger = .disabled,
        clock: any WallClock = SystemClock()
    ) {
        guard settings.url != nil else { return nil }
        self.settings = settings
        self.client = client
        self.logger = logger
        self.clock = clock
    }

    /// Queues a notification.
    public func notify(_ fields: Fields) {
        pending.append(fields)
        wakeUp?.resume()
        wakeUp = nil
    }

    /// Sends queued notifications until cancelled, then whatever is still queued (best effort, one attempt each).
    public func run() async {
        while !Task.isCancelled {
            if pending.isEmpty {
                await withTaskCancellationHandler {
                    await withCheckedContinuation { continuation in
                        if pending.isEmpty, !Task.isCancelled { wakeUp = continuation } else { continuation.resume() }
                    }
                } onCancel: {
                    Task { await self.wake() }  // Ends at once: resumes the wait so run() sees the cancellation.
                }
                continue
            }
            let fields = pending.removeFirst()
            await send(fields, attempts: 3)
        }
        while !pending.isEmpty {
            let fields = pending.removeFirst()
            await send(fields, attempts: 1)
        }
    }

    private func wake() {
        wakeUp?.resume()
        wakeUp = nil
    }

    private func send(_ fields: Fields, attempts: Int) async {
        guard let url = settings.url else { return }
        let body = settings.template.render(fields, escapeForJSON: settings.isJSON)
        let request = HTTPRequest(
            method: .post, url: url, headers: HTTPHeaders(settings.headers.sorted { $0.key < $1.key }),
            body: Data(body.utf8), timeout: .seconds(5), proxy: settings.proxy)
        let host = URL(string: url)?.host ?? "?"
        for attempt in 1...attempts {
            do {
                let response = try await client.execute(request)
                if (200..<300).contains(response.status) {
                    sent += 1
                    return
                }
                logger.warning(
                    "webhook refused",
                    metadata: ["webhook.host": "\(host)", "status": "\(response.status)", "attempt": "\(attempt)"])
            } catch {
                logger.warning(
                    "webhook failed",
                    metadata: ["webhook.host": "\(host)", "error": "\(Self.redacted(error))", "attempt": "\(attempt)"])
            }
            if attempt < attempts { try? await clock.sleep(for: .seconds(1 << (attempt - 1))) }
        }
        failed += 1
        logger.error("webhook notification dropped after every attempt", metadata: ["webhook.host": "\(host)"])
    }

    /// The error without its URL (it may carry a token in its path).
    static func redacted(_ error: any Error) -> String {
        if let error = error as? HTTPClientError { return "\(error.code)" }
        return String(describing: type(of: error))
    }

    /// NTH's template fields for a job's first event on `node`.
    ///
    /// - Parameters:
    ///   - event: the job's first event.
    ///   - node: the node's name, when there is a node.
    ///   - instanceType: `{{ .InstanceType }}`, from the node's `node.kubernetes.io/instance-type` label.
    ///   - availabilityZone: `{{ .AvailabilityZone }}`, from the node's `topology.kubernetes.io/zone` label or
    ///     its providerID.
    /// - Returns: the fields; those without a value are absent (they render empty).
    public static func fields(
        for event: InterruptionEvent, node: String?, instanceType: String? = nil, availabilityZone: String? = nil
    ) -> Fields {
        var fields: Fields = [
            "EventID": event.eventID, "Kind": event.nthKind, "Monitor": "SQS_MONITOR",
            "Description": event.nthDescription, "InstanceID": event.instanceID.rawValue, "NodeName": node ?? "",
            "StartTime": stamp(event.time), "IsManaged": "true",
        ]
        if let group = event.lifecycleAction?.autoScalingGroupName { fields["AutoScalingGroupName"] = group }
        if let state = event.instanceState?.rawValue { fields["State"] = state }
        if let end = event.scheduledChange?.endTime { fields["EndTime"] = stamp(end) }
        if let instanceType, !instanceType.isEmpty { fields["InstanceType"] = instanceType }
        if let availabilityZone, !availabilityZone.isEmpty { fields["AvailabilityZone"] = availabilityZone }
        return fields
    }

    private static func stamp(_ date: Date) -> String { RFC3339.format(date) }
}
