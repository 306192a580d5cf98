import Foundation
import Kubernetes
import Testing

@Suite("Watch streams against a scripted apiserver", .timeLimit(.minutes(1)))
struct WatchTests {
    @Test("events split across chunks, or several in one chunk, decode in order; the stream ends with the response")
    func splitAndJoinedEvents() async throws {
        try await withScriptedServer { server in
            let added = watchLine("ADDED", nodeJSON("a", resourceVersion: "11"))
            let modified = watchLine("MODIFIED", nodeJSON("a", resourceVersion: "12"))
            let bookmark = watchLine(
                "BOOKMARK",
                #"{"kind":"Node","apiVersion":"v1","metadata":{"resourceVersion":"13","annotations":{"k8s.io/initial-events-end":"true"}}}"#
            )
            let deleted = watchLine("DELETED", nodeJSON("a", resourceVersion: "14"))
            let all = added + "\n" + modified + "\n" + bookmark + "\n" + deleted + "\n"
            // Split in the middle of the first event, then three events in one chunk, then the last one byte-split.
            let cut1 = all.index(all.startIndex, offsetBy: 17)
            let cut2 = all.index(all.startIndex, offsetBy: added.count + modified.count + bookmark.count + 3 + 5)
            let chunks = [String(all[..<cut1]), String(all[cut1..<cut2]), String(all[cut2...].dropLast()), "\n"]
            try await server.script("GET", "/api/v1/nodes", [.stream(chunks)])
            let client = try KubernetesClient(configuration: server.configuration())
            let stream = try await client.watch(Node.self, options: ListOptions(resourceVersion: "10"))
            var seen: [String] = []
            for try await event in stream {
                switch event {
                case .added(let node): seen.append("added \(node.metadata.name ?? "") \(event.resourceVersion ?? "")")
                case .modified: seen.append("modified \(event.resourceVersion ?? "")")
                case .deleted: seen.append("deleted \(event.resourceVersion ?? "")")
                case .bookmark(let version, let annotations):
                    seen.append("bookmark \(version) \(annotations["k8s.io/initial-events-end"] ?? "")")
                }
            }
            #expect(seen == ["added a 11", "modified 12", "bookmark 13 true", "deleted 14"])
            let request = try #require(try await server.requests().first)
            #expect(request.queryItems["watch"] == "true")
            #expect(request.queryItems["allowWatchBookmarks"] == "true")
            #expect(request.queryItems["resourceVersion"] == "10")
        }
    }

    @Test("a 410 ERROR event is thrown as an expired error after the events before it")
    func expiredEvent() async throws {
        try await withScriptedServer { server in
            let error = watchLine(
                "ERROR", statusJSON(code: 410, reason: "Expired", message: "too old resource version: 5 (100)"))
            try await server.script(
                "GET", "/api/v1/nodes",
                [.stream([watchLine("ADDED", nodeJSON("a", resourceVersion: "6")) + "\n" + error + "\n"], hold: true)])
            let client = try KubernetesClient(configuration: server.configuration())
            let stream = try await client.watch(Node.self, options: ListOptions(resourceVersion: "5"))
            var iterator = stream.makeAsyncIterator()
            let first = try await iterator.next()
            #expect(first?.object?.metadata.name == "a")
            let thrown = try await #require(throws: KubernetesError.self) { _ = try await iterator.next() }
            #expect(thrown.isExpired)
            #expect(thrown.verb == "WATCH")
            #expect(thrown.message.contains("too old resource version"))
        }
    }

    @Test("a 410 response to the watch request is an expired error too")
    func expiredResponse() async throws {
        try await withScriptedServer { server in
            try await server.script(
                "GET", "/api/v1/namespaces/shop/pods",
                [.json(410, statusJSON(code: 410, reason: "Gone", message: "too old"))])
            let client = try KubernetesClient(configuration: server.configuration())
            let error = try await #require(throws: KubernetesError.self) {
                _ = try await client.watch(Pod.self, namespace: "shop", options: ListOptions(resourceVersion: "1"))
            }
            #expect(error.isExpired)
        }
    }

    @Test("leaving a held watch early ends it without waiting for the server")
    func leaveEarly() async throws {
        try await withScriptedServer { server in
            try await server.script(
                "GET", "/api/v1/nodes",
                [.stream([watchLine("ADDED", nodeJSON("a", resourceVersion: "6")) + "\n"], hold: true)])
            let client = try KubernetesClient(configuration: server.configuration())
            let stream = try await client.watch(Node.self)
            var count = 0
            for try await _ in stream {
                count += 1
                break
            }
            #expect(count == 1)
        }
    }

    @Test("blank and CR-only lines are skipped, CRLF lines decode, and a last line without its newline still counts")
    func blankLinesAndUnterminatedLast() async throws {
        try await withScriptedServer { server in
            let lines = (1...5).map { watchLine("ADDED", nodeJSON("n\($0)", resourceVersion: "\(20 + $0)")) }
            // Several events and blank lines in one chunk, one split across chunks, the last one unterminated.
            let body =
                "\n  \n" + lines[0] + "\r\n\r\n" + lines[1] + "\n" + lines[2] + "\n\n" + lines[3] + "\n" + lines[4]
            let cut = body.index(body.startIndex, offsetBy: body.count - lines[4].count / 2)
            try await server.script(
                "GET", "/api/v1/nodes", [.stream([String(body[..<cut]), String(body[cut...])])])
            let client = try KubernetesClient(configuration: server.configuration())
            let stream = try await client.watch(Node.self)
            var names: [String] = []
            for try await event in stream { names.append(event.object?.metadata.name ?? "") }
            #expect(names == ["n1", "n2", "n3", "n4", "n5"])
        }
    }

    @Test("a stream that ends with blank lines after its last event ends without another event")
    func trailingBlankLines() async throws {
        try await withScriptedServer { server in
            let line = watchLine("ADDED", nodeJSON("a", resourceVersion: "7"))
            try await server.script("GET", "/api/v1/nodes", [.stream([line + "\n", "\n \r"])])
            let client = try KubernetesClient(configuration: server.configuration())
            var count = 0
            for try await _ in try await client.watch(Node.self) { count += 1 }
            #expect(count == 1)
        }
    }
}
