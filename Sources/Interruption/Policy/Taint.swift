/// A node taint's effect. See [Taints and tolerations](https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/).
public enum TaintEffect: String, Sendable, Hashable, CaseIterable {
    /// `NoSchedule`: no new pods (NTH's default).
    case noSchedule = "NoSchedule"
    /// `PreferNoSchedule`: avoid scheduling new pods.
    case preferNoSchedule = "PreferNoSchedule"
    /// `NoExecute`: also evict running pods that do not tolerate it.
    case noExecute = "NoExecute"
}

/// A node taint.
public struct Taint: Sendable, Hashable {
    /// The out-of-service taint added after a drain (`ENABLE_OUT_OF_SERVICE_TAINT`), so that stateful workloads
    /// detach their volumes: `node.kubernetes.io/out-of-service=nodeshutdown:NoExecute`.
    public static let outOfService = Taint(
        key: "node.kubernetes.io/out-of-service", value: "nodeshutdown", effect: .noExecute)

    /// The key.
    public var key: String
    /// The value, at most 63 characters.
    public var value: String
    /// The effect.
    public var effect: TaintEffect

    /// Creates a taint.
    ///
    /// - Parameters:
    ///   - key: The key.
    ///   - value: The value.
    ///   - effect: The effect.
    public init(key: String, value: String, effect: TaintEffect) {
        self.key = key
        self.value = value
        self.effect = effect
    }

    /// Makes a valid taint (label) value from an event id: characters outside `[A-Za-z0-9._-]` become `-`, the
    /// value is cut to 63 characters, and non-alphanumeric characters are trimmed from both ends.
    ///
    /// - Parameter eventID: The event id.
    /// - Returns: The value; empty when nothing valid remains.
    public static func value(fromEventID eventID: String) -> String {
        func isAlphanumeric(_ character: Character) -> Bool {
            character.isASCII && (character.isLetter || character.isNumber)
        }
        let mapped = eventID.map { character in
            isAlphanumeric(character) || character == "." || character == "_" || character == "-" ? character : "-"
        }
        var value = Substring(String(mapped.prefix(63)))
        while let first = value.first, !isAlphanumeric(first) { value.removeFirst() }
        while let last = value.last, !isAlphanumeric(last) { value.removeLast() }
        return String(value)
    }
}
