{{/*
The container's environment before extraEnv: NTH's variables with NTH's values (templates/deployment.yaml of
aws-node-termination-handler's chart), then ours. docs/migration.md lists the NTH variables left out and why.
*/}}
{{- define "nth.env" -}}
- name: NODE_NAME
  valueFrom:
    fieldRef:
      fieldPath: spec.nodeName
- name: POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: NAMESPACE
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
- name: ENABLE_PROBES_SERVER
  value: "true"
- name: PROBES_SERVER_PORT
  value: {{ .Values.probes.httpGet.port | quote }}
- name: PROBES_SERVER_ENDPOINT
  value: {{ .Values.probes.httpGet.path | quote }}
- name: LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
- name: ENABLE_PROMETHEUS_SERVER
  value: {{ .Values.enablePrometheusServer | quote }}
- name: PROMETHEUS_SERVER_PORT
  value: {{ .Values.prometheusServerPort | quote }}
- name: CHECK_TAG_BEFORE_DRAINING
  value: {{ .Values.checkTagBeforeDraining | quote }}
- name: MANAGED_TAG
  value: {{ .Values.managedTag | quote }}
- name: USE_PROVIDER_ID
  value: {{ .Values.useProviderId | quote }}
- name: DRY_RUN
  value: {{ .Values.dryRun | quote }}
- name: CORDON_ONLY
  value: {{ .Values.cordonOnly | quote }}
- name: TAINT_NODE
  value: {{ .Values.taintNode | quote }}
- name: TAINT_EFFECT
  value: {{ .Values.taintEffect | quote }}
- name: ENABLE_OUT_OF_SERVICE_TAINT
  value: {{ .Values.enableOutOfServiceTaint | quote }}
- name: EXCLUDE_FROM_LOAD_BALANCERS
  value: {{ .Values.excludeFromLoadBalancers | quote }}
- name: DELETE_LOCAL_DATA
  value: {{ .Values.deleteLocalData | quote }}
- name: IGNORE_DAEMON_SETS
  value: {{ .Values.ignoreDaemonSets | quote }}
- name: POD_TERMINATION_GRACE_PERIOD
  value: {{ .Values.podTerminationGracePeriod | quote }}
- name: NODE_TERMINATION_GRACE_PERIOD
  value: {{ .Values.nodeTerminationGracePeriod | quote }}
- name: EMIT_KUBERNETES_EVENTS
  value: {{ .Values.emitKubernetesEvents | quote }}
- name: COMPLETE_LIFECYCLE_ACTION_DELAY_SECONDS
  value: {{ .Values.completeLifecycleActionDelaySeconds | quote }}
{{- with .Values.kubernetesEventsExtraAnnotations }}
- name: KUBERNETES_EVENTS_EXTRA_ANNOTATIONS
  value: {{ . | quote }}
{{- end }}
{{- if .Values.webhookURLSecretName }}
- name: WEBHOOK_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.webhookURLSecretName }}
      key: webhookurl
{{- else if .Values.webhookURL }}
- name: WEBHOOK_URL
  value: {{ .Values.webhookURL | quote }}
{{- end }}
{{- with .Values.webhookHeaders }}
- name: WEBHOOK_HEADERS
  value: {{ . | quote }}
{{- end }}
{{- with .Values.webhookProxy }}
- name: WEBHOOK_PROXY
  value: {{ . | quote }}
{{- end }}
{{- if and .Values.webhookTemplateConfigMapName .Values.webhookTemplateConfigMapKey }}
- name: WEBHOOK_TEMPLATE_FILE
  value: {{ print "/config/" .Values.webhookTemplateConfigMapKey | quote }}
{{- else if .Values.webhookTemplate }}
- name: WEBHOOK_TEMPLATE
  value: {{ .Values.webhookTemplate | quote }}
{{- end }}
- name: ENABLE_SQS_TERMINATION_DRAINING
  value: "true"
{{- with .Values.awsRegion }}
- name: AWS_REGION
  value: {{ . | quote }}
{{- end }}
{{- with .Values.awsEndpoint }}
- name: AWS_ENDPOINT
  value: {{ . | quote }}
{{- end }}
{{- if and .Values.awsAccessKeyID .Values.awsSecretAccessKey }}
- name: AWS_ACCESS_KEY_ID
  value: {{ .Values.awsAccessKeyID | quote }}
- name: AWS_SECRET_ACCESS_KEY
  value: {{ .Values.awsSecretAccessKey | quote }}
{{- end }}
- name: QUEUE_URL
  value: {{ .Values.queueURL | quote }}
- name: DELETE_SQS_MSG_IF_NODE_NOT_FOUND
  value: {{ .Values.deleteSqsMsgIfNodeNotFound | quote }}
