/// Where a resource lives in the API: its group, version, kind and plural name.
public struct ResourceDescriptor: Sendable, Hashable {
    /// The API group; empty for the core group.
    public var group: String
    /// The version, for example `v1`.
    public var version: String
    /// The kind, for example `Node`.
    public var kind: String
    /// The plural resource name used in paths, for example `nodes`.
    public var plural: String
    /// Whether objects live in namespaces.
    public var isNamespaced: Bool

    /// Creates a descriptor.
    public init(group: String, version: String, kind: String, plural: String, isNamespaced: Bool) {
        self.group = group
        self.version = version
        self.kind = kind
        self.plural = plural
        self.isNamespaced = isNamespaced
    }

    /// `v1` for the core group, `group/version` otherwise.
    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }

    /// The path of the collection: `/api/v1/nodes`, `/api/v1/namespaces/NS/pods` or, with a `nil` namespace for a
    /// namespaced resource, every namespace (`/api/v1/pods`).
    public func collectionPath(namespace: String?) -> String {
        let root = group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)"
        if isNamespaced, let namespace {
            return "\(root)/namespaces/\(PathEscaping.segment(namespace))/\(plural)"
        }
        return "\(root)/\(plural)"
    }

    /// The path of one object.
    public func objectPath(name: String, namespace: String?) -> String {
        "\(collectionPath(namespace: namespace))/\(PathEscaping.segment(name))"
    }
}

/// A Kubernetes object type the client can read and write: Codable, with metadata and a place in the API.
public protocol KubernetesResource: Codable, Sendable {
    /// The resource's group, version, kind and plural name.
    static var descriptor: ResourceDescriptor { get }
    /// The object's metadata.
    var metadata: ObjectMeta { get set }
}

/// `{kind}List`: one page of a list response.
public struct ObjectList<Item: KubernetesResource>: Codable, Sendable {
    /// The list's API version.
    public var apiVersion: String?
    /// The list's kind, for example `NodeList`.
    public var kind: String?
    /// The list's resourceVersion and continue token.
    public var metadata: ListMeta
    /// The objects.
    public var items: [Item]

    /// Creates a list.
    public init(metadata: ListMeta = ListMeta(), items: [Item]) {
        self.apiVersion = Item.descriptor.apiVersion
        self.kind = Item.descriptor.kind + "List"
        self.metadata = metadata
        self.items = items
    }

    enum CodingKeys: String, CodingKey {
        case apiVersion, kind, metadata, items
    }

    /// Decodes a list; a `null` items field (the apiserver sends it for empty lists) is an empty list.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        apiVersion = try container.decodeIfPresent(String.self, forKey: .apiVersion)
        kind = try container.decodeIfPresent(String.self, forKey: .kind)
        metadata = try container.decodeIfPresent(ListMeta.self, forKey: .metadata) ?? ListMeta()
        items = try container.decodeIfPresent([Item].self, forKey: .items) ?? []
    }
}

/// Percent-encoding for path segments and query components: everything but RFC 3986's unreserved characters.
enum PathEscaping {
    static func segment(_ value: String) -> String {
        var result = ""
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                result += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return result
    }

    static func query(_ items: [(String, String)]) -> String {
        items.map { "\(segment($0.0))=\(segment($0.1))" }.joined(separator: "&")
    }
}
