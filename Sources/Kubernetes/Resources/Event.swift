public import Foundation

/// An events.k8s.io/v1 Event.
///
/// See https://kubernetes.io/docs/reference/kubernetes-api/cluster-resources/event-v1/ ; for a Node the event's
/// namespace must be `default`.
public struct Event: KubernetesResource, Hashable {
    /// The resource `events` in `events.k8s.io/v1`; namespaced.
    public static let descriptor = ResourceDescriptor(
        group: "events.k8s.io", version: "v1", kind: "Event", plural: "events", isNamespaced: true)

    /// `events.k8s.io/v1`.
    public var apiVersion: String?
    /// `Event`.
    public var kind: String?
    /// The event's metadata.
    public var metadata: ObjectMeta
    /// When the event first happened (`MicroTime`, required).
    public var eventTime: Date?
    /// The controller that emitted it, a qualified name such as `example.com/node-termination-handler`.
    public var reportingController: String?
    /// The emitting instance, for example the pod name (at most 128 characters).
    public var reportingInstance: String?
    /// What was done, for example `Drain`.
    public var action: String?
    /// Why, for example `CordonAndDrain`.
    public var reason: String?
    /// A human-readable note (at most 1 KiB).
    public var note: String?
    /// `Normal` or `Warning`.
    public var type: String?
    /// The object the event is about.
    public var regarding: ObjectReference?
    /// A second object involved, such as a pod being evicted.
    public var related: ObjectReference?
    /// Repetitions of the same event.
    public var series: EventSeries?

    /// Creates an event.
    public init(
        metadata: ObjectMeta, eventTime: Date, reportingController: String, reportingInstance: String,
        action: String, reason: String, note: String? = nil, type: String = "Normal",
        regarding: ObjectReference, related: ObjectReference? = nil
    ) {
        self.apiVersion = Self.descriptor.apiVersion
        self.kind = Self.descriptor.kind
        self.metadata = metadata
        self.eventTime = eventTime
        self.reportingController = reportingController
        self.reportingInstance = reportingInstance
        self.action = action
        self.reason = reason
        self.note = note
        self.type = type
        self.regarding = regarding
        self.related = related
    }
}

/// `eventsv1.EventSeries`.
public struct EventSeries: Codable, Sendable, Hashable {
    /// How many times the event happened (at least 2).
    public var count: Int32
    /// When it last happened.
    public var lastObservedTime: Date

    /// Creates a series.
    public init(count: Int32, lastObservedTime: Date) {
        self.count = count
        self.lastObservedTime = lastObservedTime
    }
}
