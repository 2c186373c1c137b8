{{- /*
  Helpers shared by every template: chart identity and labels. Resource names are in
  _helpers-names.tpl.
*/}}

{{- /* The chart's name, or nameOverride. */}}
{{- define "spark-executor.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- /* "name-version" of the chart, for the helm.sh/chart label. */}}
{{- define "spark-executor.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- /* The component a template belongs to: the folder it sits in (templates/driver -> driver). */}}
{{- define "spark-executor.componentLabel" -}}
{{- .Template.Name | dir | base }}
{{- end }}

{{- /* Labels that select a component's pods. */}}
{{- define "spark-executor.selectorLabels" -}}
app.kubernetes.io/name: {{ include "spark-executor.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: {{ include "spark-executor.componentLabel" . }}
{{- end }}

{{- /* Labels on every object the chart makes. */}}
{{- define "spark-executor.labels" -}}
{{ include "spark-executor.selectorLabels" . }}
app.kubernetes.io/part-of: gaia-platform
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ include "spark-executor.chart" . }}
{{- end }}

{{- /* imagePullSecrets for a pod spec, or nothing. */}}
{{- define "spark-executor.imagePullSecrets" -}}
{{- with .Values.images.pullSecrets -}}
imagePullSecrets:
  {{- range . }}
  - name: {{ . }}
  {{- end }}
{{- end }}
{{- end }}

{{- /* A container securityContext meeting the "restricted" Pod Security Standard. */}}
{{- define "spark-executor.containerSecurityContext" -}}
allowPrivilegeEscalation: false
capabilities:
  drop: [ALL]
{{- end }}

{{- /*
  A pod securityContext for the given runAsUser/runAsGroup: never root, default seccomp. Spark
  3.0 and 3.1 build executor pods with fabric8 models that have no seccompProfile and drop it
  (Zeppelin 0.9/0.10): their executors meet "baseline" only; the zeppelin chart says which
  level a release meets (gaia-platform/pod-security-level).
*/}}
{{- define "spark-executor.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .runAsUser }}
runAsGroup: {{ .runAsGroup }}
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{- /*
  The executors' affinity: the user's, plus, for exclusive executors, a required anti-affinity
  against every other executor of this release on the same node.
*/}}
{{- define "spark-executor.affinity" -}}
{{- $affinity := deepCopy .Values.executor.affinity }}
{{- if .Values.executor.exclusive.enabled }}
{{- $anti := get $affinity "podAntiAffinity" | default dict }}
{{- $required := get $anti "requiredDuringSchedulingIgnoredDuringExecution" | default list }}
{{- $selector := include "spark-executor.selectorLabels" . | fromYaml }}
{{- $term := dict "topologyKey" .Values.executor.exclusive.topologyKey "labelSelector" (dict "matchLabels" $selector) }}
{{- $_ := set $anti "requiredDuringSchedulingIgnoredDuringExecution" (append $required $term) }}
{{- $_ := set $affinity "podAntiAffinity" $anti }}
{{- end }}
{{- with $affinity }}
{{- toYaml . }}
{{- end }}
{{- end }}
