import Foundation
import JSONValues

/// `events.k8s.io/v1` and core `v1` Events are one stored object seen through two schemas, as in a real apiserver
/// (`kubernetes/kubernetes` `pkg/apis/events/v1/conversion.go`): the store keeps the core shape, and requests made
/// through `events.k8s.io/v1` are converted on the way in (bodies, patches, field selectors) and out (objects,
/// lists, watch events). So an Event written through one API is listed through the other, and `kubectl get events`
/// shows both.
enum EventConversion {
    /// The `events.k8s.io/v1` fields and the core fields they are stored as; every other field has one name.
    static let renames: [(events: String, core: String)] = [
        ("regarding", "involvedObject"), ("note", "message"), ("reportingController", "reportingComponent"),
        ("deprecatedSource", "source"), ("deprecatedFirstTimestamp", "firstTimestamp"),
        ("deprecatedLastTimestamp", "lastTimestamp"), ("deprecatedCount", "count"),
    ]

    /// An `events.k8s.io/v1` Event (or a merge patch of one) in the core shape.
    static func toCore(_ event: JSONValue) -> JSONValue {
        rename(event, from: \.events, to: \.core, apiVersion: "v1")
    }

    /// A stored (core) Event in the `events.k8s.io/v1` shape.
    static func toEvents(_ event: JSONValue) -> JSONValue {
        rename(event, from: \.core, to: \.events, apiVersion: "events.k8s.io/v1")
    }

    /// A stored object or list answered through `events.k8s.io/v1`: Events converted, lists' items too.
    static func toEventsResponse(_ object: JSONValue) -> JSONValue {
        guard let items = object["items"].arrayValue else {
            return object["kind"] == "Event" ? toEvents(object) : object
        }
        var list = object
        list["apiVersion"] = "events.k8s.io/v1"
        list["items"] = .array(items.map(toEvents))
        return list
    }

    /// A JSON Patch (RFC 6902) written against `events.k8s.io/v1`, its paths' first segments renamed.
    static func jsonPatchToCore(_ patch: JSONValue) -> JSONValue {
        guard let operations = patch.arrayValue else { return patch }
        return .array(
            operations.map { operation in
                var operation = operation
                for key in ["path", "from"] {
                    guard let path = operation[key].stringValue else { continue }
                    var segments = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
                    if segments.count > 1, let rename = renames.first(where: { $0.events == segments[1] }) {
                        segments[1] = rename.core
                    }
                    operation[key] = .string(segments.joined(separator: "/"))
                }
                return operation
            })
    }

    /// A field selector written against `events.k8s.io/v1` (`regarding.name=…`) for the core shape.
    static func fieldSelectorToCore(_ selector: String) -> String {
        selector.split(separator: ",", omittingEmptySubsequences: false).map { term in
            let term = String(term)
            guard
                let rename = renames.first(where: { term.hasPrefix($0.events + ".") || term.hasPrefix($0.events + "=") }
                )
            else { return term }
            return rename.core + term.dropFirst(rename.events.count)
        }.joined(separator: ",")
    }

    /// A watch stream of stored Events as `events.k8s.io/v1` watch events.
    static func toEventsStream(_ stream: AsyncStream<Data>) -> AsyncStream<Data> {
        let (converted, continuation) = AsyncStream.makeStream(of: Data.self)
        let task = Task {
            for await line in stream {
                guard var event = try? JSONValue(parsing: line), event["type"] != "ERROR" else {
                    continuation.yield(line)
                    continue
                }
                event["object"] = event["object"]["kind"] == "Event" ? toEvents(event["object"]) : event["object"]
                if event["type"] == "BOOKMARK" { event["object"]["apiVersion"] = "events.k8s.io/v1" }
                var data = event.serialized()
                data.append(UInt8(ascii: "\n"))
                continuation.yield(data)
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return converted
    }

    private static func rename(
        _ object: JSONValue, from: KeyPath<(events: String, core: String), String>,
        to: KeyPath<(events: String, core: String), String>, apiVersion: String
    ) -> JSONValue {
        guard case .object(var members) = object else { return object }
        for rename in renames {
            if let value = members.removeValue(forKey: rename[keyPath: from]) { members[rename[keyPath: to]] = value }
        }
        if members["apiVersion"] != nil { members["apiVersion"] = .string(apiVersion) }
        return .object(members)
    }
}
