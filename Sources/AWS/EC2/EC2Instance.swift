public import Foundation
import Timestamps

/// An EC2 instance as `DescribeInstances` describes it: the fields the controller needs to match instances to
/// nodes and to decide what to do.
///
/// See <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Instance.html>.
public struct EC2Instance: Sendable, Equatable {
    /// The instance's state, e.g. code 16 `running`, 32 `shutting-down`.
    ///
    /// See <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_InstanceState.html>.
    public struct State: Sendable, Equatable {
        /// The low byte is the state: 0 pending, 16 running, 32 shutting-down, 48 terminated, 64 stopping,
        /// 80 stopped.
        public var code: Int
        /// `pending`, `running`, `shutting-down`, `terminated`, `stopping` or `stopped`.
        public var name: String

        /// Creates a state.
        ///
        /// - Parameters:
        ///   - code: the state code.
        ///   - name: the state name.
        public init(code: Int, name: String) {
            self.code = code
            self.name = name
        }
    }

    /// The instance id, e.g. `i-0123456789abcdef0`.
    public var instanceID: String
    /// The state.
    public var state: State
    /// The private DNS name, e.g. `ip-10-0-1-2.eu-west-1.compute.internal` (the node name with the default
    /// kubelet settings); empty or `nil` before the instance has a network interface.
    public var privateDNSName: String?
    /// The primary private IPv4 address.
    public var privateIPAddress: String?
    /// The availability zone, e.g. `eu-west-1a`.
    public var availabilityZone: String?
    /// The instance type, e.g. `m5.large`.
    public var instanceType: String?
    /// When the instance was launched.
    public var launchTime: Date?
    /// The tags, e.g. `aws:autoscaling:groupName`, `kubernetes.io/cluster/<name>`.
    public var tags: [String: String]

    /// Creates an instance description.
    ///
    /// - Parameters:
    ///   - instanceID: the instance id.
    ///   - state: the state.
    ///   - privateDNSName: the private DNS name.
    ///   - privateIPAddress: the private IPv4 address.
    ///   - availabilityZone: the availability zone.
    ///   - instanceType: the instance type.
    ///   - launchTime: the launch time.
    ///   - tags: the tags.
    public init(
        instanceID: String, state: State, privateDNSName: String? = nil, privateIPAddress: String? = nil,
        availabilityZone: String? = nil, instanceType: String? = nil, launchTime: Date? = nil,
        tags: [String: String] = [:]
    ) {
        self.instanceID = instanceID
        self.state = state
        self.privateDNSName = privateDNSName
        self.privateIPAddress = privateIPAddress
        self.availabilityZone = availabilityZone
        self.instanceType = instanceType
        self.launchTime = launchTime
        self.tags = tags
    }

    /// The Auto Scaling group the instance belongs to (the `aws:autoscaling:groupName` tag).
    public var autoScalingGroupName: String? {
        tags["aws:autoscaling:groupName"]
    }

    /// Parses one `instancesSet/item` element.
    static func parse(_ item: XML.Element) -> EC2Instance? {
        guard let id = item.value(at: "instanceId"), !id.isEmpty else { return nil }
        var tags: [String: String] = [:]
        for tag in item.element(at: "tagSet")?.children("item") ?? [] {
            if let key = tag.value(at: "key") {
                tags[key] = tag.value(at: "value") ?? ""
            }
        }
        func nonEmpty(_ value: String?) -> String? { value.flatMap { $0.isEmpty ? nil : $0 } }
        return EC2Instance(
            instanceID: id,
            state: State(
                code: item.value(at: "instanceState", "code").flatMap { Int($0) } ?? -1,
                name: item.value(at: "instanceState", "name") ?? "unknown"),
            privateDNSName: nonEmpty(item.value(at: "privateDnsName")),
            privateIPAddress: nonEmpty(item.value(at: "privateIpAddress")),
            availabilityZone: nonEmpty(item.value(at: "placement", "availabilityZone")),
            instanceType: nonEmpty(item.value(at: "instanceType")),
            launchTime: item.value(at: "launchTime").flatMap { RFC3339.parse($0) },
            tags: tags)
    }
}

/// A `DescribeInstances` filter, e.g. `instance-state-name` = `running`, or `tag:Name` = `worker`.
///
/// See <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstances.html>.
public struct EC2Filter: Sendable, Equatable {
    /// The filter's name.
    public var name: String
    /// The values; an instance matches when it matches any.
    public var values: [String]

    /// Creates a filter.
    ///
    /// - Parameters:
    ///   - name: the filter's name.
    ///   - values: the values.
    public init(name: String, values: [String]) {
        self.name = name
        self.values = values
    }
}
