import Foundation
import Kubernetes
import Testing

@Suite("Informer: list, watch, index and relist", .timeLimit(.minutes(1)))
struct InformerTests {
    /// Collects an informer's events until `done` says so, running the informer meanwhile, then cancels it.
    func run(
        _ informer: Informer<Node>, until done: @escaping @Sendable ([String]) -> Bool
    ) async throws -> [String] {
        let events = informer.events()
        return await withTaskGroup(of: [String]?.self) { group in
            group.addTask {
                await informer.run()
                return nil
            }
            group.addTask {
                var seen: [String] = []
                for await event in events {
                    switch event {
                    case .added(let node): seen.append("added \(node.metadata.name ?? "")")
                    case .updated(_, let new):
                        seen.append("updated \(new.metadata.name ?? "") \(new.metadata.resourceVersion ?? "")")
                    case .deleted(let node): seen.append("deleted \(node.metadata.name ?? "")")
                    case .synced(let version): seen.append("synced \(version)")
                    }
                    if done(seen) { break }
                }
                return seen
            }
            var result: [String] = []
            for await value in group {
                if let value {
                    result = value
                    group.cancelAll()
                }
            }
            return result
        }
    }

    func list(_ version: String, _ nodes: [String]) -> ScriptedServer.Response {
        .json(
            200,
            #"{"kind":"NodeList","apiVersion":"v1","metadata":{"resourceVersion":"\#(version)"},"items":[\#(nodes.joined(separator: ","))]}"#
        )
    }

    @Test("lists from the watch cache, then applies watch events to the cache and its instance-id index")
    func listThenWatch() async throws {
        try await withScriptedServer { server in
            try await server.script(
                "GET", "/api/v1/nodes",
                [
                    list(
                        "10",
                        [
                            nodeJSON("a", resourceVersion: "8", instance: "i-a"),
                            nodeJSON("b", resourceVersion: "9", instance: "i-b"),
                        ]),
                    .stream(
                        [
                            watchLine("MODIFIED", nodeJSON("a", resourceVersion: "11", instance: "i-a2")) + "\n",
                            watchLine("ADDED", nodeJSON("c", resourceVersion: "12", instance: "i-c")) + "\n"
                                + watchLine("DELETED", nodeJSON("b", resourceVersion: "13", instance: "i-b")) + "\n",
                        ], hold: true),
                ])
            let client = try KubernetesClient(configuration: server.configuration())
            let informer = Informer<Node>(client: client, index: { [$0.instanceID].compactMap { $0 } })
            let seen = try await run(informer) { $0.contains("deleted b") }
            #expect(Array(seen.prefix(2)).sorted() == ["added a", "added b"])
            #expect(Array(seen.dropFirst(2)) == ["synced 10", "updated a 11", "added c", "deleted b"])
            #expect(informer.objects.compactMap(\.metadata.name).sorted() == ["a", "c"])
            #expect(informer.objects(indexedBy: "i-a2").first?.metadata.name == "a")
            #expect(informer.objects(indexedBy: "i-a").isEmpty)
            #expect(informer.objects(indexedBy: "i-b").isEmpty)
            #expect(informer.object(name: "c")?.metadata.resourceVersion == "12")
            #expect(informer.lastResourceVersion == "13")
            let requests = try await server.requests()
            #expect(requests[0].queryItems["resourceVersion"] == "0")
            #expect(requests[1].queryItems["watch"] == "true")
            #expect(requests[1].queryItems["resourceVersion"] == "10")
        }
    }

    @Test("a transform trims every object before it is cached or published, listed and watched alike")
    func transform() async throws {
        try await withScriptedServer { server in
            try await server.script(
                "GET", "/api/v1/nodes",
                [
                    list("10", [nodeJSON("a", resourceVersion: "8")]),
                    .stream(
                        [watchLine("ADDED", nodeJSON("b", resourceVersion: "11", instance: "i-b")) + "\n"], hold: true),
                ])
            let client = try KubernetesClient(configuration: server.configuration())
            let informer = Informer<Node>(
                client: client, index: { [$0.instanceID].compactMap { $0 } },
                transform: { node in
                    var trimmed = node
                    trimmed.status = nil
                    return trimmed
                })
            _ = try await run(informer) { $0.contains("added b") }
            #expect(informer.objects.count == 2)
            #expect(informer.objects.allSatisfy { $0.status == nil })
            #expect(informer.objects(indexedBy: "i-b").first?.metadata.name == "b", "indexed after the transform")
        }
    }

    @Test("a 410 ERROR event makes it relist with a consistent read and reconcile the cache")
    func relistOnExpired() async throws {
        try await withScriptedServer { server in
            try await server.script(
                "GET", "/api/v1/nodes",
                [
                    list("10", [nodeJSON("a", resourceVersion: "8")]),
                    .stream([watchLine("ERROR", statusJSON(code: 410, reason: "Expired", message: "too old")) + "\n"]),
                    list("20", [nodeJSON("a", resourceVersion: "15"), nodeJSON("b", resourceVersion: "16")]),
                    .stream([], hold: true),
                ])
            let client = try KubernetesClient(configuration: server.configuration())
            let informer = Informer<Node>(client: client)
            let seen = try await run(informer) { $0.contains("synced 20") }
            #expect(seen.first == "added a")
            #expect(seen.contains("updated a 15"))
            #expect(seen.contains("added b"))
            #expect(seen.last == "synced 20")
            let lists = try await server.requests().filter { $0.queryItems["watch"] == nil }
            #expect(lists.count == 2)
            #expect(lists[1].queryItems["resourceVersion"] == nil)
        }
    }

    @Test("a watch that ends makes it relist from the cache at the last version seen, dropping vanished objects")
    func relistOnStreamEnd() async throws {
        try await withScriptedServer { server in
            try await server.script(
                "GET", "/api/v1/nodes",
                [
                    list("10", [nodeJSON("a", resourceVersion: "8"), nodeJSON("b", resourceVersion: "9")]),
                    .stream([watchLine("BOOKMARK", #"{"metadata":{"resourceVersion":"11"}}"#) + "\n"]),
                    list("12", [nodeJSON("a", resourceVersion: "8")]),
                    .stream([], hold: true),
                ])
            let client = try KubernetesClient(configuration: server.configuration())
            let informer = Informer<Node>(client: client)
            let seen = try await run(informer) { $0.contains("synced 12") }
            #expect(Array(seen.suffix(2)) == ["deleted b", "synced 12"])
            let lists = try await server.requests().filter { $0.queryItems["watch"] == nil }
            #expect(lists.count == 2)
            #expect(lists[1].queryItems["resourceVersion"] == "11")
            #expect(lists[1].queryItems["resourceVersionMatch"] == "NotOlderThan")
        }
    }

    @Test("waitForSync returns once the first list is applied, and subscriber streams finish when run ends")
    func waitForSync() async throws {
        try await withScriptedServer { server in
            try await server.script(
                "GET", "/api/v1/nodes", [list("3", [nodeJSON("a", resourceVersion: "2")]), .stream([], hold: true)])
            let client = try KubernetesClient(configuration: server.configuration())
            let informer = Informer<Node>(client: client)
            let events = informer.events()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await informer.run() }
                try await informer.waitForSync()
                #expect(informer.hasSynced)
                #expect(informer.object(name: "a") != nil)
                group.cancelAll()
            }
            var count = 0
            for await _ in events { count += 1 }
            #expect(count == 2)
        }
    }
}
