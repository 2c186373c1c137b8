{{- /*
  Checks that stop rendering (`fail`) instead of installing a Zeppelin whose notebooks would
  hang or whose pods the namespace refuses. Included once, by the server ConfigMap.
*/}}

{{- /*
  The Pod Security Standard level the pods this release makes really meet, per Zeppelin
  family (versions.yaml, podSecurityLevel, says why: older fabric8 clients drop
  seccompProfile). gaia-platform labels the namespace with this level
  (pod-security.kubernetes.io/enforce).
*/}}
{{- define "zeppelin.podSecurityLevel" -}}
{{- (include "zeppelin.versionEntry" . | fromYaml).podSecurityLevel }}
{{- end }}

{{- /*
  Stop when the release's namespace enforces a stricter Pod Security level than this
  Zeppelin's pods meet: the server would start but every interpreter or executor pod would be
  refused (403), and a notebook would wait for its interpreter until the connect timeout.
  Only on a real install (`lookup` is empty under `helm template`).
*/}}
{{- define "zeppelin.checks.podSecurity" -}}
{{- $namespace := lookup "v1" "Namespace" "" .Release.Namespace }}
{{- $enforced := "" }}
{{- with $namespace }}
{{- $enforced = get (.metadata.labels | default dict) "pod-security.kubernetes.io/enforce" }}
{{- end }}
{{- $level := include "zeppelin.podSecurityLevel" . }}
{{- if and (eq $enforced "restricted") (ne $level "restricted") }}
{{- printf "namespace %s enforces the \"restricted\" Pod Security level, but Zeppelin %s's interpreter pods or its Spark's executor pods lose their seccompProfile on the way to the API server (old fabric8 clients), so they meet only %q and would be refused. Label the namespace pod-security.kubernetes.io/enforce=%s (gaia-platform deploy does), or choose Zeppelin 0.11.2 or later." .Release.Namespace .Values.zeppelinVersion $level $level | fail }}
{{- end }}
{{- end }}

{{- /*
  Every executor volume must come from one place. Spark adds a volume for each
  spark.kubernetes.executor.volumes.* property on top of the pod template's volumes; a name in
  both makes the API server refuse every executor (422, duplicate volume name) while the
  SparkContext stays up: a notebook waits for executors for ever, with no message. Checked:
  - shares: no two with the same name or mount path;
  - spark.properties: no executor volume properties when the chart renders its own
    (executorShareMounts=sparkProperties), none for a share's volume otherwise;
  - on a real install, the spark-executor chart's pod template (`lookup`): no share volumes in
    it when this chart renders them as Spark properties.
*/}}
{{- define "zeppelin.checks.executorVolumes" -}}
{{- $names := dict }}
{{- $paths := dict }}
{{- range .Values.shares }}
{{- $volume := include "zeppelin.shareVolume" . }}
{{- if hasKey $names $volume }}
{{- printf "shares: two shares are named %q: each share needs its own name (its volume is %s)." .name $volume | fail }}
{{- end }}
{{- if hasKey $paths .mountPath }}
{{- printf "shares: two shares are mounted at %s: give each its own mountPath." .mountPath | fail }}
{{- end }}
{{- $_ := set $names $volume true }}
{{- $_ := set $paths .mountPath true }}
{{- end }}
{{- $fromProperties := eq .Values.spark.executorShareMounts "sparkProperties" }}
{{- range $key, $_ := .Values.spark.properties }}
{{- if hasPrefix "spark.kubernetes.executor.volumes." $key }}
{{- $volume := index (splitList "." $key) 5 }}
{{- if or $fromProperties (hasKey $names $volume) }}
{{- printf "spark.properties.%s: executor volumes come from spark.executorShareMounts (%s) and the shares list; a volume given again here would reach Spark twice (every executor refused with 422). Remove it, or add the claim to shares." $key $.Values.spark.executorShareMounts | fail }}
{{- end }}
{{- end }}
{{- end }}
{{- if and $fromProperties .Values.shares }}
{{- $template := lookup "v1" "ConfigMap" .Release.Namespace .Values.spark.executorPodTemplate.configMap }}
{{- with $template }}
{{- $pod := get (.data | default dict) $.Values.spark.executorPodTemplate.key | default "" | fromYaml }}
{{- range (dig "spec" "volumes" list $pod) }}
{{- if hasKey $names .name }}
{{- printf "spark.executorShareMounts is sparkProperties, but the executor pod template (ConfigMap %s) already has the volume %s: Spark would add it twice and every executor would be refused (422). Either remove shares from the spark-executor release or set spark.executorShareMounts=podTemplate here." $.Values.spark.executorPodTemplate.configMap .name | fail }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
