import FakeKubernetes
import Foundation
import HTTPClient
import JSONValues
import Testing

/// events.k8s.io/v1 and core v1 Events are one store seen through two schemas, as in a real apiserver: what the
/// controller writes through events.k8s.io/v1 is listed through /api/v1 (and so by `kubectl get events`), and a
/// core Event is listed through events.k8s.io/v1.
@Suite("Events: one store for events.k8s.io/v1 and core v1", .serialized)
struct EventStoreTests {
    /// An events.k8s.io/v1 Event about `node`, as the controller writes it.
    static func newEvent(_ name: String, node: String, reason: String, note: String) -> JSONValue {
        [
            "apiVersion": "events.k8s.io/v1", "kind": "Event",
            "metadata": ["name": .string(name), "namespace": "default", "annotations": ["instance-id": "i-0abc"]],
            "eventTime": "2026-11-29T20:31:05.123456Z", "reportingController": "node-termination-handler",
            "reportingInstance": "nth-6f9c-x2x8k", "action": "CordonAndDrain", "reason": .string(reason),
            "type": "Normal", "note": .string(note),
            "regarding": ["apiVersion": "v1", "kind": "Node", "name": .string(node), "uid": "node-uid"],
            "deprecatedCount": 3, "series": ["count": 2, "lastObservedTime": "2026-11-29T20:35:05.000000Z"],
        ]
    }

    @Test("an events.k8s.io/v1 Event is listed through /api/v1 with the conversion's field names, and back")
    func conversion() async throws {
        try await withFakeCluster { cluster in
            let created = try await cluster.request(
                .post, "/apis/events.k8s.io/v1/namespaces/default/events",
                body: Self.newEvent(
                    "node-1.1", node: "node-1", reason: "CordonAndDrain", note: "Node successfully cordoned and drained"
                ))
            #expect(created.status == 201)
            #expect(created.json["apiVersion"] == "events.k8s.io/v1")
            #expect(created.json["note"] == "Node successfully cordoned and drained")
            #expect(created.json["regarding"]["name"] == "node-1")

            let core = try await cluster.get("/api/v1/namespaces/default/events/node-1.1")
            #expect(core.status == 200)
            #expect(core.json["apiVersion"] == "v1")
            #expect(core.json["message"] == "Node successfully cordoned and drained")
            #expect(core.json["involvedObject"]["kind"] == "Node")
            #expect(core.json["involvedObject"]["name"] == "node-1")
            #expect(core.json["reportingComponent"] == "node-termination-handler")
            #expect(core.json["reportingInstance"] == "nth-6f9c-x2x8k")
            #expect(core.json["count"] == 3)
            #expect(core.json["series"]["count"] == 2)
            #expect(core.json["eventTime"] == "2026-11-29T20:31:05.123456Z")
            #expect(core.json["note"].isNull && core.json["regarding"].isNull)
            #expect(core.json["metadata"]["annotations"]["instance-id"] == "i-0abc")

            // A core Event (as NTH writes them) is listed through events.k8s.io/v1.
            let nth: JSONValue = [
                "apiVersion": "v1", "kind": "Event", "metadata": ["name": "node-2.1", "namespace": "default"],
                "involvedObject": ["kind": "Node", "name": "node-2", "namespace": "default"],
                "reason": "CordonAndDrain", "message": "Node successfully cordoned and drained", "type": "Normal",
                "source": ["component": "aws-node-termination-handler", "host": "node-2"],
                "firstTimestamp": "2026-11-29T20:31:05Z", "lastTimestamp": "2026-11-29T20:31:05Z", "count": 1,
            ]
            #expect(try await cluster.request(.post, "/api/v1/namespaces/default/events", body: nth).status == 201)
            let list = try await cluster.get(
                "/apis/events.k8s.io/v1/namespaces/default/events?fieldSelector=regarding.name%3Dnode-2")
            #expect(list.status == 200)
            #expect(list.json["apiVersion"] == "events.k8s.io/v1")
            let items = list.json["items"].arrayValue ?? []
            #expect(items.count == 1)
            #expect(items.first?["apiVersion"] == "events.k8s.io/v1")
            #expect(items.first?["note"] == "Node successfully cordoned and drained")
            #expect(items.first?["deprecatedSource"]["component"] == "aws-node-termination-handler")
            #expect(items.first?["deprecatedCount"] == 1)
            #expect(items.first?["regarding"]["name"] == "node-2")
            let all = try await cluster.get("/api/v1/namespaces/default/events")
            #expect((all.json["items"].arrayValue ?? []).count == 2, "one store: both events, through either API")
        }
    }

