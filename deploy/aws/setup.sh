#!/usr/bin/env bash
# node-termination-handler's AWS side with the plain AWS CLI: what deploy/aws/node-termination-handler.yaml creates
# with CloudFormation, for people who do not use it. Safe to run again (queues, rules and targets are updated in
# place, the policy gets a new default version, roles are updated). docs/aws-setup.md explains every part;
# Tests/AWSSetup checks that this script and the template create the same resources and the same JSON.
#
#   deploy/aws/setup.sh --region us-east-1 [options]
#
# Options (the template's parameter in brackets):
#   --region REGION              required unless AWS_REGION or AWS_DEFAULT_REGION is set
#   --name NAME                  base name of everything (default node-termination-handler) [Name]
#   --retention SECONDS          message retention, 300-1209600 (default 7200) [MessageRetentionSeconds]
#   --no-dlq                     no dead-letter queue [EnableDeadLetterQueue=false]
#   --max-receive-count N        the redrive maxReceiveCount, = NTH_MAX_RECEIVE_COUNT (default 5) [MaxReceiveCount]
#   --kms-key-arn ARN            SSE-KMS with this key instead of SSE-SQS [KmsKeyArn]
#   --asg-arns ARN,ARN           groups whose lifecycle actions may be completed (default: all) [AutoScalingGroupARNs]
#   --notification-role          a role for Auto Scaling notifications sent straight to the queue
#   --oidc-issuer URL            create NAME-irsa for this cluster's OIDC issuer (IRSA) [OIDCIssuerURL]
#   --pod-identity               create NAME-pod-identity (EKS Pod Identity) [PodIdentity]
#   --namespace NS               the chart's namespace (default kube-system) [ServiceAccountNamespace]
#   --service-account NAME       the controller's service account (default node-termination-handler)
#   --account-id ID              the account (default: aws sts get-caller-identity)
#   --endpoint-url URL           passed to every aws call (an emulator such as moto or LocalStack)
# Print what would be applied, and change nothing:
#   --print-policy | --print-rules | --print-queue-policy | --print-queue-attributes |
#   --print-trust-policy irsa|pod-identity|autoscaling-notifications | --print-notification-policy
# The AWS CLI's own settings apply (AWS_PROFILE, credentials, ...).
set -euo pipefail

region=${AWS_REGION:-${AWS_DEFAULT_REGION:-}}
name=node-termination-handler
retention=7200
dlq=true
max_receive_count=5
kms_key_arn=
asg_arns=
notification_role=false
oidc_issuer=
pod_identity=false
namespace=kube-system
service_account=node-termination-handler
account=
print=
aws_options=()

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 64; }
fail() { echo "setup.sh: $*" >&2; exit 64; }
need() { [ $# -ge 2 ] && [ -n "$2" ] || fail "$1 needs a value"; }

while [ $# -gt 0 ]; do
    case "$1" in
        --region) need "$@"; region=$2; shift ;;
        --name) need "$@"; name=$2; shift ;;
        --retention) need "$@"; retention=$2; shift ;;
        --no-dlq) dlq=false ;;
        --max-receive-count) need "$@"; max_receive_count=$2; shift ;;
        --kms-key-arn) need "$@"; kms_key_arn=$2; shift ;;
        --asg-arns) need "$@"; asg_arns=$2; shift ;;
        --notification-role) notification_role=true ;;
        --oidc-issuer) need "$@"; oidc_issuer=$2; shift ;;
        --pod-identity) pod_identity=true ;;
        --namespace) need "$@"; namespace=$2; shift ;;
        --service-account) need "$@"; service_account=$2; shift ;;
        --account-id) need "$@"; account=$2; shift ;;
        --endpoint-url) need "$@"; aws_options+=(--endpoint-url "$2"); shift ;;
        --print-policy | --print-rules | --print-queue-policy | --print-queue-attributes | --print-notification-policy)
            print=${1#--print-} ;;
        --print-trust-policy) need "$@"; print=trust-policy-$2; shift ;;
        -h | --help) usage ;;
        *) fail "unknown option $1 (--help lists them)" ;;
    esac
    shift
done

# The template's AllowedPattern / MinValue / MaxValue, so that both refuse the same input.
[ -n "$region" ] || fail "--region is required (or AWS_REGION)"
[[ $name =~ ^[A-Za-z0-9_-]{1,40}$ ]] || fail "--name must match ^[A-Za-z0-9_-]{1,40}$"
[[ $retention =~ ^[0-9]+$ ]] && [ "$retention" -ge 300 ] && [ "$retention" -le 1209600 ] ||
    fail "--retention must be 300-1209600 seconds"
