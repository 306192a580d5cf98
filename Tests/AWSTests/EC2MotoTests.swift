import Foundation
import HTTPClient
import Locking
import TestSupport
import Testing

@testable import AWS

@Suite("EC2 DescribeInstances against moto")
struct EC2MotoTests {
    @Test("describes instances by id with state, private DNS name, zone, type and tags; unknown ids are dropped")
    func byID() async throws {
        try await MotoServer.with { moto in
            let name = MotoServer.unique("worker")
            let ids = try await moto.runInstances(
                count: 3, zone: "us-east-1b", type: "m5.large",
                tags: ["Name": name, "kubernetes.io/cluster/demo": "owned"])
            let unknown = "i-0123456789abcdef0"
            let ec2 = EC2Client(client: moto.client())
            let instances = try await ec2.describeInstances(ids: ids + [unknown, ids[0]])
            #expect(Set(instances.map(\.instanceID)) == Set(ids))
            #expect(instances.count == 3)
            for instance in instances {
                #expect(instance.state == EC2Instance.State(code: 16, name: "running"))
                #expect(instance.availabilityZone == "us-east-1b")
                #expect(instance.instanceType == "m5.large")
                #expect(instance.tags["Name"] == name)
                #expect(instance.tags["kubernetes.io/cluster/demo"] == "owned")
                let dns = try #require(instance.privateDNSName)
                #expect(dns.hasPrefix("ip-") && dns.hasSuffix(".ec2.internal"))
                let ip = try #require(instance.privateIPAddress)
                #expect(dns.hasPrefix("ip-" + ip.replacingOccurrences(of: ".", with: "-")))
                #expect(instance.launchTime != nil)
            }
            let none = try await ec2.describeInstances(ids: [unknown])
            #expect(none.isEmpty)
        }
    }

    @Test("1100 ids are asked for in two calls of at most 1000")
    func batching() async throws {
        try await MotoServer.with { moto in
            let ids = try await moto.runInstances(count: 1100, zone: "us-east-1a", type: "t3.micro", tags: [:])
            try #require(ids.count == 1100)
            let sizes = Lock<[Int]>([])
            let client = moto.client { request in
                let body = String(decoding: request.body ?? Data(), as: UTF8.self)
                let count = body.split(separator: "&").filter { $0.hasPrefix("InstanceId.") }.count
                sizes.withLock { $0.append(count) }
            }
            let instances = try await EC2Client(client: client).describeInstances(ids: ids.shuffled())
            #expect(instances.count == 1100)
            #expect(Set(instances.map(\.instanceID)) == Set(ids))
            #expect(client.statistics.counts(.ec2, "DescribeInstances").calls == 2)
            #expect(sizes.withLock { $0 }.sorted() == [100, 1000])
        }
    }

    @Test("filters select instances by tag and state")
    func filters() async throws {
        try await MotoServer.with { moto in
            let name = MotoServer.unique("filtered")
            let ids = try await moto.runInstances(count: 2, zone: "us-east-1c", type: "t3.small", tags: ["Name": name])
            let ec2 = EC2Client(client: moto.client())
            let found = try await ec2.describeInstances(filters: [
                EC2Filter(name: "tag:Name", values: [name]),
                EC2Filter(name: "instance-state-name", values: ["running", "pending"]),
            ])
            #expect(Set(found.map(\.instanceID)) == Set(ids))
            let byDNS = try await ec2.describeInstances(filters: [
                EC2Filter(name: "private-dns-name", values: [try #require(found.first?.privateDNSName)])
            ])
            #expect(byDNS.map(\.instanceID) == [found.first?.instanceID])
        }
    }

    @Test("a malformed instance id is refused before any call")
    func malformed() async throws {
        try await MotoServer.with { moto in
            let client = moto.client()
            let error = try await #require(throws: AWSError.self) {
                try await EC2Client(client: client).describeInstances(ids: ["i-1", "node-1"])
            }
            #expect(error.kind == .invalidArgument)
            #expect(client.statistics.counts(.ec2, "DescribeInstances").attempts == 0)
        }
    }

    @Test("instance ids are found in NotFound messages")
    func notFoundParsing() {
        let ids = EC2Client.instanceIDs(
            in: "The instance IDs 'i-0123456789abcdef0, i-89abcdef' do not exist. i-zz is not one.")
        #expect(ids == ["i-0123456789abcdef0", "i-89abcdef"])
    }
}

extension MotoServer {
    /// Launches `count` instances with the given tags and returns their ids.
    func runInstances(count: Int, zone: String, type: String, tags: [String: String]) async throws -> [String] {
        var parameters: [(String, String)] = [
            ("ImageId", "ami-12c6146b"), ("MinCount", String(count)), ("MaxCount", String(count)),
            ("InstanceType", type), ("Placement.AvailabilityZone", zone),
        ]
        if !tags.isEmpty {
            parameters.append(("TagSpecification.1.ResourceType", "instance"))
            for (index, tag) in tags.sorted(by: { $0.key < $1.key }).enumerated() {
                parameters.append(("TagSpecification.1.Tag.\(index + 1).Key", tag.key))
                parameters.append(("TagSpecification.1.Tag.\(index + 1).Value", tag.value))
            }
        }
        let root = try await client().query(.ec2, action: "RunInstances", parameters: parameters)
        return (root.element(at: "instancesSet")?.children("item") ?? []).compactMap { $0.value(at: "instanceId") }
    }
}
