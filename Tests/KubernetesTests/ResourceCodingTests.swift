import Foundation
import JSONValues
import Kubernetes
import Testing

@Suite("Resources decode from and encode to the apiserver's JSON")
struct ResourceCodingTests {
    let decoder = KubernetesJSON.makeDecoder()

    @Test("a node decodes with unknown fields ignored and its instance id parsed from providerID")
    func nodeDecodes() throws {
        let node = try decoder.decode(Node.self, from: Data(nodeJSON("n1", resourceVersion: "42").utf8))
        #expect(node.metadata.name == "n1")
        #expect(node.metadata.resourceVersion == "42")
        #expect(node.instanceID == "i-0123456789abcdef0")
        #expect(node.status?.conditions?.first?.type == "Ready")
        #expect(node.status?.conditions?.first?.lastHeartbeatTime == Date(timeIntervalSince1970: 1795984265))
    }

    @Test(
        "instance ids come only from AWS provider ids",
        arguments: [
            ("aws:///us-east-1a/i-0abc123", "i-0abc123"),
            ("aws://us-east-1a/i-0abc123", "i-0abc123"),
            ("aws:///us-east-1a/fargate-ip-10-0-0-1", nil),
            ("gce://project/zone/instance", nil),
            ("aws:///", nil),
        ] as [(String, String?)])
    func instanceIDs(providerID: String, expected: String?) {
        #expect(Node.instanceID(fromProviderID: providerID) == expected)
    }