[[ $max_receive_count =~ ^[0-9]+$ ]] && [ "$max_receive_count" -ge 1 ] && [ "$max_receive_count" -le 1000 ] ||
    fail "--max-receive-count must be 1-1000"
[ -z "$kms_key_arn" ] || [[ $kms_key_arn =~ ^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$ ]] ||
    fail "--kms-key-arn must be a key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)"
[ -z "$oidc_issuer" ] || [[ $oidc_issuer =~ ^https://[^/\ ]+(/[^\ ]*)?$ ]] || fail "--oidc-issuer must be an https URL"
[[ $namespace =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ ]] || fail "--namespace is not a namespace name"
[[ $service_account =~ ^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$ ]] || fail "--service-account is not a service account name"

case "$region" in
    cn-*) partition=aws-cn ;;
    us-gov-*) partition=aws-us-gov ;;
    *) partition=aws ;;
esac
if [ -z "$account" ]; then
    account=$(aws "${aws_options[@]}" sts get-caller-identity --query Account --output text --region "$region")
fi

queue_arn="arn:$partition:sqs:$region:$account:$name"
dlq_arn="arn:$partition:sqs:$region:$account:$name-dlq"
policy_arn="arn:$partition:iam::$account:policy/$name"

# The rules: name suffix, description, event pattern (the template's, in the same order).
rule_suffixes=(spot-interruption rebalance-recommendation instance-state-change scheduled-change
    terminate-lifecycle-action launch-lifecycle-action)
rule_descriptions=(
    "EC2 Spot Instance Interruption Warning (two minutes before the reclaim)"
    "EC2 Instance Rebalance Recommendation (a spot instance at elevated risk)"
    "EC2 Instance State-change Notification, only the states the controller acts on"
    "AWS Health scheduled changes of EC2 (maintenance, retirement)"
    "Auto Scaling EC2 Instance-terminate Lifecycle Action (a terminate hook holds the instance)"
    "Auto Scaling EC2 Instance-launch Lifecycle Action (completed once the node is Ready)"
)
rule_patterns=(
    '{"source":["aws.ec2"],"detail-type":["EC2 Spot Instance Interruption Warning"]}'
    '{"source":["aws.ec2"],"detail-type":["EC2 Instance Rebalance Recommendation"]}'
    '{"source":["aws.ec2"],"detail-type":["EC2 Instance State-change Notification"],"detail":{"state":["stopping","stopped","shutting-down","terminated"]}}'
    '{"source":["aws.health"],"detail-type":["AWS Health Event"],"detail":{"service":["EC2"],"eventTypeCategory":["scheduledChange"]}}'
    '{"source":["aws.autoscaling"],"detail-type":["EC2 Instance-terminate Lifecycle Action"]}'
    '{"source":["aws.autoscaling"],"detail-type":["EC2 Instance-launch Lifecycle Action"]}'
)

