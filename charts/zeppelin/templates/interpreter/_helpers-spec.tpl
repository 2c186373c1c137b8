{{- /*
  Zeppelin's interpreter spec template (k8s/interpreter/100-interpreter-spec.yaml), written
  for the chart. Two template languages meet here: Helm fills in what the release knows
  (shares, service account, images' pull policy, scheduling) and leaves the {{ ... }} and
  {% ... %} parts, quoted with {{` `}}, to Zeppelin's Jinjava renderer, which fills in what
  only the launcher knows (pod name, group, image, callback address, environment, driver
  resources). Unlike Zeppelin's own template it makes no Role per pod: interpreters run as
  the existing driver service account (see the spark-executor chart).
*/}}

{{- /* The Jinjava block naming the server pod as owner, so interpreters die with it. */}}
{{- define "zeppelin.interpreter.ownerReferences" -}}
{{`{% if zeppelin.k8s.server.uid is defined %}
  ownerReferences:
  - apiVersion: v1
    kind: Pod
    controller: false
    blockOwnerDeletion: false
    name: {{zeppelin.k8s.server.pod.name}}
    uid: {{zeppelin.k8s.server.uid}}
{% endif %}`}}
{{- end }}

{{- /* Labels of interpreter pods and Services, besides Zeppelin's own. */}}
{{- define "zeppelin.interpreter.labels" -}}
{{- include "zeppelin.labels" . }}
{{- end }}

{{- /* Volume mounts of the shares, identical in every interpreter pod. */}}
{{- define "zeppelin.interpreter.shareMounts" -}}
{{- range .Values.shares }}
- name: {{ include "zeppelin.shareVolume" . }}
  mountPath: {{ .mountPath }}
  readOnly: {{ .readOnly }}
  {{- with .subPath }}
  subPath: {{ . }}
  {{- end }}
{{- end }}
{{- end }}

{{- /* The shares' volumes. */}}
{{- define "zeppelin.interpreter.shareVolumes" -}}
{{- range .Values.shares }}
- name: {{ include "zeppelin.shareVolume" . }}
  persistentVolumeClaim:
    claimName: {{ .claimName }}
    readOnly: {{ .readOnly }}
{{- end }}
{{- end }}

{{- /*
  A Jinjava condition true in the Spark interpreter of one person (the argument is their
  name). The group id is "<setting id>-<user>" when the setting is isolated per user and not per
  note (InterpreterSetting.getInterpreterGroupId, 0.9.0 to 0.12.0): the only thing Zeppelin
  0.9.0's launcher tells the template about the user. 0.10.1 and later also bind
  zeppelin.k8s.interpreter.user (K8sRemoteInterpreterProcess.getTemplateBindings), checked
  too. The setting id is "spark" (zeppelin.interpreterSettings).
*/}}
{{- define "zeppelin.interpreter.isUser" -}}
{{- $root := index . 0 }}{{ $user := index . 1 -}}
zeppelin.k8s.interpreter.group.id == "spark-{{ $user }}"
{{- if semverCompare ">=0.10.1-0" $root.Values.zeppelinVersion }} and zeppelin.k8s.interpreter.user == "{{ $user }}"{{ end }}
{{- end }}

{{- /* Per-user storage needs a process (pod) per person whose group id names them. */}}
{{- define "zeppelin.interpreter.checkUserBinding" -}}
{{- $binding := .Values.interpreter.binding }}
{{- if and .Values.users (or (ne $binding.perUser "isolated") (eq $binding.perNote "isolated")) }}
{{- fail (printf "users have storage of their own, which needs interpreter.binding.perUser=isolated and perNote=shared or scoped (got perUser=%s, perNote=%s): only then is each person's Spark interpreter a pod of its own whose group id (spark-<user>) names them, in every supported Zeppelin version." $binding.perUser $binding.perNote) }}
{{- end }}
{{- end }}

{{- /* The Spark interpreter's per-user volume mounts: one Jinjava block per person. */}}
{{- define "zeppelin.interpreter.userMounts" -}}
{{- $root := . }}
{{- range .Values.users }}
{{ printf "{%% if %s %%}" (include "zeppelin.interpreter.isUser" (list $root .name)) }}
{{- include "zeppelin.interpreter.shareMounts" (dict "Values" (dict "shares" .shares)) }}
{{ "{% endif %}" }}
{{- end }}
{{- end }}