    @Test("timestamps decode with and without fractions or offsets and encode with microseconds")
    func timestamps() throws {
        struct Stamped: Codable { var time: Date }
        let decoder = KubernetesJSON.makeDecoder()
        func decode(_ text: String) throws -> Date {
            let body = Data(#"{"time":"\#(text)"}"#.utf8)
            let stamped = try decoder.decode(Stamped.self, from: body)
            return stamped.time
        }
        func encode(_ date: Date) throws -> String {
            String(decoding: try KubernetesJSON.makeEncoder().encode(Stamped(time: date)), as: UTF8.self)
        }
        let plain = try decode("2026-11-29T20:31:05Z")
        let micro = try decode("2026-11-29T20:31:05.123456Z")
        #expect(abs(micro.timeIntervalSince(plain) - 0.123456) < 1e-6)
        #expect(try encode(micro) == #"{"time":"2026-11-29T20:31:05.123456Z"}"#)
        #expect(try encode(plain) == #"{"time":"2026-11-29T20:31:05.000000Z"}"#)
        #expect(try decode("2026-11-29T22:31:05+02:00") == plain)
        #expect(throws: DecodingError.self) { try decode("yesterday") }
    }

    @Test("a pod decodes its owners, node, phase, deletion state and volumes")
    func podDecodes() throws {
        let json = #"""
            {"metadata":{"name":"web-1","namespace":"shop","deletionTimestamp":"2026-11-29T20:31:05Z",
              "annotations":{"kubernetes.io/config.mirror":"x"},
              "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web","uid":"u1","controller":true}]},
             "spec":{"nodeName":"n1","terminationGracePeriodSeconds":30,
              "containers":[{"name":"app","image":"nginx","resources":{}}],
              "volumes":[{"name":"scratch","emptyDir":{}},{"name":"data","persistentVolumeClaim":{"claimName":"d"}}]},
             "status":{"phase":"Running","podIP":"10.0.0.1"}}
            """#
        let pod = try decoder.decode(Pod.self, from: Data(json.utf8))
        #expect(pod.controllerReference?.kind == "ReplicaSet")
        #expect(pod.spec?.nodeName == "n1")
        #expect(pod.spec?.containers.map(\.name) == ["app"])
        #expect(pod.spec?.volumes?.first?.emptyDir != nil)
        #expect(pod.spec?.volumes?.last?.emptyDir == nil)
        #expect(pod.status?.phase == .running)
        #expect(pod.metadata.deletionTimestamp != nil)
        #expect(pod.metadata.annotations?["kubernetes.io/config.mirror"] == "x")
    }

    @Test("a lease round-trips with MicroTime fields")
    func leaseRoundTrip() throws {
        let renew = Date(timeIntervalSince1970: 1_795_982_699.654_321)  // 2026-11-29T20:04:59.654321Z
        let lease = Lease(
            metadata: ObjectMeta(name: "nth", namespace: "kube-system", resourceVersion: "7"),
            spec: LeaseSpec(holderIdentity: "me", leaseDurationSeconds: 15, renewTime: renew, leaseTransitions: 3))
        let data = try KubernetesJSON.makeEncoder().encode(lease)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains(#""renewTime":"2026-11-29T20:04:59.654321Z""#))
        #expect(text.contains(#""apiVersion":"coordination.k8s.io/v1""#))
        let decoded = try decoder.decode(Lease.self, from: data)
        #expect(decoded == lease)
    }

    @Test("a PDB status without zero counters decodes them as zero")
    func pdbStatus() throws {
        let json =
            #"{"metadata":{"name":"p"},"spec":{"minAvailable":"50%","selector":{"matchLabels":{"a":"b"}}},"status":{"observedGeneration":1}}"#
        let pdb = try decoder.decode(PodDisruptionBudget.self, from: Data(json.utf8))
        #expect(pdb.spec?.minAvailable == .string("50%"))
        #expect(pdb.status?.disruptionsAllowed == 0)
        #expect(pdb.status?.expectedPods == 0)
    }

    @Test("a list with null items is empty, and its continue token is read")
    func listNullItems() throws {
        let json =
            #"{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"9","continue":"abc"},"items":null}"#
        let list = try decoder.decode(ObjectList<Pod>.self, from: Data(json.utf8))
        #expect(list.items.isEmpty)
        #expect(list.metadata.continueToken == "abc")
        #expect(list.metadata.resourceVersion == "9")
    }

    @Test("an eviction encodes as kubectl sends it")
    func evictionEncodes() throws {
        let eviction = Eviction(
            podName: "bare", namespace: "default", deleteOptions: DeleteOptions(gracePeriodSeconds: 10))
        let json = try JSONValue(parsing: try KubernetesJSON.makeEncoder().encode(eviction))
        #expect(json["apiVersion"] == "policy/v1")
        #expect(json["kind"] == "Eviction")
        #expect(json["metadata"]["name"] == "bare")
        #expect(json["deleteOptions"]["gracePeriodSeconds"] == .int(10))
    }

    @Test(
        "paths follow the API's layout",
        arguments: [
            (Node.descriptor, nil, "/api/v1/nodes"),
            (Pod.descriptor, "shop", "/api/v1/namespaces/shop/pods"),
            (Pod.descriptor, nil, "/api/v1/pods"),
            (Lease.descriptor, "kube-system", "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases"),
            (Event.descriptor, "default", "/apis/events.k8s.io/v1/namespaces/default/events"),
            (PodDisruptionBudget.descriptor, "a", "/apis/policy/v1/namespaces/a/poddisruptionbudgets"),
        ] as [(ResourceDescriptor, String?, String)])
    func paths(descriptor: ResourceDescriptor, namespace: String?, expected: String) {
        #expect(descriptor.collectionPath(namespace: namespace) == expected)
    }

    @Test("a JSON patch encodes its operations in order")
    func jsonPatch() throws {
        let patch = Patch.json([
            .test("/metadata/resourceVersion", "5"), .add("/spec/taints/-", ["key": "k", "effect": "NoSchedule"]),
        ])
        #expect(patch.format.rawValue == "application/json-patch+json")
        guard case .array(let operations) = patch.body else {
            Issue.record("a JSON patch body must be an array")
            return
        }
        #expect(operations.count == 2)
        #expect(operations[0]["op"] == "test")
        #expect(operations[1]["value"]["effect"] == "NoSchedule")
    }
}