# "a,b" -> "a","b" (JSON strings; ARNs carry no quotes or backslashes).
json_list() {
    local IFS=, item out=
    for item in $1; do out+="${out:+,}\"${item// /}\""; done
    printf '%s' "$out"
}
# A JSON document as a JSON string (for queue attributes, which are strings).
json_string() {
    local text=${1//\\/\\\\}
    printf '"%s"' "${text//\"/\\\"}"
}

controller_policy() {
    local lifecycle_resource key_statement=
    if [ -n "$kms_key_arn" ]; then
        key_statement=$',\n  {"Sid":"QueueKey","Effect":"Allow","Action":"kms:Decrypt","Resource":"'"$kms_key_arn"'"}'
    fi
    if [ -z "${asg_arns//[ ,]/}" ]; then
        lifecycle_resource="\"arn:$partition:autoscaling:$region:$account:autoScalingGroup:*:autoScalingGroupName/*\""
    else
        lifecycle_resource="[$(json_list "$asg_arns")]"
    fi
    cat <<JSON
{"Version":"2012-10-17","Statement":[
  {"Sid":"InterruptionQueue","Effect":"Allow",
   "Action":["sqs:ReceiveMessage","sqs:DeleteMessage","sqs:ChangeMessageVisibility"],"Resource":"$queue_arn"},
  {"Sid":"InstanceLookup","Effect":"Allow","Action":"ec2:DescribeInstances","Resource":"*"},
  {"Sid":"LifecycleActions","Effect":"Allow",
   "Action":["autoscaling:CompleteLifecycleAction","autoscaling:RecordLifecycleActionHeartbeat"],
   "Resource":$lifecycle_resource}$key_statement
]}
JSON
}

rule_arn() { printf 'arn:%s:events:%s:%s:rule/%s-%s' "$partition" "$region" "$account" "$name" "$1"; }

queue_policy() {
    local sources= suffix
    for suffix in "${rule_suffixes[@]}"; do sources+="${sources:+,}\"$(rule_arn "$suffix")\""; done
    cat <<JSON
{"Version":"2012-10-17","Statement":[
  {"Sid":"EventBridgeRules","Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},
   "Action":"sqs:SendMessage","Resource":"$queue_arn","Condition":{"ArnEquals":{"aws:SourceArn":[$sources]}}},
  {"Sid":"DenyInsecureTransport","Effect":"Deny","Principal":"*","Action":"sqs:*","Resource":"$queue_arn",
   "Condition":{"Bool":{"aws:SecureTransport":"false"}}}
]}
JSON
}

encryption_attributes() {
    if [ -n "$kms_key_arn" ]; then
        printf '"KmsMasterKeyId":"%s"' "$kms_key_arn"
    else
        printf '"SqsManagedSseEnabled":"true"'
    fi
}

queue_attributes() {
    local redrive=
    if [ "$dlq" = true ]; then
        redrive=",\"RedrivePolicy\":$(json_string "{\"deadLetterTargetArn\":\"$dlq_arn\",\"maxReceiveCount\":$max_receive_count}")"
    fi
    local policy
    policy=$(queue_policy | tr -d '\n')
    printf '{"MessageRetentionPeriod":"%s","VisibilityTimeout":"20",%s%s,"Policy":%s}\n' \
        "$retention" "$(encryption_attributes)" "$redrive" "$(json_string "$policy")"
}

rules() {
    local i out=
    for i in "${!rule_suffixes[@]}"; do
        out+="${out:+,
}  {\"Name\":\"$name-${rule_suffixes[$i]}\",\"Description\":\"${rule_descriptions[$i]}\",\"State\":\"ENABLED\",\"EventPattern\":${rule_patterns[$i]},\"Targets\":[{\"Id\":\"queue\",\"Arn\":\"$queue_arn\"}]}"
    done
    printf '[\n%s\n]\n' "$out"
}

issuer_path() { printf '%s' "${oidc_issuer#https://}"; }

trust_policy() {
    case "$1" in
        irsa)
            [ -n "$oidc_issuer" ] || fail "the IRSA trust policy needs --oidc-issuer"
            local issuer
            issuer=$(issuer_path)
            cat <<JSON
{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
  "Principal":{"Federated":"arn:$partition:iam::$account:oidc-provider/$issuer"},
  "Action":"sts:AssumeRoleWithWebIdentity",
  "Condition":{"StringEquals":{"$issuer:sub":"system:serviceaccount:$namespace:$service_account",
                               "$issuer:aud":"sts.amazonaws.com"}}}]}
JSON
            ;;
        pod-identity)
            echo '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"pods.eks.amazonaws.com"},"Action":["sts:AssumeRole","sts:TagSession"]}]}'
            ;;
        autoscaling-notifications)
            echo '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"autoscaling.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
            ;;
        *) fail "--print-trust-policy takes irsa, pod-identity or autoscaling-notifications" ;;
    esac
}

notification_policy() {
    local key_statement=
    if [ -n "$kms_key_arn" ]; then
        key_statement=$',\n  {"Sid":"QueueKey","Effect":"Allow","Action":["kms:GenerateDataKey","kms:Decrypt"],"Resource":"'"$kms_key_arn"'"}'
    fi
    cat <<JSON
{"Version":"2012-10-17","Statement":[
  {"Sid":"InterruptionQueue","Effect":"Allow","Action":["sqs:SendMessage","sqs:GetQueueUrl"],"Resource":"$queue_arn"}$key_statement
]}
JSON
}

case "$print" in
    "") ;;
    policy) controller_policy; exit 0 ;;
    rules) rules; exit 0 ;;
    queue-policy) queue_policy; exit 0 ;;
    queue-attributes) queue_attributes; exit 0 ;;
    notification-policy) notification_policy; exit 0 ;;
    trust-policy-*) trust_policy "${print#trust-policy-}"; exit 0 ;;
esac

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
say() { echo "setup.sh: $*" >&2; }
awsr() { aws "${aws_options[@]}" --region "$region" --output text "$@"; }

# Queues. create-queue returns the existing queue's URL; the attributes are then set either way.
if [ "$dlq" = true ]; then
    say "queue $name-dlq"
    dlq_url=$(awsr sqs create-queue --queue-name "$name-dlq" --query QueueUrl)
    printf '{"MessageRetentionPeriod":"1209600",%s}\n' "$(encryption_attributes)" > "$work/dlq.json"
    awsr sqs set-queue-attributes --queue-url "$dlq_url" --attributes "file://$work/dlq.json"
fi
say "queue $name"
queue_url=$(awsr sqs create-queue --queue-name "$name" --query QueueUrl)

