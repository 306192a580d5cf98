{{- define "nth.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "nth.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "nth.selectorLabels" -}}
app.kubernetes.io/name: {{ include "nth.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/*
Labels of every object: NTH's set (name, instance, version, part-of, managed-by, chart) and customLabels. A
customLabels key never replaces one of the chart's own.
*/}}
{{- define "nth.labels" -}}
{{- $labels := include "nth.selectorLabels" . | fromYaml -}}
{{- $_ := set $labels "app.kubernetes.io/version" (.Chart.AppVersion | toString) -}}
{{- $_ := set $labels "app.kubernetes.io/part-of" .Release.Name -}}
{{- $_ := set $labels "app.kubernetes.io/managed-by" .Release.Service -}}
{{- $_ := set $labels "helm.sh/chart" (printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-") -}}
{{- toYaml (merge $labels (.Values.customLabels | default dict)) -}}
{{- end -}}

{{/* The Deployment's and Service's labels: NTH adds app.kubernetes.io/component: deployment to them. */}}
{{- define "nth.labelsDeployment" -}}
{{- $labels := include "nth.labels" . | fromYaml -}}
{{- $_ := set $labels "app.kubernetes.io/component" "deployment" -}}
{{- toYaml $labels -}}
{{- end -}}

{{/*
The pods' labels: the selector, NTH's pod labels (app.kubernetes.io/component: deployment and k8s-app, so that
selectors written for NTH's pods match), then podLabels and customLabels, never replacing the selector's.
*/}}
{{- define "nth.podLabels" -}}
{{- $labels := include "nth.selectorLabels" . | fromYaml -}}
{{- $_ := set $labels "app.kubernetes.io/component" "deployment" -}}
{{- $_ := set $labels "k8s-app" (include "nth.name" .) -}}
{{- toYaml (merge $labels (.Values.podLabels | default dict) (.Values.customLabels | default dict)) -}}
{{- end -}}

{{- define "nth.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "nth.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* NTH's image.pullSecrets, then our older imagePullSecrets (an alias), without repeats. */}}
{{- define "nth.imagePullSecrets" -}}
{{- $secrets := list -}}
{{- range concat (.Values.image.pullSecrets | default list) (.Values.imagePullSecrets | default list) -}}
{{- $secret := . -}}
{{- if kindIs "string" . -}}{{- $secret = dict "name" . -}}{{- end -}}
{{- if not (has $secret $secrets) -}}{{- $secrets = append $secrets $secret -}}{{- end -}}
{{- end -}}
{{- with $secrets -}}{{- toYaml . -}}{{- end -}}
{{- end -}}
