import Foundation
import JSONValues
import Kubernetes
import Locking
import TestSupport
import Testing

@Suite("Client verbs against a scripted apiserver")
struct ClientVerbTests {
    @Test("get decodes the object and sends JSON Accept and the bearer token")
    func get() async throws {
        try await withScriptedServer { server in
            try await server.script("GET", "/api/v1/nodes/n1", [.json(200, nodeJSON("n1", resourceVersion: "5"))])
            let metrics = RequestCounter()
            var configuration = server.configuration(authentication: .bearerToken("t0k"))
            configuration.metrics = metrics
            let client = try KubernetesClient(configuration: configuration)
            let node = try await client.get(Node.self, name: "n1")
            #expect(node.metadata.resourceVersion == "5")
            let request = try #require(try await server.requests().first)
            #expect(request.headers["authorization"] == "Bearer t0k")
            #expect(request.headers["accept"] == "application/json")
            #expect(metrics.count(verb: "get", resource: "nodes", code: 200) == 1)
        }
    }

    @Test("a 404 is a typed notFound error carrying the Status reason and message")
    func notFound() async throws {
        try await withScriptedServer { server in
            try await server.script(
                "GET", "/api/v1/namespaces/shop/pods/gone",
                [.json(404, statusJSON(code: 404, reason: "NotFound", message: #"pods \"gone\" not found"#))])
            let client = try KubernetesClient(configuration: server.configuration())
            let error = try await #require(throws: KubernetesError.self) {
                _ = try await client.get(Pod.self, name: "gone", namespace: "shop")
            }
            #expect(error.isNotFound)
            #expect(error.httpStatus == 404)
            #expect(error.reason == "NotFound")
            #expect(error.message == #"pods "gone" not found"#)
            #expect(error.description.hasPrefix("GET /api/v1/namespaces/shop/pods/gone failed (404 NotFound)"))
        }
    }

    @Test("list sends selectors and resourceVersion semantics, escaped, and listAll follows continue")
    func listAllFollowsContinue() async throws {
        try await withScriptedServer { server in
            try await server.script(
                "GET", "/api/v1/pods",
                [
                    .json(
                        200,
                        #"{"metadata":{"resourceVersion":"10","continue":"tok en"},"items":[{"metadata":{"name":"a","namespace":"x"}}]}"#
                    ),
                    .json(
                        200,
                        #"{"metadata":{"resourceVersion":"10"},"items":[{"metadata":{"name":"b","namespace":"y"}}]}"#),
                ])
            let client = try KubernetesClient(configuration: server.configuration())
            let list = try await client.listAll(
                Pod.self,
                options: ListOptions(
                    labelSelector: "app in (a,b)", fieldSelector: "spec.nodeName=n1", resourceVersion: "7",
                    resourceVersionMatch: .notOlderThan, limit: 1))
            #expect(list.items.compactMap(\.metadata.name) == ["a", "b"])
            #expect(list.metadata.resourceVersion == "10")
            let requests = try await server.requests()
            #expect(requests.count == 2)
            #expect(requests[0].query.contains("fieldSelector=spec.nodeName%3Dn1"))
            #expect(requests[0].queryItems["labelSelector"] == "app in (a,b)")
            #expect(requests[0].queryItems["resourceVersion"] == "7")
            #expect(requests[0].queryItems["resourceVersionMatch"] == "NotOlderThan")
            #expect(requests[0].queryItems["limit"] == "1")
            #expect(requests[1].queryItems["continue"] == "tok en")
            #expect(requests[1].queryItems["resourceVersion"] == nil)
        }
    }

    @Test("patch sends the body with its content type and returns the patched object")
    func patch() async throws {
        try await withScriptedServer { server in
            try await server.script("PATCH", "/api/v1/nodes/n1", [.json(200, nodeJSON("n1", resourceVersion: "6"))])
            let client = try KubernetesClient(configuration: server.configuration())
            let node = try await client.patch(
                Node.self, name: "n1", patch: .strategicMerge(["spec": ["unschedulable": true]]))
            #expect(node.metadata.resourceVersion == "6")
            let request = try #require(try await server.requests().first)
            #expect(request.headers["content-type"] == "application/strategic-merge-patch+json")
            #expect(request.body == #"{"spec":{"unschedulable":true}}"#)
        }
    }

    @Test("a merge patch can delete a field with null, and a JSON patch sends its operations")
    func otherPatchFormats() async throws {
        try await withScriptedServer { server in
            let node = ScriptedServer.Response.json(200, nodeJSON("n1", resourceVersion: "6"))
            try await server.script("PATCH", "/api/v1/nodes/n1", [node, node])
            let client = try KubernetesClient(configuration: server.configuration())
            _ = try await client.patch(Node.self, name: "n1", patch: .merge(["spec": ["unschedulable": nil]]))
            _ = try await client.patch(
                Node.self, name: "n1",
                patch: .json([.test("/metadata/resourceVersion", "5"), .remove("/spec/taints/0")]))
            let requests = try await server.requests()
            #expect(requests[0].headers["content-type"] == "application/merge-patch+json")
            #expect(requests[0].body == #"{"spec":{"unschedulable":null}}"#)
            #expect(requests[1].headers["content-type"] == "application/json-patch+json")
            #expect(
                requests[1].body
                    == #"[{"op":"test","path":"/metadata/resourceVersion","value":"5"},{"op":"remove","path":"/spec/taints/0"}]"#
            )
        }
    }

    @Test("create posts to the collection of the object's namespace")
    func create() async throws {
        try await withScriptedServer { server in
            try await server.script(
                "POST", "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases",
                [
                    .json(
                        201,
                        #"{"metadata":{"name":"nth","namespace":"kube-system","resourceVersion":"1"},"spec":{"holderIdentity":"me"}}"#
                    )
                ])
            let client = try KubernetesClient(configuration: server.configuration())
            let lease = Lease(
                metadata: ObjectMeta(name: "nth", namespace: "kube-system"), spec: LeaseSpec(holderIdentity: "me"))
            let created = try await client.create(lease)
            #expect(created.metadata.resourceVersion == "1")
            let request = try #require(try await server.requests().first)
            #expect(request.body.contains(#""kind":"Lease""#))
        }
    }

    @Test("update with a stale resourceVersion surfaces 409 Conflict as such")
    func updateConflict() async throws {
        try await withScriptedServer { server in
            let message =
                #"Operation cannot be fulfilled on leases.coordination.k8s.io \"nth\": the object has been modified; please apply your changes to the latest version and try again"#
            try await server.script(
                "PUT", "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/nth",
                [.json(409, statusJSON(code: 409, reason: "Conflict", message: message))])
            let client = try KubernetesClient(configuration: server.configuration())
            let lease = Lease(metadata: ObjectMeta(name: "nth", namespace: "kube-system", resourceVersion: "3"))
            let error = try await #require(throws: KubernetesError.self) { _ = try await client.update(lease) }
            #expect(error.isConflict)
            #expect(error.description.contains("re-read it and retry"))
            let request = try #require(try await server.requests().first)
            #expect(request.body.contains(#""resourceVersion":"3""#))
        }
    }

    @Test("delete sends the grace period and preconditions")
    func delete() async throws {
        try await withScriptedServer { server in
            try await server.script(
                "DELETE", "/api/v1/namespaces/shop/pods/p", [.json(200, #"{"metadata":{"name":"p"}}"#)])
            let client = try KubernetesClient(configuration: server.configuration())
            try await client.delete(
                Pod.self, name: "p", namespace: "shop",
                options: DeleteOptions(
                    gracePeriodSeconds: 5, preconditions: Preconditions(uid: "u1", resourceVersion: "9")))
            let body = try #require(try await server.requests().first?.body)
            #expect(body.contains(#""gracePeriodSeconds":5"#))
            #expect(body.contains(#""preconditions":{"resourceVersion":"9","uid":"u1"}"#))
        }
    }

    @Test("an eviction blocked by a PDB is a 429 error at once (no Retry-After, no retry), with the budget's cause")
    func evictionBlocked() async throws {
        try await withScriptedServer { server in
            let blocked =
                #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Cannot evict pod as it would violate the pod's disruption budget.","reason":"TooManyRequests","details":{"causes":[{"reason":"DisruptionBudget","message":"The disruption budget web-pdb needs 2 healthy pods and has 2 currently"}]},"code":429}"#
            try await server.script(
                "POST", "/api/v1/namespaces/shop/pods/web/eviction",
                [.json(429, blocked), .json(201, #"{"kind":"Status","status":"Success","code":201}"#)])
            let client = try KubernetesClient(configuration: server.configuration())
            let error = try await #require(throws: KubernetesError.self) {
                try await client.evict(
                    podName: "web", namespace: "shop", options: DeleteOptions(gracePeriodSeconds: 10))
            }
            #expect(error.code == .tooManyRequests)
            #expect(error.firstCauseMessage?.contains("web-pdb") == true)
            try await client.evict(podName: "web", namespace: "shop")
            let requests = try await server.requests()
            #expect(requests.count == 2)
            #expect(requests[0].body.contains(#""kind":"Eviction""#))
            #expect(requests[0].body.contains(#""gracePeriodSeconds":10"#))
        }
    }

    @Test("429 and 503 with Retry-After are retried after the server's delay, then succeed")
    func retryAfter() async throws {
        try await withScriptedServer { server in
            try await server.script(
                "GET", "/api/v1/nodes/n1",
                [
                    .json(429, "Too many requests, please try again later.", headers: ["Retry-After": "1"]),
                    .json(
                        503, statusJSON(code: 503, reason: "ServiceUnavailable", message: "busy"),
                        headers: ["Retry-After": "2"]),
                    .json(200, nodeJSON("n1", resourceVersion: "5")),
                ])
            let clock = InstantClock()
            var configuration = server.configuration()
            configuration.clock = clock
            let client = try KubernetesClient(configuration: configuration)
            let node = try await client.get(Node.self, name: "n1")
            #expect(node.metadata.name == "n1")
            #expect(clock.sleeps == [.seconds(1), .seconds(2)])
        }
    }

    @Test("retries are bounded: the last 429 is thrown after maxRetries")
    func retriesBounded() async throws {
        try await withScriptedServer { server in
            var throttled = ScriptedServer.Response.json(429, "slow down", headers: ["Retry-After": "1"])
            throttled.repeat = true
            try await server.script("GET", "/api/v1/nodes/n1", [throttled])
            var configuration = server.configuration()
            configuration.retryPolicy = RetryPolicy(maxRetries: 3)
            let client = try KubernetesClient(configuration: configuration)
            let error = try await #require(throws: KubernetesError.self) {
                _ = try await client.get(Node.self, name: "n1")
            }
            #expect(error.code == .tooManyRequests)
            #expect(error.message == "slow down")
            #expect(error.retryAfter == .seconds(1), "the header reaches callers that retry on their own")
            #expect(try await server.requests().count == 4)
        }
    }

    @Test("a 401 makes the client re-read the token file and retry once")
    func tokenReread() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let tokenFile = try folder.write("token", "old-token\n")
        try await withScriptedServer { server in
            var ok = ScriptedServer.Response.json(200, nodeJSON("n1", resourceVersion: "5"))
            ok.requireAuthorization = "Bearer new-token"
            ok.repeat = true
            try await server.script("GET", "/api/v1/nodes/n1", [ok])
            let client = try KubernetesClient(
                configuration: server.configuration(authentication: .tokenFile(tokenFile)))
            // The first call caches the old token (and is refused with 401 twice: re-reading finds the same token).
            await #expect(throws: KubernetesError.self) { _ = try await client.get(Node.self, name: "n1") }
            try "new-token".write(toFile: tokenFile, atomically: true, encoding: .utf8)
            // The cached token is still fresh, so only the 401 makes the client look at the file again.
            let node = try await client.get(Node.self, name: "n1")
            #expect(node.metadata.name == "n1")
            let tokens = try await server.requests().map { $0.headers["authorization"] ?? "" }
            #expect(tokens == ["Bearer old-token", "Bearer old-token", "Bearer old-token", "Bearer new-token"])
        }
    }

    @Test("a token file is re-read once the refresh interval has passed, without a 401")
    func tokenRereadOnInterval() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let tokenFile = try folder.write("token", "first")
        try await withScriptedServer { server in
            var ok = ScriptedServer.Response.json(200, nodeJSON("n1", resourceVersion: "5"))
            ok.repeat = true
            try await server.script("GET", "/api/v1/nodes/n1", [ok])
            let clock = InstantClock(now: Date(timeIntervalSince1970: 1_800_000_000))
            var configuration = server.configuration(authentication: .tokenFile(tokenFile))
            configuration.clock = clock
            let client = try KubernetesClient(configuration: configuration)
            _ = try await client.get(Node.self, name: "n1")
            try "second".write(toFile: tokenFile, atomically: true, encoding: .utf8)
            clock.advance(by: 30)
            _ = try await client.get(Node.self, name: "n1")
            clock.advance(by: 30)
            _ = try await client.get(Node.self, name: "n1")
            let tokens = try await server.requests().map { $0.headers["authorization"] ?? "" }
            #expect(tokens == ["Bearer first", "Bearer first", "Bearer second"])
        }
    }

    @Test("every request, watches included, takes a token from the configured rate limiter")
    func rateLimited() async throws {
        try await withScriptedServer { server in
            var ok = ScriptedServer.Response.json(200, nodeJSON("n1", resourceVersion: "5"))
            ok.repeat = true
            try await server.script("GET", "/api/v1/nodes/n1", [ok])
            try await server.script("GET", "/api/v1/nodes", [.stream([])])
            let clock = TestClock()
            var configuration = server.configuration()
            configuration.rateLimiter = RateLimiter(qps: 4, burst: 2, clock: clock)
            let client = try KubernetesClient(configuration: configuration)
            _ = try await client.get(Node.self, name: "n1")
            _ = try await client.get(Node.self, name: "n1")
            #expect(clock.sleeps.isEmpty)
            _ = try await client.get(Node.self, name: "n1")
            for try await _ in try await client.watch(Node.self) {}
            #expect(clock.sleeps == [.milliseconds(250), .milliseconds(250)])
        }
    }

    @Test("a refused connection is a transport error naming the call")
    func transportError() async throws {
        var configuration = KubernetesConfiguration(server: "http://127.0.0.1:1")
        configuration.clock = InstantClock(now: Date())
        let client = try KubernetesClient(configuration: configuration)
        let error = try await #require(throws: KubernetesError.self) { _ = try await client.get(Node.self, name: "n1") }
        #expect(error.code == .transport)
        #expect(error.description.hasPrefix("GET /api/v1/nodes/n1 failed"))
    }
}
