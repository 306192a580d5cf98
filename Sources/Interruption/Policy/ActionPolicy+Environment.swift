internal import Foundation

extension ActionPolicy {
    /// Reads the policy from NTH's environment variables; an empty value counts as unset.
    ///
    /// Recognised: `CORDON_ONLY`, `TAINT_NODE`, `TAINT_EFFECT`, `ENABLE_OUT_OF_SERVICE_TAINT`,
    /// `EXCLUDE_FROM_LOAD_BALANCERS`, `CHECK_TAG_BEFORE_DRAINING` (`CHECK_ASG_TAG_BEFORE_DRAINING`), `MANAGED_TAG`
    /// (`MANAGED_ASG_TAG`), `DELETE_SQS_MSG_IF_NODE_NOT_FOUND`, `DRY_RUN`, `REBALANCE_ACTION`,
    /// `ENABLE_REBALANCE_DRAINING`, `IGNORE_DAEMON_SETS`, `DELETE_LOCAL_DATA`, `POD_TERMINATION_GRACE_PERIOD`
    /// (`GRACE_PERIOD`), `POD_NAME`, `NAMESPACE`, `HEARTBEAT_INTERVAL`, `HEARTBEAT_UNTIL`,
    /// `COMPLETE_LIFECYCLE_ACTION_DELAY_SECONDS`, `NODE_TERMINATION_GRACE_PERIOD`. Booleans are read like Go's
    /// `strconv.ParseBool` (`1`, `t`, `true`, `TRUE`, `True`, and the `0`/`f`/`false` forms).
    ///
    /// - Parameter environment: The environment, for example `ProcessInfo.processInfo.environment`.
    /// - Throws: ``PolicyError`` listing every invalid variable.
    public init(environment: [String: String]) throws(PolicyError) {
        var reader = EnvironmentReader(environment: environment)
        self.init()
        cordonOnly = reader.bool("CORDON_ONLY") ?? cordonOnly
        taintNode = reader.bool("TAINT_NODE") ?? taintNode
        if let effect = reader.value("TAINT_EFFECT") {
            if let parsed = TaintEffect(rawValue: effect) {
                taintEffect = parsed
            } else {
                reader.fail("TAINT_EFFECT", effect, "NoSchedule, PreferNoSchedule or NoExecute")
            }
        }
        outOfServiceTaint = reader.bool("ENABLE_OUT_OF_SERVICE_TAINT") ?? outOfServiceTaint
        excludeFromLoadBalancers = reader.bool("EXCLUDE_FROM_LOAD_BALANCERS") ?? excludeFromLoadBalancers
        checkTagBeforeDraining =
            reader.bool("CHECK_TAG_BEFORE_DRAINING") ?? reader.bool("CHECK_ASG_TAG_BEFORE_DRAINING")
            ?? checkTagBeforeDraining
        managedTag = reader.value("MANAGED_TAG") ?? reader.value("MANAGED_ASG_TAG") ?? managedTag
        deleteMessageIfNodeNotFound = reader.bool("DELETE_SQS_MSG_IF_NODE_NOT_FOUND") ?? deleteMessageIfNodeNotFound
        dryRun = reader.bool("DRY_RUN") ?? dryRun
        if let action = reader.value("REBALANCE_ACTION") {
            if let parsed = RebalanceAction(rawValue: action) {
                rebalance = parsed
            } else {
                reader.fail("REBALANCE_ACTION", action, "cordon, cordon-and-drain or ignore")
            }
        } else if reader.bool("ENABLE_REBALANCE_DRAINING") == true {
            rebalance = .cordonAndDrain
        }
        drainFilter.ignoreDaemonSets = reader.bool("IGNORE_DAEMON_SETS") ?? drainFilter.ignoreDaemonSets
        drainFilter.deleteEmptyDirData = reader.bool("DELETE_LOCAL_DATA") ?? drainFilter.deleteEmptyDirData
        let graceVariable =
            reader.value("POD_TERMINATION_GRACE_PERIOD") != nil ? "POD_TERMINATION_GRACE_PERIOD" : "GRACE_PERIOD"
        if let grace = reader.integer(graceVariable, in: -1...Int(Int32.max)), grace >= 0 {
            drainFilter.podTerminationGracePeriod = grace
        }
        if let podName = reader.value("POD_NAME") {
            drainFilter.ownPod = PodReference(namespace: reader.value("NAMESPACE") ?? "default", name: podName)
        }
        if let period = reader.integer("NODE_TERMINATION_GRACE_PERIOD", in: 0...Int(Int32.max)) {
            nodeTerminationGracePeriod = TimeInterval(period)
        }
        if let delay = reader.integer("COMPLETE_LIFECYCLE_ACTION_DELAY_SECONDS", in: -1...Int(Int32.max)), delay >= 0 {
            completeLifecycleActionDelay = TimeInterval(delay)
        }
        heartbeat = reader.heartbeat()
        guard reader.problems.isEmpty else { throw PolicyError(problems: reader.problems) }
    }
}

extension EnvironmentReader {
    /// `HEARTBEAT_INTERVAL` (30–3600) and `HEARTBEAT_UNTIL` (60–172800), with NTH's rules; −1 means unset.
    mutating func heartbeat() -> HeartbeatSchedule? {
        let interval = integer("HEARTBEAT_INTERVAL", in: -1...3600)
        let until = integer("HEARTBEAT_UNTIL", in: -1...172_800)
        let setInterval = interval.flatMap { $0 == -1 ? nil : $0 }
        let setUntil = until.flatMap { $0 == -1 ? nil : $0 }
        if let setInterval, setInterval < 30 {
            fail("HEARTBEAT_INTERVAL", String(setInterval), "an integer from 30 to 3600, or -1")
            return nil
        }
        if let setUntil, setUntil < 60 {
            fail("HEARTBEAT_UNTIL", String(setUntil), "an integer from 60 to 172800, or -1")
            return nil
        }
        switch (setInterval, setUntil) {
        case (nil, nil):
            return nil
        case (nil, .some):
            fail("HEARTBEAT_UNTIL", nil, "HEARTBEAT_INTERVAL must be set too")
            return nil
        case (let interval?, nil):
            return HeartbeatSchedule(interval: TimeInterval(interval))
        case (let interval?, let until?):
            guard interval <= until else {
                fail("HEARTBEAT_INTERVAL", String(interval), "at most HEARTBEAT_UNTIL (\(until))")
                return nil
            }
            return HeartbeatSchedule(interval: TimeInterval(interval), until: TimeInterval(until))
        }
    }
}
