/// One event of a watch stream.
///
/// `ERROR` events are not values of this type: the stream throws them as ``KubernetesError`` (410 `Expired` as
/// ``KubernetesError/Code/expired``, the signal to relist).
public enum WatchEvent<Object: KubernetesResource>: Sendable {
    /// An object was created (or existed when the watch started).
    case added(Object)
    /// An object changed.
    case modified(Object)
    /// An object was deleted; this is its last state.
    case deleted(Object)
    /// Nothing changed, but the collection reached this resourceVersion (sent with `allowWatchBookmarks`).
    case bookmark(resourceVersion: String, annotations: [String: String])

    /// The resourceVersion the event carries; resume a watch from the last one seen.
    public var resourceVersion: String? {
        switch self {
        case .added(let object), .modified(let object), .deleted(let object): object.metadata.resourceVersion
        case .bookmark(let resourceVersion, _): resourceVersion
        }
    }

    /// The object, for every event but a bookmark.
    public var object: Object? {
        switch self {
        case .added(let object), .modified(let object), .deleted(let object): object
        case .bookmark: nil
        }
    }
}

/// The wire form of a watch event: `{"type":"ADDED","object":{…}}`.
struct RawWatchEvent<Object: KubernetesResource>: Decodable {
    enum Kind {
        case event(WatchEvent<Object>)
        case error(Status)
    }

    var kind: Kind

    enum CodingKeys: String, CodingKey {
        case type, object
    }

    /// The minimum a bookmark carries.
    private struct Bookmark: Decodable {
        var metadata: ObjectMeta
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let type = try container.decode(String.self, forKey: .type)
        switch type {
        case "ADDED": kind = .event(.added(try container.decode(Object.self, forKey: .object)))
        case "MODIFIED": kind = .event(.modified(try container.decode(Object.self, forKey: .object)))
        case "DELETED": kind = .event(.deleted(try container.decode(Object.self, forKey: .object)))
        case "BOOKMARK":
            let bookmark = try container.decode(Bookmark.self, forKey: .object)
            kind = .event(
                .bookmark(
                    resourceVersion: bookmark.metadata.resourceVersion ?? "",
                    annotations: bookmark.metadata.annotations ?? [:]))
        case "ERROR": kind = .error(try container.decode(Status.self, forKey: .object))
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .type, in: container, debugDescription: "unknown watch event type \(type)")
        }
    }
}
