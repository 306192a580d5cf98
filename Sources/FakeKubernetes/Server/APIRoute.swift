import Foundation
import JSONValues

/// A request, independent of the HTTP server that received it.
struct APIRequest: Sendable {
    var method: String
    var path: String
    /// The query string as received, percent-encoded.
    var rawQuery: String
    /// Decoded query parameters (first value wins).
    var query: [String: String]
    /// Header fields, names lowercased.
    var headers: [String: String]
    var body: Data
}

/// A response, independent of the HTTP server that sends it.
struct APIResponse: Sendable {
    enum Body: Sendable {
        case data(Data)
        case stream(AsyncStream<Data>)
    }

    var status: Int
    var headers: [(String, String)] = [("Content-Type", "application/json")]
    var body: Body
    /// Close the connection after the head, before the body (an injected fault).
    var dropConnection = false

    static func json(_ value: JSONValue, status: Int = 200) -> APIResponse {
        APIResponse(status: status, body: .data(value.serialized()))
    }

    static func error(_ error: APIError) -> APIResponse {
        var response = APIResponse.json(error.status, status: error.code)
        if let seconds = error.retryAfterSeconds { response.headers.append(("Retry-After", String(seconds))) }
        return response
    }
}

/// What a request path addresses.
enum APIRoute: Sendable, Equatable {
    case version
    case apiVersions
    case apiGroups
    case groupVersion(group: String, version: String)
    case openAPI
    case resource(ResourceRoute)
    case debug(String)
    case unknown

    /// A resource path: `/api/v1/[namespaces/NS/]RESOURCE[/NAME[/SUBRESOURCE]]` or the `/apis/GROUP/VERSION/…` form.
    struct ResourceRoute: Sendable, Equatable {
        var resource: ResourceType
        var namespace: String?
        var name: String?
        var subresource: String?
    }

    init(path: String) {
        let segments = path.split(separator: "/").map { $0.removingPercentEncoding ?? String($0) }
        switch segments.first {
        case "version" where segments.count == 1: self = .version
        case "openapi": self = .openAPI
        case "debug" where segments.count == 2: self = .debug(segments[1])
        case "api":
            if segments.count == 1 { self = .apiVersions; return }
            if segments.count == 2 { self = .groupVersion(group: "", version: segments[1]); return }
            self = Self.resourceRoute(group: "", version: segments[1], rest: Array(segments.dropFirst(2)))
        case "apis":
            if segments.count == 1 { self = .apiGroups; return }
            if segments.count == 2 { self = .unknown; return }
            if segments.count == 3 { self = .groupVersion(group: segments[1], version: segments[2]); return }
            self = Self.resourceRoute(group: segments[1], version: segments[2], rest: Array(segments.dropFirst(3)))
        default: self = .unknown
        }
    }

    private static func resourceRoute(group: String, version: String, rest: [String]) -> APIRoute {
        if rest.count >= 3, rest[0] == "namespaces",
            let resource = ResourceType.find(group: group, version: version, plural: rest[2]), resource.namespaced
        {
            guard rest.count <= 5 else { return .unknown }
            return .resource(
                ResourceRoute(
                    resource: resource, namespace: rest[1], name: rest.count > 3 ? rest[3] : nil,
                    subresource: rest.count > 4 ? rest[4] : nil))
        }
        guard let resource = ResourceType.find(group: group, version: version, plural: rest[0]), rest.count <= 3 else {
            return .unknown
        }
        if resource.namespaced, rest.count > 1 { return .unknown }
        return .resource(
            ResourceRoute(
                resource: resource, namespace: nil, name: rest.count > 1 ? rest[1] : nil,
                subresource: rest.count > 2 ? rest[2] : nil))
    }
}
