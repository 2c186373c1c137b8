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

{{- /*
  ValidatingAdmissionPolicy variables about the pod in the request (empty for other kinds and
  for deletes): its containers (init containers included) and volumes. The same checks are in
  the other chart (zeppelin), each chart being installable on its own.
*/}}
{{- define "spark-executor.admission.podVariables" -}}
- name: podSpec
  expression: "variables.isPod && request.operation != 'DELETE'"
- name: containers
  expression: "variables.podSpec ? object.spec.containers + (has(object.spec.initContainers) ? object.spec.initContainers : []) : []"
- name: volumes
  expression: "variables.podSpec && has(object.spec.volumes) ? object.spec.volumes : []"
{{- end }}

{{- /*
  The checks on a pod that keep notebook code inside its container: no host namespaces, no
  privileged container or added capability, no volume but emptyDir, claims, ConfigMaps,
  downward API and projected tokens (no hostPath, no Secret, no inline CSI), no Secret in the
  environment, and the claims of .claimSubPaths (claim: subPath) mounted only at that subPath
  (the notebook claim holds Zeppelin's own state beside the notes). The argument is a dict
  with "claimSubPaths".
*/}}
{{- define "spark-executor.admission.podValidations" -}}
- expression: >-
    !variables.podSpec || !((has(object.spec.hostNetwork) && object.spec.hostNetwork)
    || (has(object.spec.hostPID) && object.spec.hostPID) || (has(object.spec.hostIPC) && object.spec.hostIPC))
  message: "pods made by this account may not use the node's network, process or IPC namespace"
- expression: >-
    variables.containers.all(c, !has(c.securityContext)
    || ((!has(c.securityContext.privileged) || !c.securityContext.privileged)
    && (!has(c.securityContext.capabilities) || !has(c.securityContext.capabilities.add)
    || size(c.securityContext.capabilities.add) == 0)))
  message: "pods made by this account may not have privileged containers or add capabilities"
- expression: >-
    variables.volumes.all(v, has(v.emptyDir) || has(v.persistentVolumeClaim) || has(v.configMap)
    || has(v.downwardAPI) || (has(v.projected) && (!has(v.projected.sources)
    || v.projected.sources.all(s, !has(s.secret)))))
  message: "pods made by this account may only mount emptyDir, claim, ConfigMap, downward-API and token volumes (no hostPath, no Secret)"
- expression: >-
    variables.containers.all(c, (!has(c.env) || c.env.all(e, !has(e.valueFrom) || !has(e.valueFrom.secretKeyRef)))
    && (!has(c.envFrom) || c.envFrom.all(f, !has(f.secretRef))))
  message: "pods made by this account may not read Secrets into their environment"
{{- range $claim, $subPath := .claimSubPaths }}
- expression: >-
    variables.containers.all(c, !has(c.volumeMounts) || c.volumeMounts.all(m,
    !(m.name in variables.volumes.filter(v, has(v.persistentVolumeClaim)
    && v.persistentVolumeClaim.claimName == '{{ $claim }}').map(v, v.name))
    || (has(m.subPath) && m.subPath == '{{ $subPath }}' && !has(m.subPathExpr))))
  message: {{ printf "pods made by this account may mount the claim %s only at its subPath %s" $claim $subPath | quote }}
{{- end }}
{{- end }}