    @Test("a merge patch through events.k8s.io/v1 updates the stored fields (series, note)")
    func patch() async throws {
        try await withFakeCluster { cluster in
            _ = try await cluster.request(
                .post, "/apis/events.k8s.io/v1/namespaces/default/events",
                body: Self.newEvent("node-1.2", node: "node-1", reason: "Cordon", note: "first"))
            let patched = try await cluster.request(
                .patch, "/apis/events.k8s.io/v1/namespaces/default/events/node-1.2",
                body: ["note": "second", "series": ["count": 3, "lastObservedTime": "2026-11-29T20:40:05.000000Z"]],
                contentType: "application/merge-patch+json")
            #expect(patched.status == 200)
            #expect(patched.json["note"] == "second")
            let core = try await cluster.get("/api/v1/namespaces/default/events/node-1.2")
            #expect(core.json["message"] == "second")
            #expect(core.json["series"]["count"] == 3)
        }
    }

    @Test("a watch through events.k8s.io/v1 sees core writes in the events.k8s.io shape")
    func watch() async throws {
        try await withFakeCluster { cluster in
            let nth: JSONValue = [
                "apiVersion": "v1", "kind": "Event", "metadata": ["name": "node-3.1", "namespace": "default"],
                "involvedObject": ["kind": "Node", "name": "node-3"], "reason": "PostDrain",
                "message": "Post-drain task successfully executed", "type": "Normal",
            ]
            #expect(try await cluster.request(.post, "/api/v1/namespaces/default/events", body: nth).status == 201)
            let lines = try await cluster.watch("/apis/events.k8s.io/v1/namespaces/default/events?watch=true", lines: 1)
            #expect(lines.first?["type"] == "ADDED")
            #expect(lines.first?["object"]["apiVersion"] == "events.k8s.io/v1")
            #expect(lines.first?["object"]["note"] == "Post-drain task successfully executed")
            #expect(lines.first?["object"]["regarding"]["name"] == "node-3")
        }
    }

    @Test("kubectl get events shows what was written through events.k8s.io/v1: reason, object and message")
    func kubectlGetEvents() async throws {
        try await withFakeCluster { cluster in
            let kubectl = try KubectlInteropTests.kubectl(for: cluster)
            defer { kubectl.cleanUp() }
            _ = try await cluster.request(
                .post, "/apis/events.k8s.io/v1/namespaces/default/events",
                body: Self.newEvent(
                    "node-1.3", node: "node-1", reason: "CordonAndDrain", note: "Node successfully cordoned and drained"
                ))
            let table = try await kubectl.run(["get", "events", "-n", "default"])
            #expect(table.status == 0, "\(table.stderr)")
            let lines = table.stdout.split(separator: "\n")
            #expect(
                lines.first?.split(separator: " ", omittingEmptySubsequences: true)
                    == ["LAST", "SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"], "\(table.stdout)")
            #expect(
                lines.contains {
                    $0.contains("Normal") && $0.contains("CordonAndDrain") && $0.contains("node/node-1")
                        && $0.contains("Node successfully cordoned and drained")
                }, "\(table.stdout)")
            let json = try await kubectl.run(["get", "events", "-n", "default", "-o", "json"])
            #expect(json.status == 0, "\(json.stderr)")
            let item = try #require(try JSONValue(parsing: json.stdout)["items"].arrayValue?.first)
            #expect(item["reason"] == "CordonAndDrain")
            #expect(item["message"] == "Node successfully cordoned and drained")
        }
    }
}
