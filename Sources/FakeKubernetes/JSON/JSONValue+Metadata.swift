import JSONValues

extension JSONValue {
    /// `metadata.name`.
    var name: String { self["metadata"]["name"].stringValue ?? "" }
    /// `metadata.namespace`.
    var namespace: String { self["metadata"]["namespace"].stringValue ?? "" }
    /// `metadata.resourceVersion`.
    var resourceVersion: String? { self["metadata"]["resourceVersion"].stringValue }
    /// `metadata.uid`.
    var uid: String? { self["metadata"]["uid"].stringValue }
    /// `metadata.labels`.
    var labels: [String: String] { self["metadata"]["labels"].stringMap }
    /// Whether `metadata.deletionTimestamp` is set.
    var isTerminating: Bool { !self["metadata"]["deletionTimestamp"].isNull }
}
