import Foundation
import Kubernetes
import Locking
import Testing

/// Lists are decoded one item at a time (so that a 5,000-node list never exists as 5,000 full objects at once);
/// these tests hold that path to the whole-body decoder's results and errors.
@Suite("List responses decoded item by item")
struct ListDecodingTests {
    /// Lists `/api/v1/pods` answered with `body`, through `listAll` with a transform that records what it saw.
    static func list(
        _ body: String, transform: (@Sendable (Pod) -> Pod)? = nil
    ) async throws -> ObjectList<Pod> {
        try await withScriptedServer { server in
            try await server.script("GET", "/api/v1/pods", [.json(200, body)])
            let client = try KubernetesClient(configuration: server.configuration())
            return try await client.listAll(Pod.self, transform: transform)
        }
    }

    @Test("strings holding brackets, braces, quotes and escapes, any key order and whitespace: the same items")
    func trickyJSON() async throws {
        let body = #"""
            {
              "items" : [
                {"metadata": {"name": "a", "annotations": {"x": "]}\"{[", "y": "\\\\\"", "z": "\u005d"}},
                 "spec": {"nodeName": "n1", "containers": [{"name": "c", "args": ["[", "{", "]]"]}]}},
                {"metadata":{"name":"b","namespace":"ns"},"status":{"phase":"Running"}} ,
                {"metadata": {"name": "c", "labels": {}}, "spec": {"terminationGracePeriodSeconds": 30, "x": [1, -2.5e3, true, null]}}
              ],
              "kind": "PodList", "apiVersion" : "v1",
              "metadata": {"resourceVersion": "42", "x": [{"]": "["}]}
            }
            """#
        let seen = Lock<[String]>([])
        let list = try await Self.list(body) { pod in
            seen.withLock { $0.append(pod.metadata.name ?? "?") }
            var trimmed = pod
            trimmed.metadata.annotations = nil
            return trimmed
        }
        let whole = try KubernetesJSON.makeDecoder().decode(ObjectList<Pod>.self, from: Data(body.utf8))
        #expect(list.items.map(\.metadata.name) == whole.items.map(\.metadata.name))
        #expect(list.items.map(\.spec?.nodeName) == whole.items.map(\.spec?.nodeName))
        #expect(list.items.map(\.status?.phase) == whole.items.map(\.status?.phase))
        #expect(list.metadata.resourceVersion == "42")
        #expect(seen.withLock { $0 } == ["a", "b", "c"], "each item passes the transform once, in order")
        #expect(list.items.allSatisfy { $0.metadata.annotations == nil }, "the result holds the transformed items")
        #expect(whole.items.first?.metadata.annotations?["x"] == #"]}"{["#)
    }

    @Test("items null, empty or absent are an empty list; metadata absent is empty metadata")
    func emptyLists() async throws {
        #expect(try await Self.list(#"{"metadata":{"resourceVersion":"3"},"items":null}"#).items.isEmpty)
        #expect(try await Self.list(#"{"items":[ ],"metadata":{"resourceVersion":"3"}}"#).items.isEmpty)
        #expect(try await Self.list(#"{"metadata":{"resourceVersion":"3"}}"#).metadata.resourceVersion == "3")
        let bare = try await Self.list(#"{}"#)
        #expect(bare.items.isEmpty && bare.metadata.resourceVersion == nil)
    }

    @Test("an item that does not decode fails the list with a decoding error naming the item")
    func badItem() async throws {
        let error = await #expect(throws: KubernetesError.self) {
            try await Self.list(#"{"items":[{"metadata":{"name":"a"}},{"metadata":{"name":7}}]}"#)
        }
        #expect(error?.code == .decoding)
        #expect(error?.message.contains("item 1") == true, "\(String(describing: error?.message))")
    }

    @Test("a body that is not a list object (truncated, an array, text) fails with the decoder's error")
    func notAList() async throws {
        for body in [
            #"{"items":[{"metadata":{"name":"a"}}"#, #"[]"#, "<html>proxy error</html>", #"{"items":[1,]}"#,
            #"{"items":[]} <html>"#,
        ] {
            let error = await #expect(throws: KubernetesError.self, "\(body)") { try await Self.list(body) }
            #expect(error?.code == .decoding, "\(body)")
        }
    }
}
