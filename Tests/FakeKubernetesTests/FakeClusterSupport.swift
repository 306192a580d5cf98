import FakeKubernetes
import Foundation
import HTTPClient
import JSONValues
import Testing

/// A started fake apiserver plus an HTTP client, for one test.
struct FakeCluster: Sendable {
    let server: FakeAPIServer
    let client: HTTPClient

    var store: ClusterStore { server.store }
    var url: String { server.baseURL }

    /// One request; the body is decoded as JSON when there is one.
    func request(
        _ method: HTTPMethod, _ path: String, body: JSONValue? = nil,
        contentType: String = "application/json", headers: [(String, String)] = []
    ) async throws -> (status: Int, json: JSONValue, headers: HTTPHeaders) {
        var fields = HTTPHeaders([("Accept", "application/json")] + headers)
        if body != nil { fields.add(name: "Content-Type", value: contentType) }
        let response = try await client.execute(
            HTTPRequest(
                method: method, url: url + path, headers: fields, body: body?.serialized(),
                timeout: .seconds(10)))
        let json = response.body.isEmpty ? JSONValue.null : ((try? JSONValue(parsing: response.body)) ?? .null)
        return (response.status, json, response.headers)
    }

    func get(_ path: String) async throws -> (status: Int, json: JSONValue) {
        let response = try await request(.get, path)
        return (response.status, response.json)
    }

    /// Reads watch lines from a stream until `count` lines arrived or `timeout` passed.
    func watch(_ path: String, lines count: Int, timeout: Duration = .seconds(5)) async throws -> [JSONValue] {
        let response = try await client.stream(
            HTTPRequest(url: url + path, headers: HTTPHeaders([("Accept", "application/json")]), timeout: timeout))
        #expect(response.status == 200)
        var buffer = Data()
        var lines: [JSONValue] = []
        for try await chunk in response.body {
            buffer.append(chunk)
            while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                lines.append(try JSONValue(parsing: buffer[buffer.startIndex..<newline]))
                buffer.removeSubrange(buffer.startIndex...newline)
            }
            if lines.count >= count { break }
        }
        return lines
    }
}

/// Runs `body` against a fresh fake apiserver on port 0, stopping it afterwards.
func withFakeCluster<T: Sendable>(
    store configuration: ClusterStore.Configuration = ClusterStore.Configuration(),
    server serverConfiguration: FakeAPIServer.Configuration = FakeAPIServer.Configuration(),
    _ body: (FakeCluster) async throws -> T
) async throws -> T {
    let client = try HTTPClient()
    defer { client.shutdown() }
    return try await FakeAPIServer.withRunning(
        store: ClusterStore(configuration: configuration), configuration: serverConfiguration
    ) { server in
        try await body(FakeCluster(server: server, client: client))
    }
}

extension JSONValue {
    /// The names of a list's items.
    var itemNames: [String] {
        (self["items"].arrayValue ?? []).compactMap { $0["metadata"]["name"].stringValue }
    }
}