# Rules and their targets (put-rule and put-targets update in place).
for i in "${!rule_suffixes[@]}"; do
    rule="$name-${rule_suffixes[$i]}"
    say "rule $rule"
    awsr events put-rule --name "$rule" --state ENABLED --description "${rule_descriptions[$i]}" \
        --event-pattern "${rule_patterns[$i]}" --query RuleArn > /dev/null
    awsr events put-targets --rule "$rule" --targets "Id=queue,Arn=$queue_arn" > /dev/null
done

# The queue's attributes, with the policy naming the rules.
queue_attributes > "$work/queue.json"
awsr sqs set-queue-attributes --queue-url "$queue_url" --attributes "file://$work/queue.json"

# The controller's managed policy: created, or given a new default version (the oldest is deleted at five).
controller_policy > "$work/policy.json"
if awsr iam get-policy --policy-arn "$policy_arn" --query Policy.Arn > /dev/null 2>&1; then
    say "policy $name: new version"
    versions=$(awsr iam list-policy-versions --policy-arn "$policy_arn" \
        --query 'sort_by(Versions[?IsDefaultVersion==`false`], &CreateDate)[].VersionId')
    read -r -a old <<< "$versions"
    if [ "${#old[@]}" -ge 4 ]; then
        awsr iam delete-policy-version --policy-arn "$policy_arn" --version-id "${old[0]}"
    fi
    awsr iam create-policy-version --policy-arn "$policy_arn" --policy-document "file://$work/policy.json" \
        --set-as-default > /dev/null
else
    say "policy $name"
    awsr iam create-policy --policy-name "$name" --policy-document "file://$work/policy.json" \
        --description "node-termination-handler's controller (docs/aws-setup.md says which call needs what)" > /dev/null
fi

# A role: created or its trust policy updated; then the managed policy attached, or the inline one put.
ensure_role() { # role-name trust-kind description
    trust_policy "$2" > "$work/trust-$2.json"
    if awsr iam get-role --role-name "$1" --query Role.Arn > /dev/null 2>&1; then
        awsr iam update-assume-role-policy --role-name "$1" --policy-document "file://$work/trust-$2.json"
    else
        awsr iam create-role --role-name "$1" --description "$3" \
            --assume-role-policy-document "file://$work/trust-$2.json" > /dev/null
    fi
    say "role $1"
    awsr iam get-role --role-name "$1" --query Role.Arn
}

role_arn=
pod_identity_role_arn=
notification_role_arn=
if [ -n "$oidc_issuer" ]; then
    role_arn=$(ensure_role "$name-irsa" irsa \
        "node-termination-handler's controller through IRSA (one service account of one cluster)")
    awsr iam attach-role-policy --role-name "$name-irsa" --policy-arn "$policy_arn"
fi
if [ "$pod_identity" = true ]; then
    pod_identity_role_arn=$(ensure_role "$name-pod-identity" pod-identity \
        "node-termination-handler's controller through an EKS Pod Identity association")
    awsr iam attach-role-policy --role-name "$name-pod-identity" --policy-arn "$policy_arn"
    role_arn=${role_arn:-$pod_identity_role_arn}
fi
if [ "$notification_role" = true ]; then
    notification_role_arn=$(ensure_role "$name-autoscaling-notifications" autoscaling-notifications \
        "Assumed by Auto Scaling to send lifecycle notifications straight to the interruption queue")
    notification_policy > "$work/notifications.json"
    awsr iam put-role-policy --role-name "$name-autoscaling-notifications" \
        --policy-name send-to-interruption-queue --policy-document "file://$work/notifications.json"
fi

# The same outputs as the stack's.
helm="queueURL=$queue_url,awsRegion=$region"
if [ -n "$oidc_issuer" ]; then
    helm+=",serviceAccount.name=$service_account,serviceAccount.annotations.eks\\.amazonaws\\.com/role-arn=$role_arn"
elif [ "$pod_identity" = true ]; then
    helm+=",serviceAccount.name=$service_account"
fi
echo "QueueURL: $queue_url"
echo "QueueARN: $queue_arn"
[ "$dlq" = true ] && echo "DeadLetterQueueURL: $dlq_url"
echo "PolicyARN: $policy_arn"
[ -n "$role_arn" ] && echo "RoleARN: $role_arn"
[ -n "$pod_identity_role_arn" ] && echo "PodIdentityRoleARN: $pod_identity_role_arn"
[ -n "$notification_role_arn" ] && echo "AutoScalingNotificationRoleARN: $notification_role_arn"
[ -n "$kms_key_arn" ] &&
    echo 'KmsKeyPolicyStatement: {"Sid":"EventBridgeToInterruptionQueue","Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":["kms:GenerateDataKey","kms:Decrypt"],"Resource":"*"}'
echo "HelmValues: $helm"
