import AWS
import Foundation
import HTTPClient
import TestSupport
import Testing

/// The controller tests' name for the shared moto server of `TestSupport` (signature checking on, lifecycle
/// extension), with the EC2 and Auto Scaling set-up the end-to-end tests need.
typealias Moto = MotoServer

extension MotoServer {
    /// The test process's server, started on first use.
    static func shared() async throws -> MotoServer { try await MotoServer.with { $0 } }

    /// Creates a queue with this visibility timeout; returns its URL.
    func createQueue(_ name: String, visibilityTimeout: Int) async throws -> String {
        try await createQueue(name, attributes: ["VisibilityTimeout": String(visibilityTimeout)])
    }

    /// Launches instances with tags; returns (id, private DNS name) pairs.
    func runInstances(count: Int, tags: [String: String]) async throws -> [(id: String, dns: String)] {
        var parameters: [(String, String)] = [
            ("ImageId", "ami-12c6146b"), ("MinCount", String(count)), ("MaxCount", String(count)),
            ("InstanceType", "m5.large"), ("Placement.AvailabilityZone", "us-east-1a"),
        ]
        parameters.append(("TagSpecification.1.ResourceType", "instance"))
        for (index, tag) in tags.sorted(by: { $0.key < $1.key }).enumerated() {
            parameters.append(("TagSpecification.1.Tag.\(index + 1).Key", tag.key))
            parameters.append(("TagSpecification.1.Tag.\(index + 1).Value", tag.value))
        }
        let root = try await client().query(.ec2, action: "RunInstances", parameters: parameters)
        return (root.element(at: "instancesSet")?.children("item") ?? []).compactMap { item in
            guard let id = item.value(at: "instanceId"), let dns = item.value(at: "privateDnsName") else { return nil }
            return (id, dns)
        }
    }

    /// Creates an Auto Scaling group with a terminate hook named `drain`, its instances tagged as managed.
    func createManagedGroup(size: Int) async throws -> Group {
        let group = try await createGroup(size: size)
        let instances = group.instances
        let client = client()
        // The managed tag, as a group's tag propagated at launch would put it.
        var tags: [(String, String)] = [("Tag.1.Key", "aws-node-termination-handler/managed"), ("Tag.1.Value", "")]
        for (index, instance) in instances.enumerated() { tags.append(("ResourceId.\(index + 1)", instance)) }
        _ = try await client.query(.ec2, action: "CreateTags", parameters: tags)
        return group
    }

    /// The lifecycle calls the extension recorded for `group`.
    func lifecycleCalls(group: String) async throws -> [[String: String]] {
        try await lifecycleCalls().filter { $0["AutoScalingGroupName"] == group }
    }
}
