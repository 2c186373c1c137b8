{{- /*
  Every resource name, in one place. "<fullname>" is "<release>-<chart>" unless the release
  name already contains the chart name, or fullnameOverride is set.
*/}}

{{- /* The prefix of every name. */}}
{{- define "zeppelin.fullname" -}}
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

{{- /*
  The server's Deployment and Service. Zeppelin finds its own Service by this name
  (ZEPPELIN_K8S_SERVICE_NAME) to tell interpreters where to call back.
*/}}
{{- define "zeppelin.server.fullname" -}}
{{- printf "%s-server" (include "zeppelin.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- /* The server's ServiceAccount, Role and RoleBinding. */}}
{{- define "zeppelin.server-serviceaccount.fullname" -}}
{{- include "zeppelin.server.fullname" . }}
{{- end }}

{{- /* The server's ConfigMap (shiro.ini base, interpreter settings, start-up script). */}}
{{- define "zeppelin.server-config.fullname" -}}
{{- printf "%s-config" (include "zeppelin.server.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- /* The chart-made notebook claim (only when notebookStorage.existingClaim is empty). */}}
{{- define "zeppelin.notebooks.fullname" -}}
{{- printf "%s-notebooks" (include "zeppelin.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- /* The notebook claim the server mounts: the existing one, or the chart's own. */}}
{{- define "zeppelin.notebooks.claimName" -}}
{{- .Values.notebookStorage.existingClaim | default (include "zeppelin.notebooks.fullname" .) }}
{{- end }}

{{- /* The ConfigMap holding the interpreter pod spec template. */}}
{{- define "zeppelin.interpreter-spec.fullname" -}}
{{- printf "%s-interpreter-spec" (include "zeppelin.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- /* The interpreter pods' NetworkPolicy. */}}
{{- define "zeppelin.interpreter.fullname" -}}
{{- printf "%s-interpreter" (include "zeppelin.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- /* The Ingress. */}}
{{- define "zeppelin.ingress.fullname" -}}
{{- include "zeppelin.fullname" . }}
{{- end }}

{{- /* The `helm test` pod. */}}
{{- define "zeppelin.test.fullname" -}}
{{- printf "%s-test" (include "zeppelin.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- /*
  The server's ValidatingAdmissionPolicy and its binding: cluster-wide objects, so the name
  carries the namespace.
*/}}
{{- define "zeppelin.server-admission.fullname" -}}
{{- printf "gaia-platform.%s.%s" .Release.Namespace (include "zeppelin.server-serviceaccount.fullname" .) }}
{{- end }}

{{- /* The NetworkPolicy letting Spark interpreters (drivers) reach the Kubernetes API. */}}
{{- define "zeppelin.interpreter-apiserver.fullname" -}}
{{- printf "%s-interpreter-apiserver" (include "zeppelin.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
