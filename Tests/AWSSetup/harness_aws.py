"""AWS-side helpers over moto: the administrator's clients, stacks, least-privilege users, groups and events."""
import json
import os
import pathlib
import uuid

import boto3

from harness_cfn import TEMPLATE_PATH
from harness_processes import http, wait_for

REGION = "us-east-1"
ACCOUNT = "123456789012"
MANAGED_TAG = "aws-node-termination-handler/managed"


def events_directory():
    directory = pathlib.Path(os.environ.get("NTH_SHARED_DIR", "/work/shared")) / "testdata" / "events"
    if not directory.is_dir():
        raise AssertionError(f"event fixtures missing: {directory} (set NTH_SHARED_DIR)")
    return directory


def fixture_event(name):
    return json.loads((events_directory() / name).read_text())


class AWS:
    """boto3 clients for one identity against moto."""

    def __init__(self, endpoint, access_key, secret_key):
        self.endpoint = endpoint
        self.access_key = access_key
        self.secret_key = secret_key

    def client(self, service):
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
        )

    def announce_lifecycle_actions(self, actions):
        """Tells moto (moto_nth.py) of pending lifecycle actions, as Auto Scaling knows them when it starts a
        terminate hook: each a (group, hook, instance id, token). A completion by token then also ends the instance's
        action and the other way round, and a second completion of either is refused, as AWS does."""
        http("POST", f"{self.endpoint}/nth-test/lifecycle-actions", [
            {"AutoScalingGroupName": group, "LifecycleHookName": hook, "InstanceId": instance,
             "LifecycleActionToken": token}
            for group, hook, instance, token in actions
        ])

    # Stacks

    def deploy(self, stack_name, parameters=None, template_path=TEMPLATE_PATH):
        cloudformation = self.client("cloudformation")
        cloudformation.create_stack(
            StackName=stack_name,
            TemplateBody=pathlib.Path(template_path).read_text(),
            Capabilities=["CAPABILITY_NAMED_IAM"],
            Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in (parameters or {}).items()],
        )

        def finished():
            stack = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
            return None if stack["StackStatus"].endswith("IN_PROGRESS") else stack

        stack = wait_for(f"stack {stack_name}", finished, timeout=60)
        assert stack["StackStatus"] == "CREATE_COMPLETE", stack
        return Stack(self, stack_name, stack)

    # Identities

    def user_with_policy(self, document=None, policy_arn=None):
        """A new IAM user holding exactly one policy (the managed `policy_arn`, or `document` as a new managed policy),
        and its access key."""
        iam = self.client("iam")
        name = f"controller-{uuid.uuid4().hex[:10]}"
        iam.create_user(UserName=name)
        if document is not None:
            policy_arn = iam.create_policy(PolicyName=name, PolicyDocument=json.dumps(document))["Policy"]["Arn"]
        iam.attach_user_policy(UserName=name, PolicyArn=policy_arn)
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return key["AccessKeyId"], key["SecretAccessKey"]

    def policy_document(self, policy_arn):
        iam = self.client("iam")
        version = iam.get_policy(PolicyArn=policy_arn)["Policy"]["DefaultVersionId"]
        document = iam.get_policy_version(PolicyArn=policy_arn, VersionId=version)["PolicyVersion"]["Document"]
        return json.loads(document) if isinstance(document, str) else document

    # Instances

    def managed_group(self, size, hook_name="node-termination-handler"):
        """An Auto Scaling group of `size` instances carrying the managed tag, with a terminate lifecycle hook:
        (group name, hook name, instances as {id, private DNS name, zone})."""
        ec2 = self.client("ec2")
        autoscaling = self.client("autoscaling")
        name = f"workers-{uuid.uuid4().hex[:8]}"
        template = ec2.create_launch_template(
            LaunchTemplateName=name,
            LaunchTemplateData={"ImageId": "ami-12c6146b", "InstanceType": "m5.large"},
        )["LaunchTemplate"]
        autoscaling.create_auto_scaling_group(
            AutoScalingGroupName=name,
            LaunchTemplate={"LaunchTemplateId": template["LaunchTemplateId"], "Version": "$Latest"},
            MinSize=size,
            MaxSize=size,
            DesiredCapacity=size,
            AvailabilityZones=[f"{REGION}a"],
            Tags=[{"Key": MANAGED_TAG, "Value": "", "PropagateAtLaunch": True}],
        )
        autoscaling.put_lifecycle_hook(
            AutoScalingGroupName=name,
            LifecycleHookName=hook_name,
            LifecycleTransition="autoscaling:EC2_INSTANCE_TERMINATING",
            HeartbeatTimeout=300,
            DefaultResult="CONTINUE",
        )
        group = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"][0]
        ids = [instance["InstanceId"] for instance in group["Instances"]]
        reservations = ec2.describe_instances(InstanceIds=ids)["Reservations"]
        instances = [
            {
                "id": instance["InstanceId"],
                "dns": instance["PrivateDnsName"],
                "zone": instance["Placement"]["AvailabilityZone"],
            }
            for reservation in reservations
            for instance in reservation["Instances"]
        ]
        return name, hook_name, sorted(instances, key=lambda instance: ids.index(instance["id"]))

    # Events

    def put_events(self, envelopes):
        """Publishes EventBridge envelopes (fixture-shaped) on the default bus through PutEvents."""
        entries = [
            {
                "Source": envelope["source"],
                "DetailType": envelope["detail-type"],
                "Resources": envelope.get("resources", []),
                "Detail": json.dumps(envelope["detail"]),
            }
            for envelope in envelopes
        ]
        result = self.client("events").put_events(Entries=entries)
        assert result["FailedEntryCount"] == 0, result

    def queue_counts(self, queue_url):
        attributes = self.client("sqs").get_queue_attributes(
            QueueUrl=queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]), int(attributes["ApproximateNumberOfMessagesNotVisible"])

    def receive_all(self, queue_url, wait=1):
        """Every message visible now (hidden again for 30 s), as parsed bodies."""
        sqs = self.client("sqs")
        bodies = []
        while True:
            messages = sqs.receive_message(
                QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=wait, VisibilityTimeout=30
            ).get("Messages", [])
            if not messages:
                return bodies
            bodies.extend(json.loads(message["Body"]) for message in messages)


class Stack:
    """A deployed stack: its outputs, its resources' physical ids."""

    def __init__(self, aws, name, description):
        self.aws = aws
        self.name = name
        self.outputs = {output["OutputKey"]: output["OutputValue"] for output in description.get("Outputs", [])}
        summaries = aws.client("cloudformation").list_stack_resources(StackName=name)["StackResourceSummaries"]
        self.resources = {summary["LogicalResourceId"]: summary for summary in summaries}

    def delete(self):
        self.aws.client("cloudformation").delete_stack(StackName=self.name)


def spot_warning(instance_id):
    event = fixture_event("spot-interruption-warning.json")
    event["detail"]["instance-id"] = instance_id
    event["resources"] = [f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/{instance_id}"]
    return event


def terminate_lifecycle_action(instance_id, group, hook):
    event = fixture_event("asg-terminate-lifecycle-eventbridge.json")
    event["detail"].update(
        {
            "EC2InstanceId": instance_id,
            "AutoScalingGroupName": group,
            "LifecycleHookName": hook,
            "LifecycleActionToken": str(uuid.uuid4()),
        }
    )
    event["resources"] = [
        f"arn:aws:autoscaling:{REGION}:{ACCOUNT}:autoScalingGroup:{uuid.uuid4()}:autoScalingGroupName/{group}"
    ]
    return event
