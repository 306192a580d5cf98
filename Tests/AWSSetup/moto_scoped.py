#!/usr/bin/env python3
"""The repository's moto launcher (Tests/AWSTests/Fixtures/moto_nth.py), plus resource-level IAM checks for the two
Auto Scaling lifecycle actions.

moto evaluates an identity policy against the resource a request names only for the services that tell it which one
(SQS: the queue's ARN); every other call is checked against "*", so a statement scoped to Auto Scaling group ARNs
never matches and the call is denied. IAM documents CompleteLifecycleAction and RecordLifecycleActionHeartbeat as
authorized on the group (resource type autoScalingGroup), so here they are checked against the group's ARN, as AWS
does: the template's group-scoped statement is then really evaluated (and a statement for another group denies).

Same command line and behaviour as moto_nth.py: prints {"port": N}, exits when stdin closes.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "AWSTests", "Fixtures"))

import moto_nth  # noqa: E402  (after the path)
from moto.autoscaling.responses import AutoScalingResponse  # noqa: E402

GROUP_SCOPED_ACTIONS = {"CompleteLifecycleAction", "RecordLifecycleActionHeartbeat"}


def _determine_resource(self):
    if self._get_action() not in GROUP_SCOPED_ACTIONS:
        return "*"
    group = self.autoscaling_backend.autoscaling_groups.get(self._get_param("AutoScalingGroupName"))
    return group.arn if group is not None else "*"


AutoScalingResponse._determine_resource = _determine_resource

if __name__ == "__main__":
    moto_nth.main()