{{- /* The Spark interpreter's per-user volumes. */}}
{{- define "zeppelin.interpreter.userVolumes" -}}
{{- $root := . }}
{{- range .Values.users }}
{{ printf "{%% if %s %%}" (include "zeppelin.interpreter.isUser" (list $root .name)) }}
{{- include "zeppelin.interpreter.shareVolumes" (dict "Values" (dict "shares" .shares)) }}
{{ "{% endif %}" }}
{{- end }}
{{- end }}

{{- /*
  The executor pod template the driver hands to Spark: a person's own (their shares added, made
  by the spark-executor chart as executor-pod-template-<user>.yaml), else the common one.
*/}}
{{- define "zeppelin.interpreter.podTemplateItems" -}}
{{- $root := . }}
{{- $key := .Values.spark.executorPodTemplate.key }}
{{- range $index, $user := .Values.users }}
{{ printf "{%% %s %s %%}" (ternary "if" "elif" (eq $index 0)) (include "zeppelin.interpreter.isUser" (list $root $user.name)) }}
- key: {{ printf "%s-%s.yaml" (trimSuffix ".yaml" $key) $user.name }}
  path: {{ $key }}
{{- end }}
{{- if .Values.users }}
{{ "{% else %}" }}
{{- end }}
- key: {{ $key }}
  path: {{ $key }}
{{- if .Values.users }}
{{ "{% endif %}" }}
{{- end }}
{{- end }}