- name: WORKERS
  value: {{ .Values.workers | quote }}
- name: HEARTBEAT_INTERVAL
  value: {{ .Values.heartbeatInterval | quote }}
- name: HEARTBEAT_UNTIL
  value: {{ .Values.heartbeatUntil | quote }}
- name: SQS_MSG_VISIBILITY_TIMEOUT_SEC
  value: {{ .Values.sqsMsgVisibilityTimeoutSec | quote }}
- name: ENABLE_REBALANCE_DRAINING
  value: {{ .Values.enableRebalanceDraining | quote }}
{{- with .Values.rebalanceAction }}
{{- if not (has . (list "cordon" "cordon-and-drain" "ignore")) }}
{{- fail (printf "rebalanceAction %q is not cordon, cordon-and-drain or ignore (leave it empty to follow enableRebalanceDraining)" .) }}
{{- end }}
- name: REBALANCE_ACTION
  value: {{ . | quote }}
{{- end }}
- name: NTH_DELETE_REMAINING_AT_DEADLINE
  value: {{ .Values.deleteRemainingAtDeadline | quote }}
- name: NTH_MAX_MESSAGES_IN_FLIGHT
  value: {{ .Values.maxMessagesInFlight | quote }}
- name: KUBE_API_QPS
  value: {{ .Values.kubeApiQps | quote }}
- name: KUBE_API_BURST
  value: {{ .Values.kubeApiBurst | quote }}
- name: NTH_EVICTION_QPS
  value: {{ .Values.evictionQps | quote }}
- name: NTH_EVICTION_BURST
  value: {{ .Values.evictionBurst | quote }}
- name: NTH_MAX_EVICTIONS_IN_FLIGHT
  value: {{ .Values.maxEvictionsInFlight | quote }}
{{- with .Values.allowedEventAccounts }}
{{- range . }}
{{- if not (and (kindIs "string" .) (regexMatch "^[0-9]{12}$" .)) }}
{{- fail (printf "allowedEventAccounts: %v is not a quoted 12-digit account id, such as \"111122223333\"" .) }}
{{- end }}
{{- end }}
- name: NTH_ALLOWED_EVENT_ACCOUNTS
  value: {{ join "," . | quote }}
{{- end }}
{{- with .Values.allowedEventRegions }}
{{- range . }}
{{- if not (and (kindIs "string" .) (regexMatch "^[a-z]+(-[a-z]+)+-[0-9]+$" .)) }}
{{- fail (printf "allowedEventRegions: %v is not a region name, such as eu-west-1" .) }}
{{- end }}
{{- end }}
- name: NTH_ALLOWED_EVENT_REGIONS
  value: {{ join "," . | quote }}
{{- end }}
- name: NTH_LEADER_ELECTION
  value: {{ .Values.leaderElection.enabled | quote }}
- name: NTH_LEADER_ELECTION_LEASE_NAME
  value: {{ .Values.leaderElection.leaseName | quote }}
- name: NTH_LEADER_ELECTION_LEASE_DURATION_SECONDS
  value: {{ .Values.leaderElection.leaseDurationSeconds | quote }}
- name: NTH_LEADER_ELECTION_RENEW_DEADLINE_SECONDS
  value: {{ .Values.leaderElection.renewDeadlineSeconds | quote }}
- name: NTH_LEADER_ELECTION_RETRY_PERIOD_SECONDS
  value: {{ .Values.leaderElection.retryPeriodSeconds | quote }}
- name: NTH_READINESS_ENDPOINT
  value: {{ .Values.readinessProbe.httpGet.path | quote }}
{{- /* The graceful shutdown's deadline, 5 s under the pod's grace period: the process ends before the SIGKILL. */}}
- name: NTH_SHUTDOWN_TIMEOUT_SECONDS
  value: {{ max 1 (sub (.Values.terminationGracePeriodSeconds | default 30 | int) 5) | quote }}
{{- end -}}

{{/*
The container's env: nth.env, less every variable extraEnv names (extraEnv overrides, never duplicates), then
extraEnv in its order. A name given twice in extraEnv is an error.
*/}}
{{- define "nth.containerEnv" -}}
{{- $extra := .Values.extraEnv | default list -}}
{{- $overridden := dict -}}
{{- range $extra -}}
{{- if hasKey $overridden .name -}}
{{- fail (printf "extraEnv names %s twice: give each variable once" .name) -}}
{{- end -}}
{{- $_ := set $overridden .name true -}}
{{- end -}}
{{- $env := list -}}
{{- range (include "nth.env" . | fromYamlArray) -}}
{{- if not (hasKey $overridden .name) -}}{{- $env = append $env . -}}{{- end -}}
{{- end -}}
{{- toYaml (concat $env $extra) -}}
{{- end -}}
