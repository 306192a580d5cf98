import ArgumentParser

/// The `node-termination-handler` command: cordons and drains Kubernetes nodes before AWS interrupts their
/// instances, driven by interruption events on an SQS queue.
@main
struct NodeTerminationHandler: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node-termination-handler",
        abstract: "Cordon and drain Kubernetes nodes before AWS interrupts their EC2 instances.",
        discussion: """
            Long-polls an SQS queue fed by EventBridge rules (spot interruption warnings, rebalance \
            recommendations, instance state changes, AWS Health scheduled changes, Auto Scaling lifecycle hooks), \
            maps each instance to its node, cordons every affected node at once and drains it before the deadline.

            Configuration comes from the environment variables of aws-node-termination-handler's queue mode \
            (QUEUE_URL, WORKERS, DRY_RUN, CORDON_ONLY, TAINT_NODE, …); see docs/configuration.md.
            """,
        version: "0.1.0",
        subcommands: [Run.self, Simulate.self]
    )

    mutating func run() async throws {
        print(Self.helpMessage())
    }
}
