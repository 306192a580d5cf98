import Foundation
import Interruption
import Timestamps

extension NodeJobState {
    /// `node-termination-handler/instance-id`.
    public static let instanceIDKey = annotationPrefix + "instance-id"
    /// `node-termination-handler/event-ids`: the events' ids, comma-separated.
    public static let eventIDsKey = annotationPrefix + "event-ids"
    /// `node-termination-handler/kinds`: the kinds, comma-separated.
    public static let kindsKey = annotationPrefix + "kinds"
    /// `node-termination-handler/deadline`: RFC 3339, absent when the job has none.
    public static let deadlineKey = annotationPrefix + "deadline"
    /// `node-termination-handler/started-at`: RFC 3339.
    public static let startedAtKey = annotationPrefix + "started-at"
    /// `node-termination-handler/lifecycle-hooks`: a JSON array of `{"autoScalingGroupName", "hookName"}`, absent
    /// when the job has no terminate hook (and on nodes annotated before this key existed). JSON, because group
    /// names may hold commas and hook names slashes.
    public static let lifecycleHooksKey = annotationPrefix + "lifecycle-hooks"

    /// Every key this type writes.
    public static let annotationKeys = [
        instanceIDKey, eventIDsKey, kindsKey, deadlineKey, startedAtKey, lifecycleHooksKey,
    ]

    /// The annotations that record this state on the node.
    public var annotations: [String: String] {
        var annotations = [
            Self.instanceIDKey: instanceID.rawValue,
            Self.eventIDsKey: eventIDs.joined(separator: ","),
            Self.kindsKey: kinds.map(\.rawValue).joined(separator: ","),
            Self.startedAtKey: Self.format(startedAt),
        ]
        if let deadline { annotations[Self.deadlineKey] = Self.format(deadline) }
        if !lifecycleHooks.isEmpty {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            if let data = try? encoder.encode(lifecycleHooks) {
                annotations[Self.lifecycleHooksKey] = String(decoding: data, as: UTF8.self)
            }
        }
        return annotations
    }

    /// Reads a state back from a node's annotations.
    /// - Parameter annotations: `metadata.annotations`.
    /// - Returns: the state, or `nil` when the node carries none (or an unreadable one, see
    ///   ``read(annotations:)``). Unknown kinds are dropped.
    public init?(annotations: [String: String]) {
        guard case .success(let state)? = Self.read(annotations: annotations) else { return nil }
        self = state
    }

    /// Reads a state back from a node's annotations, saying why when they are there but malformed.
    ///
    /// Unknown kinds are dropped (a newer controller may know more); a node annotated before
    /// ``lifecycleHooksKey`` existed reads with no hooks.
    /// - Parameter annotations: `metadata.annotations`.
    /// - Returns: `nil` when the node carries none of ``annotationKeys``; otherwise the state, or why it is unreadable
    ///   (the instance id or the start time missing or malformed, no known kind, malformed lifecycle hooks).
    public static func read(annotations: [String: String]) -> Result<NodeJobState, UnreadableJobState>? {
        guard annotationKeys.contains(where: { annotations[$0] != nil }) else { return nil }
        guard let rawID = annotations[instanceIDKey], let instanceID = InstanceID(rawID) else {
            return .failure(UnreadableJobState("\(instanceIDKey) is missing or not an instance id"))
        }
        guard let started = annotations[startedAtKey].flatMap(parse) else {
            return .failure(UnreadableJobState("\(startedAtKey) is missing or not an RFC 3339 time"))
        }
        let kinds = (annotations[kindsKey] ?? "").split(separator: ",").compactMap {
            InterruptionKind(rawValue: String($0))
        }
        guard !kinds.isEmpty else { return .failure(UnreadableJobState("\(kindsKey) names no known kind")) }
        var deadline: Date?
        if let text = annotations[deadlineKey] {
            guard let parsed = parse(text) else {
                return .failure(UnreadableJobState("\(deadlineKey) is not an RFC 3339 time"))
            }
            deadline = parsed
        }
        var hooks: [LifecycleHook] = []
        if let text = annotations[lifecycleHooksKey] {
            guard let decoded = try? JSONDecoder().decode([LifecycleHook].self, from: Data(text.utf8)),
                decoded.allSatisfy({ !$0.autoScalingGroupName.isEmpty && !$0.hookName.isEmpty })
            else {
                return .failure(UnreadableJobState("\(lifecycleHooksKey) is not a JSON array of hooks"))
            }
            hooks = decoded
        }
        let eventIDs = (annotations[eventIDsKey] ?? "").split(separator: ",").map(String.init)
        return .success(
            NodeJobState(
                instanceID: instanceID, eventIDs: eventIDs, kinds: kinds, deadline: deadline, startedAt: started,
                lifecycleHooks: hooks))
    }

    static func format(_ date: Date) -> String { RFC3339.format(date, fractionDigits: 3) }

    static func parse(_ text: String) -> Date? { RFC3339.parse(text) }
}

/// Why a node's job-state annotations could not be read.
public struct UnreadableJobState: Error, Sendable, Hashable, CustomStringConvertible {
    /// Which annotation is wrong, and how.
    public var description: String

    /// Creates a reason.
    /// - Parameter description: which annotation is wrong, and how.
    public init(_ description: String) {
        self.description = description
    }
}