{{- /* The whole spec template: the interpreter Pod and its headless Service. */}}
{{- define "zeppelin.interpreter.spec" -}}
{{- include "zeppelin.interpreter.checkUserBinding" . }}
{{- $interp := .Values.interpreter -}}
# Zeppelin {{ .Values.zeppelinVersion }} interpreter pod spec, rendered by the {{ include "zeppelin.chart" . }} chart
# (release {{ .Release.Name }}); Zeppelin's launcher fills in the double-brace expressions.
kind: Pod
apiVersion: v1
metadata:
  namespace: {{ .Release.Namespace }}
{{`  name: {{zeppelin.k8s.interpreter.pod.name}}
  labels:
    app: {{zeppelin.k8s.interpreter.pod.name}}
    interpreterGroupId: {{zeppelin.k8s.interpreter.group.id}}
    interpreterSettingName: {{zeppelin.k8s.interpreter.setting.name}}`}}
    {{- include "zeppelin.interpreter.labels" . | nindent 4 }}
{{- if semverCompare ">=0.10.1-0" .Values.zeppelinVersion }}
  annotations:
    # Whose interpreter this is (an annotation: user names need not be valid label values).
{{`    gaia-platform/zeppelin-user: '{{ zeppelin.k8s.interpreter.user|replace("'", "''") }}'`}}
{{- end }}
{{ include "zeppelin.interpreter.ownerReferences" . }}
spec:
  serviceAccountName: {{ $interp.serviceAccountName }}
{{`{% if zeppelin.k8s.interpreter.group.name == "spark" %}
  automountServiceAccountToken: true
{% else %}
  automountServiceAccountToken: false
{% endif %}`}}
  restartPolicy: Never
  terminationGracePeriodSeconds: 30
  securityContext:
    {{- include "zeppelin.podSecurityContext" $interp.securityContext | nindent 4 }}
  {{- if .Values.images.pullSecrets }}
  {{- include "zeppelin.imagePullSecrets" . | nindent 2 }}
  {{- end }}
  {{- with $interp.priorityClassName }}
  priorityClassName: {{ . }}
  {{- end }}
  {{- with $interp.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $interp.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $interp.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  containers:
{{`  - name: {{zeppelin.k8s.interpreter.container.name}}
    image: {{zeppelin.k8s.interpreter.container.image}}`}}
    imagePullPolicy: {{ .Values.images.interpreter.pullPolicy }}
    securityContext:
      {{- include "zeppelin.containerSecurityContext" . | nindent 6 }}
{{`    args:
      - "$(ZEPPELIN_HOME)/bin/interpreter.sh"
      - "-d"
      - "$(ZEPPELIN_HOME)/interpreter/{{zeppelin.k8s.interpreter.group.name}}"
      - "-r"
      - "{{zeppelin.k8s.interpreter.rpc.portRange}}"
      - "-c"
      - "{{zeppelin.k8s.server.rpc.service}}"
      - "-p"
      - "{{zeppelin.k8s.server.rpc.portRange}}"
      - "-i"
      - "{{zeppelin.k8s.interpreter.group.id}}"
      - "-l"
      - "{{zeppelin.k8s.interpreter.localRepo}}/{{zeppelin.k8s.interpreter.setting.name}}"
      - "-g"
      - "{{zeppelin.k8s.interpreter.setting.name}}"
    env:
{% for key, value in zeppelin.k8s.envs.items() %}
    - name: {{key}}
      value: '{{ value|replace("'", "''") }}'
{% endfor %}
{% if zeppelin.k8s.interpreter.cores is defined and zeppelin.k8s.interpreter.memory is defined %}
    resources:
      requests:
        memory: "{{zeppelin.k8s.interpreter.memory}}"
        cpu: "{{zeppelin.k8s.interpreter.cores}}"
      limits:
        cpu: "{{zeppelin.k8s.interpreter.cores}}"
{% else %}`}}
    resources:
      {{- toYaml $interp.resources | nindent 6 }}
{{`{% endif %}`}}
    volumeMounts:
    - name: tmp
      mountPath: /tmp
    {{- if .Values.shares }}
    {{- include "zeppelin.interpreter.shareMounts" . | nindent 4 }}
    {{- end }}
{{`{% if zeppelin.k8s.interpreter.group.name == "spark" %}`}}
    {{- if .Values.users }}
    {{- include "zeppelin.interpreter.userMounts" . | nindent 4 }}
    {{- end }}
    - name: spark-home
      mountPath: /spark
    - name: spark-executor-pod-template
      mountPath: /etc/spark-executor
      readOnly: true
  initContainers:
  # Spark's distribution comes from the Spark image, the same one the executors run.
  - name: spark-home-init
{{`    image: {{zeppelin.k8s.spark.container.image}}`}}
    imagePullPolicy: {{ .Values.images.spark.pullPolicy }}
    command: ["sh", "-c", "cp -r /opt/spark/* /spark/"]
    securityContext:
      {{- include "zeppelin.containerSecurityContext" . | nindent 6 }}
    resources:
      requests:
        cpu: 100m
        memory: 128Mi
      limits:
        memory: 256Mi
    volumeMounts:
    - name: spark-home
      mountPath: /spark
{{`{% endif %}`}}
  volumes:
  - name: tmp
    emptyDir: {}
  {{- if .Values.shares }}
  {{- include "zeppelin.interpreter.shareVolumes" . | nindent 2 }}
  {{- end }}
{{`{% if zeppelin.k8s.interpreter.group.name == "spark" %}`}}
  {{- if .Values.users }}
  {{- include "zeppelin.interpreter.userVolumes" . | nindent 2 }}
  {{- end }}
  - name: spark-home
    emptyDir: {}
  - name: spark-executor-pod-template
    configMap:
      name: {{ .Values.spark.executorPodTemplate.configMap }}
      items:
      {{- include "zeppelin.interpreter.podTemplateItems" . | nindent 6 }}
{{`{% endif %}`}}
---
# The interpreter's headless Service: the server reaches the interpreter through it and, for
# Spark, executors reach their driver (spark.driver.host is this Service's name).
kind: Service
apiVersion: v1
metadata:
  namespace: {{ .Release.Namespace }}
{{`  name: {{zeppelin.k8s.interpreter.pod.name}}`}}
  labels:
    {{- include "zeppelin.interpreter.labels" . | nindent 4 }}
{{ include "zeppelin.interpreter.ownerReferences" . }}
spec:
  clusterIP: None
  ports:
  - name: intp
    port: 12321
{{`{% if zeppelin.k8s.interpreter.group.name == "spark" %}
  - name: spark-driver
    port: 22321
  - name: spark-blockmanager
    port: 22322
  - name: spark-ui
    port: 4040
{% endif %}
  selector:
    app: {{zeppelin.k8s.interpreter.pod.name}}`}}
{{- end }}
