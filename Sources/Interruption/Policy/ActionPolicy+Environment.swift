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
        // Both spellings are read (and checked) even when both are set; NTH's current name wins.
        let checkTag = reader.bool("CHECK_TAG_BEFORE_DRAINING")
        let checkASGTag = reader.bool("CHECK_ASG_TAG_BEFORE_DRAINING")
        checkTagBeforeDraining = checkTag ?? checkASGTag ?? checkTagBeforeDraining
        let tag = reader.tagKey("MANAGED_TAG")
        let asgTag = reader.tagKey("MANAGED_ASG_TAG")
        managedTag = tag ?? asgTag ?? managedTag
        deleteMessageIfNodeNotFound = reader.bool("DELETE_SQS_MSG_IF_NODE_NOT_FOUND") ?? deleteMessageIfNodeNotFound
        dryRun = reader.bool("DRY_RUN") ?? dryRun
        let rebalanceDraining = reader.bool("ENABLE_REBALANCE_DRAINING")
        if let action = reader.value("REBALANCE_ACTION") {
            if let parsed = RebalanceAction(rawValue: action) {
                rebalance = parsed
            } else {
                reader.fail("REBALANCE_ACTION", action, "cordon, cordon-and-drain or ignore")
            }
        } else if rebalanceDraining == true {
            rebalance = .cordonAndDrain
        }
        drainFilter.ignoreDaemonSets = reader.bool("IGNORE_DAEMON_SETS") ?? drainFilter.ignoreDaemonSets
        drainFilter.deleteEmptyDirData = reader.bool("DELETE_LOCAL_DATA") ?? drainFilter.deleteEmptyDirData
        // Both spellings are read (and checked); POD_TERMINATION_GRACE_PERIOD wins when both are set.
        let podGrace = reader.integer("POD_TERMINATION_GRACE_PERIOD", in: -1...Int(Int32.max))
        let grace = reader.integer("GRACE_PERIOD", in: -1...Int(Int32.max))
        if let period = reader.value("POD_TERMINATION_GRACE_PERIOD") != nil ? podGrace : grace, period >= 0 {
            drainFilter.podTerminationGracePeriod = period
        }
        let namespace = reader.kubernetesName("NAMESPACE", subdomain: false)
        if let podName = reader.kubernetesName("POD_NAME", subdomain: true) {
            drainFilter.ownPod = PodReference(namespace: namespace ?? "default", name: podName)
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
    /// An EC2 tag key: 1 to 128 characters, not starting with `aws:`; a problem otherwise.
    mutating func tagKey(_ name: String) -> String? {
        guard let text = value(name) else { return nil }
        guard text.count <= 128, !text.lowercased().hasPrefix("aws:") else {
            fail(name, String(text.prefix(200)), "an EC2 tag key: at most 128 characters, not starting with aws:")
            return nil
        }
        return text
    }

    /// `HEARTBEAT_INTERVAL` (30–3600) and `HEARTBEAT_UNTIL` (60–172800), with NTH's rules; −1 means unset.
    mutating func heartbeat() -> HeartbeatSchedule? {
        let interval = integer("HEARTBEAT_INTERVAL", in: -1...3600)
        let until = integer("HEARTBEAT_UNTIL", in: -1...172_800)
        let setInterval = interval.flatMap { $0 == -1 ? nil : $0 }
        let setUntil = until.flatMap { $0 == -1 ? nil : $0 }
        // Both are checked before either returns, so that both are listed when both are wrong.
        let intervalTooShort = setInterval.map { $0 < 30 } ?? false
        let untilTooShort = setUntil.map { $0 < 60 } ?? false
        if let setInterval, intervalTooShort {
            fail("HEARTBEAT_INTERVAL", String(setInterval), "an integer from 30 to 3600, or -1")
        }
        if let setUntil, untilTooShort {
            fail("HEARTBEAT_UNTIL", String(setUntil), "an integer from 60 to 172800, or -1")
        }
        if intervalTooShort || untilTooShort || interval == nil && value("HEARTBEAT_INTERVAL") != nil
            || until == nil && value("HEARTBEAT_UNTIL") != nil
        {
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
