import Foundation
import JSONValues

/// Server-side printing (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`) for `kubectl get`: the columns
/// `kubernetes/kubernetes` `pkg/printers/internalversion/printers.go` prints for nodes, pods and events (LAST SEEN,
/// TYPE, REASON, OBJECT, MESSAGE), NAME/AGE otherwise.
enum TableRenderer {
    static func table(for object: JSONValue) -> JSONValue {
        let isList = object["kind"].stringValue?.hasSuffix("List") == true && object["items"].arrayValue != nil
        let items = isList ? (object["items"].arrayValue ?? []) : [object]
        let kind = isList ? String((object["kind"].stringValue ?? "").dropLast(4)) : (object["kind"].stringValue ?? "")
        var metadata: JSONValue = ["resourceVersion": object["metadata"]["resourceVersion"]]
        if isList, let token = object["metadata"]["continue"].stringValue { metadata["continue"] = .string(token) }
        let columns: [(String, String)]
        switch kind {
        case "Node": columns = [("Name", "name"), ("Status", ""), ("Roles", ""), ("Age", ""), ("Version", "")]
        case "Pod":
            columns = [("Name", "name"), ("Ready", ""), ("Status", ""), ("Restarts", ""), ("Age", "")]
        case "Event":
            columns = [("Last Seen", ""), ("Type", ""), ("Reason", ""), ("Object", ""), ("Message", "")]
        default: columns = [("Name", "name"), ("Age", "")]
        }
        let definitions: [JSONValue] = columns.map { column in
            [
                "name": .string(column.0), "type": "string", "format": .string(column.1), "description": "",
                "priority": 0,
            ]
        }
        let rows: [JSONValue] = items.map { item in
            ["cells": .array(cells(kind: kind, item)), "object": partialMetadata(item)]
        }
        return [
            "kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": metadata,
            "columnDefinitions": .array(definitions), "rows": .array(rows),
        ]
    }

    private static func partialMetadata(_ item: JSONValue) -> JSONValue {
        ["kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": item["metadata"]]
    }

    private static func cells(kind: String, _ item: JSONValue) -> [JSONValue] {
        let name = JSONValue.string(item.name)
        let age = JSONValue.string(age(item["metadata"]["creationTimestamp"].stringValue))
        switch kind {
        case "Node":
            let ready = (item["status"]["conditions"].arrayValue ?? []).first { $0["type"] == "Ready" }
            var status = ready?["status"].stringValue == "True" ? "Ready" : "NotReady"
            if item["spec"]["unschedulable"].boolValue == true { status += ",SchedulingDisabled" }
            let roles = item.labels.keys.compactMap { key -> String? in
                let prefix = "node-role.kubernetes.io/"
                return key.hasPrefix(prefix) ? String(key.dropFirst(prefix.count)) : nil
            }.sorted()
            let version = item["status"]["nodeInfo"]["kubeletVersion"].stringValue ?? ""
            return [
                name, .string(status), .string(roles.isEmpty ? "<none>" : roles.joined(separator: ",")), age,
                .string(version),
            ]
        case "Pod":
            let containers = item["spec"]["containers"].arrayValue?.count ?? 0
            let statuses = item["status"]["containerStatuses"].arrayValue ?? []
            let ready = statuses.filter { $0["ready"] == true }.count
            let restarts = statuses.reduce(Int64(0)) { $0 + ($1["restartCount"].intValue ?? 0) }
            let status = item.isTerminating ? "Terminating" : (item["status"]["phase"].stringValue ?? "Unknown")
            return [name, .string("\(ready)/\(containers)"), .string(status), .int(restarts), age]
        case "Event":
            let involved = item["involvedObject"]
            let seen =
                item["lastTimestamp"].stringValue ?? item["series"]["lastObservedTime"].stringValue
                ?? item["eventTime"].stringValue ?? item["metadata"]["creationTimestamp"].stringValue
            return [
                .string(Self.age(seen)), item["type"], item["reason"],
                .string("\((involved["kind"].stringValue ?? "").lowercased())/\(involved["name"].stringValue ?? "")"),
                item["message"],
            ]
        default:
            return [name, age]
        }
    }

    /// `kubectl`'s short durations: `45s`, `12m`, `5h`, `3d`.
    static func age(_ timestamp: String?) -> String {
        guard let timestamp, let date = Timestamps.date(timestamp) else { return "<unknown>" }
        let seconds = max(0, Int(Date().timeIntervalSince(date)))
        switch seconds {
        case ..<120: return "\(seconds)s"
        case ..<(120 * 60): return "\(seconds / 60)m"
        case ..<(48 * 3600): return "\(seconds / 3600)h"
        default: return "\(seconds / 86400)d"
        }
    }
}
