{{- /*
  Helpers shared by every template: chart identity, labels, images and the Zeppelin release
  family. Resource names are in _helpers-names.tpl.
*/}}

{{- /* The chart's name, or nameOverride. */}}
{{- define "zeppelin.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- /* "name-version" of the chart, for the helm.sh/chart label. */}}
{{- define "zeppelin.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- /*
  The component a template belongs to: the folder it sits in (templates/server/... -> server),
  so that a new file gets the right label without any code.
*/}}
{{- define "zeppelin.componentLabel" -}}
{{- .Template.Name | dir | base }}
{{- end }}

{{- /* Labels that select a component's pods (never change them: selectors are immutable). */}}
{{- define "zeppelin.selectorLabels" -}}
app.kubernetes.io/name: {{ include "zeppelin.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: {{ include "zeppelin.componentLabel" . }}
{{- end }}

{{- /* Labels on every object the chart makes. */}}
{{- define "zeppelin.labels" -}}
{{ include "zeppelin.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.zeppelinVersion | quote }}
app.kubernetes.io/part-of: gaia-platform
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ include "zeppelin.chart" . }}
{{- end }}

{{- /* Selector labels of another component (the argument's "component") of this release. */}}
{{- define "zeppelin.componentSelector" -}}
app.kubernetes.io/name: {{ include "zeppelin.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- /* The release family ("0.9" .. "0.12"): the launcher and the default images differ by it. */}}
{{- define "zeppelin.family" -}}
{{- $parts := splitList "." .Values.zeppelinVersion }}
{{- printf "%s.%s" (index $parts 0) (index $parts 1) }}
{{- end }}

{{- /*
  "true" when the launcher turns spark.* properties into ZEPPELIN_SPARK_CONF itself (0.11 and
  later); older launchers only pass SPARK_SUBMIT_OPTIONS, which the chart then fills.
*/}}
{{- define "zeppelin.sparkConfFromProperties" -}}
{{- if semverCompare ">=0.11.0-0" .Values.zeppelinVersion }}true{{ end }}
{{- end }}

{{- /* The Zeppelin server image, its tag following zeppelinVersion unless set. */}}
{{- define "zeppelin.image.server" -}}
{{- printf "%s:%s" .Values.images.server.repository (.Values.images.server.tag | default .Values.zeppelinVersion) }}
{{- end }}

{{- /* The interpreter image (ZEPPELIN_K8S_CONTAINER_IMAGE): Zeppelin's own image by default. */}}
{{- define "zeppelin.image.interpreter" -}}
{{- printf "%s:%s" .Values.images.interpreter.repository (.Values.images.interpreter.tag | default .Values.zeppelinVersion) }}
{{- end }}

{{- /*
  This release's family entry of versions.yaml (the one list of supported Zeppelin releases:
  default Spark image, Pod Security level), as YAML for fromYaml. Stops for a family the list
  does not hold.
*/}}
{{- define "zeppelin.versionEntry" -}}
{{- $family := include "zeppelin.family" . }}
{{- $releases := (.Files.Get "versions.yaml" | fromYaml).releases }}
{{- $found := dict }}
{{- $families := list }}
{{- range $releases }}
{{- $families = append $families .family }}
{{- if eq .family $family }}{{ $found = . }}{{ end }}
{{- end }}
{{- if not $found }}
{{- printf "zeppelinVersion %s: the chart supports the Zeppelin families %s only (versions.yaml)" .Values.zeppelinVersion (join ", " $families) | fail }}
{{- end }}
{{- toYaml $found }}
{{- end }}

{{- /*
  The Spark image for drivers and executors: images.spark when set, else the default for the
  Zeppelin family, an image that exists upstream (versions.yaml, sparkImage, has the evidence).
  For 0.9 none exists (Zeppelin 0.9 needs Spark < 3.1; the gcr.io/spark-operator images were
  removed in 2023 and Apache never published a 3.0 image): rendering stops and names the
  recipe that builds one.
*/}}
{{- define "zeppelin.image.spark" -}}
{{- $entry := include "zeppelin.versionEntry" . | fromYaml }}
{{- $default := $entry.sparkImage | default dict }}
{{- $repository := .Values.images.spark.repository | default (get $default "repository") }}
{{- $tag := .Values.images.spark.tag | default (get $default "tag") }}
{{- if not (and $repository $tag) }}
{{- printf "images.spark: no Spark image exists upstream for Zeppelin %s (it needs Spark < 3.1; gcr.io/spark-operator/spark-py:v3.0.0 was removed in 2023, kubeflow/spark-operator#1860). Build one with images/spark-py/build.sh %s in the gaia-platform repository, push it, and set images.spark.repository and images.spark.tag." .Values.zeppelinVersion $entry.sparkVersion | fail }}
{{- end }}
{{- printf "%s:%s" $repository $tag }}
{{- end }}

{{- /* The test hook's image. */}}
{{- define "zeppelin.image.test" -}}
{{- printf "%s:%s" .Values.images.test.repository .Values.images.test.tag }}
{{- end }}

{{- /* imagePullSecrets for a pod spec, or nothing. */}}
{{- define "zeppelin.imagePullSecrets" -}}
{{- with .Values.images.pullSecrets -}}
imagePullSecrets:
  {{- range . }}
  - name: {{ . }}
  {{- end }}
{{- end }}
{{- end }}

{{- /*
  A container securityContext that satisfies the "restricted" Pod Security Standard. Not
  configurable on purpose: nothing in these pods needs more. Whether a launched pod keeps it
  depends on the client that creates it: see podSecurityLevel in versions.yaml.
*/}}
{{- define "zeppelin.containerSecurityContext" -}}
allowPrivilegeEscalation: false
capabilities:
  drop: [ALL]
{{- end }}

{{- /*
  A pod securityContext for the given runAsUser/runAsGroup/fsGroup (the argument): never root,
  the runtime's default seccomp profile.
*/}}
{{- define "zeppelin.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .runAsUser }}
runAsGroup: {{ .runAsGroup }}
{{- if .fsGroup }}
fsGroup: {{ .fsGroup }}
# Only the notebook volume's root is chowned, once, not every file at every start.
fsGroupChangePolicy: OnRootMismatch
{{- end }}
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{- /* The volume name of a share in pods and in Spark's volume properties. */}}
{{- define "zeppelin.shareVolume" -}}
{{- printf "share-%s" .name }}
{{- end }}

{{- /* Milliseconds from seconds, for Zeppelin's settings (which are all in ms). */}}
{{- define "zeppelin.ms" -}}
{{- mul (int .) 1000 }}
{{- end }}

{{- /*
  ValidatingAdmissionPolicy variables about the pod in the request (empty for other kinds and
  for deletes): its containers (init containers included) and volumes. The same checks are in
  the other chart (spark-executor), each chart being installable on its own.
*/}}
{{- define "zeppelin.admission.podVariables" -}}
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
{{- define "zeppelin.admission.podValidations" -}}
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

{{- /* An egress rule for name lookups: DNS in any namespace of the cluster. */}}
{{- define "zeppelin.netpol.dnsEgress" -}}
- to:
    - namespaceSelector: {}
  ports:
    - {port: 53, protocol: UDP}
    - {port: 53, protocol: TCP}
{{- end }}

{{- /*
  An egress rule to the Kubernetes API: networkPolicy.apiServer.cidrs (gaia-platform fills in
  the addresses of the `kubernetes` Service's endpoints), or, when empty, any address but the
  cloud's metadata service, on networkPolicy.apiServer.ports.
*/}}
{{- define "zeppelin.netpol.apiServerEgress" -}}
- to:
    {{- range .Values.networkPolicy.apiServer.cidrs }}
    - ipBlock:
        cidr: {{ . }}
    {{- else }}
    - ipBlock:
        cidr: 0.0.0.0/0
        # OpenStack's metadata service hands out the instance's identity and user data.
        except: [169.254.169.254/32]
    {{- end }}
  ports:
    {{- range .Values.networkPolicy.apiServer.ports }}
    - {port: {{ . }}, protocol: TCP}
    {{- end }}
{{- end }}
