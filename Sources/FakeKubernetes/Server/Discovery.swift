import Foundation
import JSONValues

/// Legacy (unaggregated) discovery documents: `/version`, `/api`, `/apis`, `/api/v1`, `/apis/<group>/<version>`.
///
/// kubectl asks `/api` and `/apis` with an aggregated-discovery `Accept` first and falls back to one GET per group
/// version when the answer is plain `APIVersions`/`APIGroupList`, which is what the fake serves.
enum Discovery {
    static func version(minor: Int) -> JSONValue {
        [
            "major": "1", "minor": .string(String(minor)), "gitVersion": .string("v1.\(minor).0-fake"),
            "gitCommit": "0000000000000000000000000000000000000000", "gitTreeState": "clean",
            "buildDate": "2025-01-01T00:00:00Z", "goVersion": "go1.23", "compiler": "gc", "platform": "linux/amd64",
        ]
    }

    static func apiVersions(serverAddress: String) -> JSONValue {
        [
            "kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [["clientCIDR": "0.0.0.0/0", "serverAddress": .string(serverAddress)]],
        ]
    }

    static func apiGroupList() -> JSONValue {
        let groups: [JSONValue] = ResourceType.groupVersions.filter { !$0.group.isEmpty }.map { entry in
            let groupVersion: JSONValue = [
                "groupVersion": .string("\(entry.group)/\(entry.version)"),
                "version": .string(entry.version),
            ]
            return ["name": .string(entry.group), "versions": [groupVersion], "preferredVersion": groupVersion]
        }
        return ["kind": "APIGroupList", "apiVersion": "v1", "groups": .array(groups)]
    }

    /// The `APIResourceList` of a group version, or `nil` when the fake does not serve it.
    static func resourceList(group: String, version: String) -> JSONValue? {
        let resources = ResourceType.all.filter { $0.group == group && $0.version == version }
        guard !resources.isEmpty else { return nil }
        let allVerbs: JSONValue = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
        var entries: [JSONValue] = []
        for resource in resources {
            var entry: JSONValue = [
                "name": .string(resource.plural), "singularName": .string(resource.singular),
                "namespaced": .bool(resource.namespaced), "kind": .string(resource.kind), "verbs": allVerbs,
            ]
            if !resource.shortNames.isEmpty { entry["shortNames"] = .array(resource.shortNames.map { .string($0) }) }
            entries.append(entry)
            for subresource in resource.subresources {
                var sub: JSONValue = [
                    "name": .string("\(resource.plural)/\(subresource)"), "singularName": "",
                    "namespaced": .bool(resource.namespaced), "kind": .string(resource.kind),
                    "verbs": ["get", "patch", "update"],
                ]
                if subresource == "eviction" {
                    sub["kind"] = "Eviction"
                    sub["group"] = "policy"
                    sub["version"] = "v1"
                    sub["verbs"] = ["create"]
                }
                entries.append(sub)
            }
        }
        return [
            "kind": "APIResourceList", "apiVersion": "v1",
            "groupVersion": .string(group.isEmpty ? version : "\(group)/\(version)"), "resources": .array(entries),
        ]
    }
}
