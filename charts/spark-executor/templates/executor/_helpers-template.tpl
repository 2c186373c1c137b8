{{- /* The executor Pod that spark.kubernetes.executor.podTemplateFile names. */}}
{{- define "spark-executor.podTemplate" -}}
{{- $executor := .Values.executor -}}
apiVersion: v1
kind: Pod
metadata:
  labels:
    {{- include "spark-executor.labels" . | nindent 4 }}
    {{- with $executor.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- with $executor.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  serviceAccountName: {{ include "spark-executor.executor-serviceaccount.fullname" . }}
  automountServiceAccountToken: false
  securityContext:
    {{- include "spark-executor.podSecurityContext" $executor.securityContext | nindent 4 }}
  {{- if .Values.images.pullSecrets }}
  {{- include "spark-executor.imagePullSecrets" . | nindent 2 }}
  {{- end }}
  {{- with $executor.priorityClassName }}
  priorityClassName: {{ . }}
  {{- end }}
  {{- with $executor.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $executor.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with include "spark-executor.affinity" . }}
  affinity:
    {{- . | nindent 4 }}
  {{- end }}
  containers:
    # Spark sets image, command, ports, cpu and memory; the rest is kept.
    - name: executor
      securityContext:
        {{- include "spark-executor.containerSecurityContext" . | nindent 8 }}
      {{- with $executor.resources }}
      resources:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- $scratch := or $executor.scratch.sizeLimit $executor.scratch.medium }}
      {{- if or .Values.shares $scratch }}
      volumeMounts:
        {{- range .Values.shares }}
        - name: {{ printf "share-%s" .name }}
          mountPath: {{ .mountPath }}
          readOnly: {{ .readOnly }}
          {{- with .subPath }}
          subPath: {{ . }}
          {{- end }}
        {{- end }}
        {{- if $scratch }}
        - name: spark-local-dir-1
          mountPath: /var/data/spark-local-dir-1
        {{- end }}
      {{- end }}
  {{- if or .Values.shares $scratch }}
  volumes:
    {{- range .Values.shares }}
    - name: {{ printf "share-%s" .name }}
      persistentVolumeClaim:
        claimName: {{ .claimName }}
        readOnly: {{ .readOnly }}
    {{- end }}
    {{- if $scratch }}
    # Spark uses a volume named spark-local-dir-* as its scratch directory.
    - name: spark-local-dir-1
      emptyDir:
        {{- with $executor.scratch.medium }}
        medium: {{ . }}
        {{- end }}
        {{- with $executor.scratch.sizeLimit }}
        sizeLimit: {{ . }}
        {{- end }}
    {{- end }}
  {{- end }}
{{- end }}
