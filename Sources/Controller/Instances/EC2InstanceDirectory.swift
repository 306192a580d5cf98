public import AWS
public import Clocks
internal import Foundation
public import Interruption

/// ``InstanceDirectory`` over EC2 `DescribeInstances`: one call (of up to 1000 ids) for the ids of a batch that
/// are not cached, answers reused for a while.
///
/// Only answers are cached; an id EC2 does not know is asked again next time (it may be a brand-new instance).
/// See [DescribeInstances](https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstances.html).
public actor EC2InstanceDirectory: InstanceDirectory {
    private let describeInstances: @Sendable ([String]) async throws -> [EC2Instance]
    private let clock: any WallClock
    private let cacheSeconds: TimeInterval
    private var cache: [InstanceID: (record: InstanceRecord, fetchedAt: Date)] = [:]
    /// `DescribeInstances` calls made (each of up to 1000 ids), for tests and metrics.
    public private(set) var calls = 0

    /// Creates a directory.
    ///
    /// - Parameters:
    ///   - client: The EC2 client.
    ///   - cacheSeconds: How long an answer is reused.
    ///   - clock: The clock the cache ages by.
    public init(client: EC2Client, cacheSeconds: Int = 600, clock: any WallClock = SystemClock()) {
        self.describeInstances = { ids in try await client.describeInstances(ids: ids) }
        self.cacheSeconds = TimeInterval(cacheSeconds)
        self.clock = clock
    }

    /// Describes the ids not cached in one batched call and answers from the cache for the rest.
    ///
    /// - Parameter instanceIDs: The instances.
    /// - Returns: The records EC2 has.
    /// - Throws: ``AWSError``.
    public func describe(_ instanceIDs: Set<InstanceID>) async throws -> [InstanceID: InstanceRecord] {
        let now = clock.now
        var result: [InstanceID: InstanceRecord] = [:]
        var unknown: [InstanceID] = []
        for id in instanceIDs {
            if let cached = cache[id], now.timeIntervalSince(cached.fetchedAt) < cacheSeconds {
                result[id] = cached.record
            } else {
                unknown.append(id)
            }
        }
        guard !unknown.isEmpty else { return result }
        calls += (unknown.count + EC2Client.maxInstanceIDsPerCall - 1) / EC2Client.maxInstanceIDsPerCall
        let instances = try await describeInstances(unknown.sorted().map(\.rawValue))
        let fetchedAt = clock.now
        for instance in instances {
            guard let id = InstanceID(instance.instanceID) else { continue }
            let record = InstanceRecord(
                instanceID: id, privateDNSName: instance.privateDNSName, state: instance.state.name,
                tags: instance.tags)
            cache[id] = (record, fetchedAt)
            if instanceIDs.contains(id) { result[id] = record }
        }
        return result
    }
}
