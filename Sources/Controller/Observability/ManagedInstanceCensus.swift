public import AWS
public import Clocks
internal import CoreMetrics
public import Logging

/// NTH's `nth_tagged_instances` and `nth_tagged_nodes` gauges, refreshed as NTH refreshes them (every 30 s while
/// metrics are served): the region's EC2 instances carrying the managed tag key (one paginated `DescribeInstances`
/// with a `tag-key` filter, `ec2:DescribeInstances`), and the nodes of the cluster (from the node cache, no
/// apiserver call) whose providerID names one of them.
public struct ManagedInstanceCensus: Sendable {
    /// The instance ids carrying the tag.
    let taggedInstances: @Sendable () async throws -> Set<String>
    /// The instance ids of the cluster's nodes.
    let nodeInstances: @Sendable () -> [String]
    let metrics: ControllerMetrics
    let logger: Logger
    let intervalSeconds: Double
    let clock: any WallClock

    /// Creates the census over EC2 and the node cache.
    ///
    /// - Parameters:
    ///   - ec2: the EC2 client (in the region of the queue).
    ///   - managedTag: the tag key (`MANAGED_TAG`).
    ///   - nodeInstances: the instance ids of the cluster's nodes.
    ///   - metrics: where the gauges are.
    ///   - logger: where failures are logged.
    ///   - intervalSeconds: the time between refreshes.
    ///   - clock: the clock to wait on.
    public init(
        ec2: EC2Client, managedTag: String, nodeInstances: @escaping @Sendable () -> [String],
        metrics: ControllerMetrics, logger: Logger, intervalSeconds: Double = 30,
        clock: any WallClock = SystemClock()
    ) {
        self.init(
            taggedInstances: {
                Set(
                    try await ec2.describeInstances(filters: [EC2Filter(name: "tag-key", values: [managedTag])]).map(
                        \.instanceID))
            }, nodeInstances: nodeInstances, metrics: metrics, logger: logger, intervalSeconds: intervalSeconds,
            clock: clock)
    }

    init(
        taggedInstances: @escaping @Sendable () async throws -> Set<String>,
        nodeInstances: @escaping @Sendable () -> [String], metrics: ControllerMetrics, logger: Logger,
        intervalSeconds: Double, clock: any WallClock
    ) {
        self.taggedInstances = taggedInstances
        self.nodeInstances = nodeInstances
        self.metrics = metrics
        self.logger = logger
        self.intervalSeconds = intervalSeconds
        self.clock = clock
    }

    /// Refreshes the gauges at once and then every interval, until cancelled.
    public func run() async {
        while !Task.isCancelled {
            await refresh()
            do { try await clock.sleep(seconds: intervalSeconds) } catch { return }
        }
    }

    /// Counts once; a failed EC2 call leaves the gauges as they were (as NTH does) and is logged.
    func refresh() async {
        let tagged: Set<String>
        do {
            tagged = try await taggedInstances()
        } catch {
            logger.warning("counting the instances with the managed tag failed", metadata: ["error": "\(error)"])
            return
        }
        metrics.taggedInstances.record(tagged.count)
        metrics.taggedNodes.record(nodeInstances().filter(tagged.contains).count)
    }
}
