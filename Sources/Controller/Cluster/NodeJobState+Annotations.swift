import Foundation
import Interruption

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

    /// Every key this type writes.
    public static let annotationKeys = [instanceIDKey, eventIDsKey, kindsKey, deadlineKey, startedAtKey]

    /// The annotations that record this state on the node.
    public var annotations: [String: String] {
        var annotations = [
            Self.instanceIDKey: instanceID.rawValue,
            Self.eventIDsKey: eventIDs.joined(separator: ","),
            Self.kindsKey: kinds.map(\.rawValue).joined(separator: ","),
            Self.startedAtKey: Self.format(startedAt),
        ]
        if let deadline { annotations[Self.deadlineKey] = Self.format(deadline) }
        return annotations
    }

    /// Reads a state back from a node's annotations.
    /// - Parameter annotations: `metadata.annotations`.
    /// - Returns: the state, or `nil` when the node carries none (or an unreadable one: the instance id or the
    ///   start time is missing or malformed). Unknown kinds are dropped.
    public init?(annotations: [String: String]) {
        guard let rawID = annotations[Self.instanceIDKey], let instanceID = InstanceID(rawID),
            let started = annotations[Self.startedAtKey].flatMap(Self.parse)
        else { return nil }
        let eventIDs = (annotations[Self.eventIDsKey] ?? "").split(separator: ",").map(String.init)
        let kinds = (annotations[Self.kindsKey] ?? "").split(separator: ",").compactMap {
            InterruptionKind(rawValue: String($0))
        }
        self.init(
            instanceID: instanceID, eventIDs: eventIDs, kinds: kinds,
            deadline: annotations[Self.deadlineKey].flatMap(Self.parse), startedAt: started)
    }

    static func format(_ date: Date) -> String {
        Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(date)
    }

    static func parse(_ text: String) -> Date? {
        (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text))
            ?? (try? Date.ISO8601FormatStyle().parse(text))
    }
}
