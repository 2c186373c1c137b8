{{- /*
  Every resource name, in one place. "<fullname>" is "<release>-<chart>" unless the release
  name already contains the chart name, or fullnameOverride is set.
*/}}

{{- /* The prefix of every name. */}}
{{- define "spark-executor.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- /* The ConfigMap with the executor pod template (the zeppelin chart mounts it). */}}
{{- define "spark-executor.podTemplate.fullname" -}}
{{- printf "%s-pod-template" (include "spark-executor.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- /* The key of the pod template in that ConfigMap. */}}
{{- define "spark-executor.podTemplate.key" -}}
executor-pod-template.yaml
{{- end }}

{{- /* The executors' ServiceAccount (no API token: executors never call the API). */}}
{{- define "spark-executor.executor-serviceaccount.fullname" -}}
{{- printf "%s-executor" (include "spark-executor.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- /* The drivers' ServiceAccount, Role and RoleBinding. */}}
{{- define "spark-executor.driver-serviceaccount.fullname" -}}
{{- printf "%s-driver" (include "spark-executor.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- /* The executors' NetworkPolicy. */}}
{{- define "spark-executor.executor.fullname" -}}
{{- printf "%s-executor" (include "spark-executor.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- /* The `helm test` pod. */}}
{{- define "spark-executor.test.fullname" -}}
{{- printf "%s-test" (include "spark-executor.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- /*
  The drivers' ValidatingAdmissionPolicy and its binding: cluster-wide objects, so the name
  carries the namespace.
*/}}
{{- define "spark-executor.driver-admission.fullname" -}}
{{- printf "gaia-platform.%s.%s" .Release.Namespace (include "spark-executor.driver-serviceaccount.fullname" .) }}
{{- end }}
